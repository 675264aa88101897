"""The innovation pathway: the states of an idea, the moves leaders may make, and the
news each move sends.

    submitted -> under review -> accepted | needs more info | declined (with a reason)
              -> in progress (owner assigned) -> implemented -> shared

Every move is a conditional update (two leaders pressing at once: one wins, the other
is told), updates the leaders' card in place and tells the submitter, anonymous ones
too, through the bot, without showing leaders who they are.
"""

from __future__ import annotations

from dataclasses import replace

from bot import actions
from bot.analysis import code_idea
from bot.context import MAX_MESSAGE_LENGTH, BotContext, Turn
from bot.errors import BadAction, MessageTooLong, NoteRequired, UnknownIdea
from bot.events import MessageRef
from bot.messages import Button, ButtonStyle, Form, FormField, OutboundMessage, shorten
from bot.outbox.announcements import queue_card_updates, queue_for_leaders, queue_for_person
from bot.pathway.cards import state_label, word_card
from bot.privacy import redact, redaction_notices
from bot.privacy.audit import Audited, in_chat, record
from storage.models import Idea, IdeaEvent, Person
from storage.notifications import NotificationRepository

SUBMITTED = "submitted"
UNDER_REVIEW = "under review"
ACCEPTED = "accepted"
NEEDS_MORE_INFO = "needs more info"
DECLINED = "declined"
IN_PROGRESS = "in progress"
IMPLEMENTED = "implemented"
SHARED = "shared"

# Where each state may go next; a declined idea can be looked at again.
MOVES: dict[str, tuple[str, ...]] = {
    SUBMITTED: (UNDER_REVIEW, ACCEPTED, NEEDS_MORE_INFO, DECLINED),
    UNDER_REVIEW: (ACCEPTED, NEEDS_MORE_INFO, DECLINED),
    NEEDS_MORE_INFO: (UNDER_REVIEW, ACCEPTED, DECLINED),
    ACCEPTED: (IN_PROGRESS, DECLINED),
    IN_PROGRESS: (IMPLEMENTED,),
    IMPLEMENTED: (SHARED,),
    DECLINED: (UNDER_REVIEW,),
    SHARED: (),
}
# No further work happens on these: retention may empty their text (bot.privacy.retention).
CLOSED = frozenset({DECLINED, IMPLEMENTED, SHARED})
# The submitter reads why (declined) or what leaders want to know (needs more info).
NEEDS_NOTE = frozenset({DECLINED, NEEDS_MORE_INFO})
_STYLE = {
    ACCEPTED: ButtonStyle.PRIMARY,
    IMPLEMENTED: ButtonStyle.PRIMARY,
    DECLINED: ButtonStyle.DANGER,
}

Replies = list[OutboundMessage]


def slug(state: str) -> str:
    """The state as it appears in action values and copy keys."""
    return state.replace(" ", "_")


def _state(slug_: str) -> str:
    state = slug_.replace("_", " ")
    if state not in MOVES:
        raise BadAction(f"unknown idea state {slug_!r}")
    return state


def parse_move(value: str) -> tuple[int, str, str]:
    """'idea:from:to' -> (idea id, from state, to state), if the pathway allows that move."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit():
        raise BadAction(f"malformed pathway value {value[:50]!r}")
    from_state, to_state = _state(parts[1]), _state(parts[2])
    if to_state not in MOVES[from_state]:
        raise BadAction(f"the pathway has no move {from_state!r} -> {to_state!r}")
    return int(parts[0]), from_state, to_state


def card_buttons(ctx: BotContext, idea: Idea) -> tuple[Button, ...]:
    """The moves the pathway allows from the idea's state, as buttons on its card."""
    buttons = []
    for to_state in MOVES.get(idea.state, ()):
        action_id = actions.IDEA_NOTE_OPEN if to_state in NEEDS_NOTE else actions.IDEA_MOVE
        buttons.append(
            Button(
                label=ctx.say(f"pathway.button.{slug(to_state)}"),
                action_id=action_id,
                value=f"{idea.id}:{slug(idea.state)}:{slug(to_state)}",
                style=_STYLE.get(to_state, ButtonStyle.DEFAULT),
            )
        )
    return tuple(buttons)


async def idea_card(turn: Turn, idea: Idea, headline: str) -> OutboundMessage:
    """The leaders' card: the idea, where it stands, and the moves from there.
    An anonymous idea's card names nobody."""
    submitted_by = None
    if not idea.anonymous and idea.submitter_id is not None:
        submitter = await turn.session.get(Person, idea.submitter_id)
        submitted_by = submitter.display_name if submitter is not None else None
    owner = await turn.session.get(Person, idea.owner_id) if idea.owner_id else None
    note = idea.decline_reason if idea.state == DECLINED else None
    if idea.state == NEEDS_MORE_INFO:
        note = await turn.ideas.last_note(idea.id)
    return OutboundMessage(
        text=headline,
        idea=word_card(
            turn.say,
            idea_id=idea.id,
            text=idea.text,
            state=idea.state,
            votes=await turn.ideas.vote_count(idea.id),
            submitted_by=submitted_by,
            owner=owner.display_name if owner is not None else None,
            note=note,
        ),
        buttons=card_buttons(turn.ctx, idea),
    )


