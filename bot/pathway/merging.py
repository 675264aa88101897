"""Merging two ideas that say the same: leaders fold one (the duplicate) into another.

The duplicate moves to "merged" and keeps its own history; the other idea's history
records the merge. Votes are carried over (a person who voted for both counts once),
and so are the people who sent the duplicate: from then on they hear every move of the
idea it was merged into. Every one of them is told, anonymous ones too, each without
learning who else sent it. Merging an idea into itself, into one of another
organisation, or into an idea already merged is refused.
"""

from __future__ import annotations

from bot.context import Scope, Turn
from bot.errors import ThriveError, UnknownIdea
from bot.messages import OutboundMessage, one_line
from bot.outbox.announcements import queue_card_updates
from bot.pathway.news import refresh_card_now, senders_of, tell_one
from bot.pathway.states import MERGED
from bot.privacy.audit import Actor, Audited, in_chat, record
from storage.models import Idea, IdeaEvent, IdeaSupporter, IdeaVote


class MergeRefused(ThriveError):
    """Why a merge cannot be done: `copy_key` names the sentence."""

    def __init__(self, copy_key: str, **values: object) -> None:
        super().__init__(copy_key, **values)
        self.copy_key = copy_key


async def merge(scope: Scope, duplicate_id: int, into_id: int, by: Actor) -> Idea:
    """Merge idea `duplicate_id` into `into_id`; the idea merged into. MergeRefused with
    the reason otherwise; nothing changed then."""
    if duplicate_id == into_id:
        raise MergeRefused("merge.into_itself", number=duplicate_id)
    duplicate = await _idea_here(scope, duplicate_id)
    into = await _idea_here(scope, into_id)
    for idea in (duplicate, into):
        if idea.state == MERGED:
            raise MergeRefused("merge.already_merged", number=idea.id, into=idea.merged_into_id)
    from_state = duplicate.state
    if not await scope.ideas.move(duplicate, from_state, MERGED, scope.now, merged_into_id=into.id):
        raise MergeRefused("merge.moved_on", number=duplicate.id)
    for key in await scope.ideas.voter_keys(duplicate.id):
        await scope.ideas.add_vote(
            IdeaVote(
                organisation_id=into.organisation_id,
                idea_id=into.id,
                voter_key=key,
                created_at=scope.now,
            )
        )
    told_before = await senders_of(scope, into)
    carried = await senders_of(scope, duplicate)
    already = {person.id for person, _ in told_before}
    for person, anonymous in carried:
        if person.id not in already:
            await scope.ideas.add_supporter(
                IdeaSupporter(
                    idea_id=into.id, person_id=person.id, anonymous=anonymous, created_at=scope.now
                )
            )
    note = scope.say("merge.history_into", number=into.id)
    await scope.ideas.record(
        IdeaEvent(
            idea_id=duplicate.id,
            from_state=from_state,
            to_state=MERGED,
            actor_id=by.person_id,
            note=note,
            created_at=scope.now,
        )
    )
    await scope.ideas.record(
        IdeaEvent(
            idea_id=into.id,
            from_state=into.state,
            to_state=into.state,
            actor_id=by.person_id,
            note=scope.say("merge.history_from", number=duplicate.id),
            created_at=scope.now,
        )
    )
    await record(
        scope.session,
        Audited.IDEA_MERGED,
        by=by,
        now=scope.now,
        organisation_id=scope.organisation_id,
        subject=f"idea:{duplicate.id}",
        detail={"into": into.id},
    )
    # The duplicate's cards say where it went; the other's show the new count.
    gone = OutboundMessage(text=scope.say("merge.card", number=duplicate.id, into=into.id))
    await queue_card_updates(scope, duplicate, gone)
    await refresh_card_now(scope, into)
    votes = await scope.ideas.vote_count(into.id)
    summary = one_line(into.text, 60)
    for person, anonymous in carried:
        text = scope.say("merge.tell_merged", number=duplicate.id, into=into.id, summary=summary)
        await tell_one(scope, person, into, text, votes=votes, anonymous=anonymous)
    for person, anonymous in told_before:
        text = scope.say("merge.tell_joined", number=into.id, summary=summary)
        await tell_one(scope, person, into, text, votes=votes, anonymous=anonymous)
    return into


async def merge_in_chat(turn: Turn, duplicate_id: int, into_id: int) -> list[OutboundMessage]:
    """`merge 13 into 12`, by a leader (the route has checked they may move ideas)."""
    into = await merge(turn, duplicate_id, into_id, in_chat(turn.person.id))
    votes = await turn.ideas.vote_count(into.id)
    text = turn.say("merge.done", number=duplicate_id, into=into.id, votes=votes)
    return [OutboundMessage(text=text)]


async def _idea_here(scope: Scope, idea_id: int) -> Idea:
    idea = await scope.ideas.visible(idea_id, scope.organisation_id)
    if idea is None:
        raise UnknownIdea(number=idea_id)  # another organisation's, or held back: as if unknown
    return idea
