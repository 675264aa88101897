"""Moving an idea along the pathway (bot.pathway.states), from a card in chat or from
the CLI, and the news each move sends.

Every move is a conditional update (two leaders pressing at once: one wins, the other
is told), updates the leaders' cards in place and tells everyone who sent the idea,
anonymous ones too, through the bot, without showing leaders who they are. A move from
the CLI notifies exactly as one in chat: both go through `apply_move`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot import actions
from bot.analysis import code_idea
from bot.context import MAX_MESSAGE_LENGTH, Scope, Turn
from bot.errors import BadAction, MessageTooLong, NoteRequired, QuestionRequired, UnknownIdea
from bot.events import MessageRef
from bot.messages import Button, Form, FormField, OutboundMessage, shorten
from bot.outbox.announcements import queue_card_updates
from bot.pathway.cards import state_label
from bot.pathway.news import (
    announce_new_idea,
    idea_card,
    refresh_leaders_card,
    tell_submitters,
)
from bot.pathway.states import (
    ACCEPTED,
    CLOSED,
    DECLINED,
    IMPLEMENTED,
    IN_PROGRESS,
    MERGED,
    MOVES,
    NEEDS_MORE_INFO,
    NEEDS_NOTE,
    SHARED,
    SUBMITTED,
    UNDER_REVIEW,
    parse_move,
    slug,
)
from bot.privacy import redact, redaction_notices
from bot.privacy.audit import Actor, Audited, in_chat, record
from bot.safety import care_for
from storage.models import Idea, IdeaEvent, Person
from storage.notifications import NotificationRepository

__all__ = [
    "ACCEPTED",
    "CLOSED",
    "DECLINED",
    "IMPLEMENTED",
    "IN_PROGRESS",
    "MERGED",
    "MOVES",
    "NEEDS_MORE_INFO",
    "SHARED",
    "SUBMITTED",
    "UNDER_REVIEW",
    "Mover",
    "add_details",
    "announce_new_idea",
    "apply_move",
    "move",
    "note_cancelled",
    "note_form",
    "withdraw",
]

Replies = list[OutboundMessage]


@dataclass(frozen=True)
class Mover:
    """Who moves an idea: a leader in chat (`person`), or the operator at the CLI (no
    person; `name` is how the card's headline names them)."""

    name: str
    by: Actor
    person: Person | None = None


async def note_form(turn: Turn, value: str) -> Replies:
    """Declining needs a reason, asking needs a question: a form for either, with the
    idea's words above it and a Cancel that puts the card back.
    (The route has checked the person may move ideas.)"""
    idea_id, _from_state, to_state = parse_move(value)
    if to_state not in NEEDS_NOTE:
        raise BadAction(f"no note is asked for a move to {to_state!r}")
    idea = await _idea_here(turn, idea_id)
    key = slug(to_state)
    title = turn.say(f"pathway.form_title.{key}", number=idea_id)
    return [
        OutboundMessage(
            text=title,
            form=Form(
                title=title,
                intro=turn.say("pathway.form_intro", text=shorten(idea.text, 600)),
                fields=(
                    FormField(
                        name=actions.NOTE_FIELD,
                        label=turn.say(f"pathway.form_label.{key}"),
                        max_length=MAX_MESSAGE_LENGTH,
                        required_error=turn.say("form.required"),
                    ),
                ),
                submit=Button(turn.say("button.submit"), actions.IDEA_NOTE_SUBMIT, value),
                cancel_label=turn.say("button.cancel"),
                cancel=Button(turn.say("button.cancel"), actions.IDEA_NOTE_CANCEL, value),
            ),
        )
    ]


async def note_cancelled(turn: Turn, value: str, pressed: MessageRef | None) -> Replies:
    """The leader thought better of it: nothing moves, and the card comes back where the
    form stood (the local chat, a Teams card)."""
    idea_id, _from_state, _to_state = parse_move(value)
    idea = await _idea_here(turn, idea_id)
    if pressed is None:
        return [OutboundMessage(text=turn.say("pathway.nothing_moved", number=idea.id))]
    headline = turn.say("pathway.card_now", number=idea.id, state=state_label(turn.say, idea.state))
    return [replace(await idea_card(turn, idea, headline), replaces=pressed)]


async def move(
    turn: Turn, value: str, note: str = "", pressed: MessageRef | None = None
) -> Replies:
    """A leader moves an idea one step; `pressed` is the card they pressed, if any.
    (The route has checked the person may move ideas.)"""
    idea_id, from_state, to_state = parse_move(value)
    idea = await _idea_here(turn, idea_id)
    mover = Mover(turn.person.display_name, in_chat(turn.person.id), turn.person)
    # The leader who starts it leads it.
    owner = turn.person if to_state == IN_PROGRESS else None
    card = await apply_move(turn, idea, from_state, to_state, note, mover, owner, pressed)
    if card is None:
        return await _moved_on(turn, idea, pressed)
    replies: Replies = []
    if pressed is not None:
        replies.append(replace(card, replaces=pressed))
    else:  # from a form: the card is elsewhere, so say it worked
        done = turn.say("pathway.done", number=idea.id, state=state_label(turn.say, to_state))
        replies.append(OutboundMessage(text=done, private=True))
    return replies


async def apply_move(
    scope: Scope,
    idea: Idea,
    from_state: str,
    to_state: str,
    note: str,
    mover: Mover,
    owner: Person | None = None,
    pressed: MessageRef | None = None,
) -> OutboundMessage | None:
    """Move `idea` from `from_state` (if it is still there) to `to_state`: record it,
    update the leaders' cards (but `pressed`, answered by the caller) and tell everyone
    who sent it. The new card; None if someone else moved it first (nothing changed)."""
    if to_state not in MOVES.get(from_state, ()):
        raise BadAction(f"the pathway has no move {from_state!r} -> {to_state!r}")
    if len(note) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    clean_note = redact(note.strip()).text or None  # leaders type patient details too
    if to_state in NEEDS_NOTE and clean_note is None:
        raise QuestionRequired() if to_state == NEEDS_MORE_INFO else NoteRequired()
    changes: dict[str, object] = {}
    if to_state == IN_PROGRESS and owner is not None:
        changes["owner_id"] = owner.id
    if to_state == DECLINED:
        changes["decline_reason"] = clean_note
    if not await scope.ideas.move(idea, from_state, to_state, scope.now, **changes):
        return None
    await scope.ideas.record(
        IdeaEvent(
            idea_id=idea.id,
            from_state=from_state,
            to_state=to_state,
            actor_id=mover.person.id if mover.person is not None else None,
            note=clean_note,
            created_at=scope.now,
        )
    )
    await record(
        scope.session,
        Audited.IDEA_MOVED,
        by=mover.by,
        now=scope.now,
        organisation_id=scope.organisation_id,
        subject=f"idea:{idea.id}",
        detail={"from": from_state, "to": to_state},
    )
    headline = scope.say(
        "pathway.card_moved",
        number=idea.id,
        state=state_label(scope.say, to_state),
        actor=mover.name,
    )
    card = await idea_card(scope, idea, headline)
    await refresh_leaders_card(scope, idea, card, already_updated=pressed)
    await tell_submitters(scope, idea, note=clean_note)
    return card


async def withdraw(turn: Turn, idea: Idea) -> None:
    """The submitter took the idea back (Undo) before leaders touched it: remove it, and
    the leaders' cards say so (those not yet posted never go)."""
    withdrawn = OutboundMessage(text=turn.say("pathway.withdrawn", number=idea.id))
    await queue_card_updates(turn, idea, withdrawn)
    await NotificationRepository(turn.session).cancel_pending_card(idea.id)
    await turn.ideas.remove(idea)


async def add_details(turn: Turn, idea_id: int, details: str) -> Replies:
    """The submitter adds to their idea (leaders asked for more, say): the text grows,
    the card shows it, and an idea waiting for information goes back to review."""
    idea = await turn.ideas.get(idea_id)
    if idea is None or idea.submitter_id != turn.person.id:
        return [OutboundMessage(text=turn.say("idea.not_yours", number=idea_id))]
    if len(details) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    care = await care_for(turn, details)
    if care.distress:  # kept from the card the leaders read, like a new idea would be
        return [OutboundMessage(text=turn.say("idea.details_held", number=idea.id)), *care.messages]
    redaction = redact(details.strip())
    idea.text = f"{idea.text}\n\n{turn.say('idea.more_from_submitter')} {redaction.text}"
    await code_idea(turn.session, turn.ctx.content, idea, turn.now, new=False)  # its words grew
    idea.updated_at = turn.now
    await turn.session.flush()
    from_state = idea.state
    moved = from_state == NEEDS_MORE_INFO and await turn.ideas.move(
        idea, from_state, UNDER_REVIEW, turn.now
    )
    await turn.ideas.record(
        IdeaEvent(
            idea_id=idea.id,
            from_state=from_state,
            to_state=idea.state,
            # An anonymous submitter stays out of the idea's history, too.
            actor_id=None if idea.anonymous else turn.person.id,
            note=turn.say("idea.more_from_submitter"),
            created_at=turn.now,
        )
    )
    headline = turn.say("pathway.card_now", number=idea.id, state=state_label(turn.say, idea.state))
    await refresh_leaders_card(turn, idea, await idea_card(turn, idea, headline))
    if moved:
        await tell_submitters(turn, idea, note=None)
    return [
        OutboundMessage(
            text=turn.say("idea.more_added", number=idea.id),
            notices=redaction_notices(turn.say, redaction.removed),
        )
    ]


async def _idea_here(scope: Scope, idea_id: int) -> Idea:
    """The idea, if it is this organisation's and not held back by the safety net;
    UnknownIdea otherwise (never a hint that such an idea of that number exists)."""
    idea = await scope.ideas.visible(idea_id, scope.organisation_id)
    if idea is None:
        raise UnknownIdea(number=idea_id)
    return idea


async def _moved_on(turn: Turn, idea: Idea, pressed: MessageRef | None) -> Replies:
    """Someone else moved it first: say where it stands and show the current card."""
    await turn.session.refresh(idea)
    label = state_label(turn.say, idea.state)
    moved_on = turn.say("pathway.moved_on", number=idea.id, state=label)
    replies = [OutboundMessage(text=moved_on, private=True)]
    if pressed is not None:
        headline = turn.say("pathway.card_now", number=idea.id, state=label)
        replies.insert(0, replace(await idea_card(turn, idea, headline), replaces=pressed))
    return replies