async def announce_new_idea(turn: Turn, idea: Idea) -> None:
    """The card for the organisation's leaders, with the first moves on it."""
    headline = turn.say("idea.new_for_leaders", number=idea.id)
    await queue_for_leaders(turn, await idea_card(turn, idea, headline))


async def note_form(turn: Turn, value: str) -> Replies:
    """Declining needs a reason, asking needs a question: a form for either, with the
    idea's words above it and a Cancel that puts the card back.
    (The route has checked the person may move ideas.)"""
    idea_id, _from_state, to_state = parse_move(value)
    if to_state not in NEEDS_NOTE:
        raise BadAction(f"no note is asked for a move to {to_state!r}")
    idea = await turn.ideas.get(idea_id)
    if idea is None or idea.organisation_id != turn.organisation_id:
        raise UnknownIdea(number=idea_id)
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
    idea = await turn.ideas.get(idea_id)
    if idea is None or idea.organisation_id != turn.organisation_id:
        raise UnknownIdea(number=idea_id)
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
    if len(note) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    clean_note = redact(note.strip()).text or None  # leaders type patient details too
    if to_state in NEEDS_NOTE and clean_note is None:
        raise NoteRequired()
    idea = await turn.ideas.get(idea_id)
    if idea is None or idea.organisation_id != turn.organisation_id:
        raise UnknownIdea(number=idea_id)
    changes: dict[str, object] = {}
    if to_state == IN_PROGRESS:
        changes["owner_id"] = turn.person.id  # the leader who starts it leads it
    if to_state == DECLINED:
        changes["decline_reason"] = clean_note
    if not await turn.ideas.move(idea, from_state, to_state, turn.now, **changes):
        return await _moved_on(turn, idea, pressed)
    await turn.ideas.record(
        IdeaEvent(
            idea_id=idea.id,
            from_state=from_state,
            to_state=to_state,
            actor_id=turn.person.id,
            note=clean_note,
            created_at=turn.now,
        )
    )
    await record(
        turn.session,
        Audited.IDEA_MOVED,
        by=in_chat(turn.person.id),
        now=turn.now,
        organisation_id=turn.organisation_id,
        subject=f"idea:{idea.id}",
        detail={"from": from_state, "to": to_state},
    )
    headline = turn.say(
        "pathway.card_moved",
        number=idea.id,
        state=state_label(turn.say, to_state),
        actor=turn.person.display_name,
    )
    card = await idea_card(turn, idea, headline)
    replies: Replies = []
    if pressed is not None:
        replies.append(replace(card, replaces=pressed))
    await refresh_leaders_card(turn, idea, card, already_updated=pressed)
    await tell_submitter(turn, idea, note=clean_note)
    if pressed is None:  # from a form: the card is elsewhere, so say it worked
        done = turn.say("pathway.done", number=idea.id, state=state_label(turn.say, to_state))
        replies.append(OutboundMessage(text=done, private=True))
    return replies


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
        await tell_submitter(turn, idea, note=None)
    return [
        OutboundMessage(
            text=turn.say("idea.more_added", number=idea.id),
            notices=redaction_notices(turn.say, redaction.removed),
        )
    ]


async def refresh_leaders_card(
    turn: Turn, idea: Idea, card: OutboundMessage, already_updated: MessageRef | None = None
) -> None:
    """Update the cards where the leaders read them (through the outbox), except the very
    message just updated as a reply."""
    await queue_card_updates(turn, idea, card, except_at=already_updated)


async def tell_submitter(turn: Turn, idea: Idea, note: str | None) -> None:
    if idea.submitter_id is None:
        return  # the submitter asked to be forgotten
    submitter = await turn.session.get(Person, idea.submitter_id)
    if submitter is None:
        return
    owner = await turn.session.get(Person, idea.owner_id) if idea.owner_id else None
    text = turn.say(
        f"pathway.tell.{slug(idea.state)}",
        number=idea.id,
        summary=shorten(idea.text, 60),
        note=note or "",
        owner=owner.display_name if owner is not None else "",
    )
    # The news, and under it the idea as it now stands: a card for the submitter alone,
    # with no moves on it (the news already says any note from the leaders). It is their
    # own idea: "From you", and whether leaders see their name.
    status = word_card(
        turn.say,
        idea_id=idea.id,
        text=idea.text,
        state=idea.state,
        votes=await turn.ideas.vote_count(idea.id),
        submitted_by=None,
        owner=owner.display_name if owner is not None else None,
        to_submitter=True,
        anonymous=idea.anonymous,
    )
    news = OutboundMessage(text=text, idea=status)
    await queue_for_person(turn, submitter, news)


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
