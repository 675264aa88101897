"""What each reader of an idea is told, and where: the leaders' card (posted, then
updated in place wherever it was posted) and the news for the people who sent the idea
(its submitter, and those whose same idea was merged into it), anonymous ones too.

Everything here works on a `Scope`: a chat turn, the CLI or a scheduled job notify alike.
"""

from __future__ import annotations

from dataclasses import replace

from bot.context import Scope
from bot.events import MessageRef
from bot.messages import OutboundMessage, one_line
from bot.outbox.announcements import queue_card_updates, queue_for_leaders, queue_for_person
from bot.pathway.cards import state_label, word_card
from bot.pathway.states import DECLINED, NEEDS_MORE_INFO, card_buttons, slug
from storage.models import Idea, Person


async def idea_card(scope: Scope, idea: Idea, headline: str) -> OutboundMessage:
    """The leaders' card: the idea, where it stands, and the moves from there.
    An anonymous idea's card names nobody."""
    submitted_by = None
    if not idea.anonymous and idea.submitter_id is not None:
        submitter = await scope.session.get(Person, idea.submitter_id)
        submitted_by = submitter.display_name if submitter is not None else None
    owner = await scope.session.get(Person, idea.owner_id) if idea.owner_id else None
    note = idea.decline_reason if idea.state == DECLINED else None
    if idea.state == NEEDS_MORE_INFO:
        note = await scope.ideas.last_note(idea.id)
    card = word_card(
        scope.say,
        idea_id=idea.id,
        text=idea.text,
        state=idea.state,
        votes=await scope.ideas.vote_count(idea.id),
        submitted_by=submitted_by,
        owner=owner.display_name if owner is not None else None,
        note=note,
    )
    if idea.similar_to_id is not None and idea.merged_into_id is None:
        similar = await scope.ideas.get(idea.similar_to_id)
        if similar is not None and similar.organisation_id == idea.organisation_id:
            hint = scope.say("idea.card.looks_like", number=similar.id)
            card = replace(card, facts=(*card.facts, hint))
    return OutboundMessage(text=headline, idea=card, buttons=card_buttons(scope.say, idea))


async def announce_new_idea(scope: Scope, idea: Idea) -> None:
    """The card for the organisation's leaders, with the first moves on it."""
    headline = scope.say("idea.new_for_leaders", number=idea.id)
    await queue_for_leaders(scope, await idea_card(scope, idea, headline))


async def refresh_leaders_card(
    scope: Scope, idea: Idea, card: OutboundMessage, already_updated: MessageRef | None = None
) -> None:
    """Update the cards where the leaders read them (through the outbox), except the very
    message just updated as a reply."""
    await queue_card_updates(scope, idea, card, except_at=already_updated)


async def refresh_card_now(scope: Scope, idea: Idea) -> None:
    """The leaders' cards redrawn as the idea stands (a vote, a merge changed a fact)."""
    headline = scope.say(
        "pathway.card_now", number=idea.id, state=state_label(scope.say, idea.state)
    )
    await refresh_leaders_card(scope, idea, await idea_card(scope, idea, headline))


async def senders_of(scope: Scope, idea: Idea) -> list[tuple[Person, bool]]:
    """Everyone who sent this idea and can still hear of it: (person, sent anonymously)."""
    found: list[tuple[Person, bool]] = []
    if idea.submitter_id is not None:  # None: the submitter asked to be forgotten
        submitter = await scope.session.get(Person, idea.submitter_id)
        if submitter is not None:
            found.append((submitter, idea.anonymous))
    for supporter in await scope.ideas.supporters(idea.id):
        person = await scope.session.get(Person, supporter.person_id)
        if person is not None and all(person.id != p.id for p, _ in found):
            found.append((person, supporter.anonymous))
    return found


async def tell_submitters(scope: Scope, idea: Idea, note: str | None) -> None:
    """The news of a move for everyone who sent the idea, each on their own message:
    never a leaders' card, never anyone else's name."""
    owner = await scope.session.get(Person, idea.owner_id) if idea.owner_id else None
    text = scope.say(
        f"pathway.tell.{slug(idea.state)}",
        number=idea.id,
        summary=one_line(idea.text, 60),
        note=note or "",
        owner=owner.display_name if owner is not None else "",
    )
    votes = await scope.ideas.vote_count(idea.id)
    for person, anonymous in await senders_of(scope, idea):
        await tell_one(scope, person, idea, text, votes=votes, anonymous=anonymous, owner=owner)


async def tell_one(
    scope: Scope,
    person: Person,
    idea: Idea,
    text: str,
    *,
    votes: int,
    anonymous: bool,
    owner: Person | None = None,
) -> None:
    # The news, and under it the idea as it now stands: a card for this reader alone,
    # with no moves on it (the news already says any note from the leaders). It is their
    # own idea: "From you", and whether leaders see their name.
    status = word_card(
        scope.say,
        idea_id=idea.id,
        text=idea.text,
        state=idea.state,
        votes=votes,
        submitted_by=None,
        owner=owner.display_name if owner is not None else None,
        to_submitter=True,
        anonymous=anonymous,
    )
    await queue_for_person(scope, person, OutboundMessage(text=text, idea=status))
