"""Votes: a clinician adds their vote to an idea of their organisation. One per person
per idea (a second is idempotent and says so); voters are kept as a pseudonym, never a
person, so no one can list them; an anonymous idea is votable without revealing its
author. The leaders' cards show the count."""

from __future__ import annotations

from bot.context import BotContext, Scope, Turn
from bot.errors import UnknownIdea
from bot.messages import OutboundMessage
from bot.pathway.news import refresh_card_now
from bot.pathway.states import DECLINED, MERGED
from bot.privacy import pseudonym
from storage.models import Idea, IdeaVote

Replies = list[OutboundMessage]


def voter_key(ctx: BotContext, person_id: int) -> str:
    """The same key on every idea, so a merge counts a person who voted for both once."""
    return pseudonym(ctx.secret_key, "vote", person_id)


async def vote(turn: Turn, idea_id: int) -> Replies:
    idea = await turn.ideas.get(idea_id)
    if idea is None or idea.organisation_id != turn.organisation_id:
        raise UnknownIdea(number=idea_id)
    if idea.state == MERGED and idea.merged_into_id is not None:
        merged_into = await turn.ideas.get(idea.merged_into_id)
        if merged_into is not None:
            idea = merged_into  # the vote goes where the idea now lives
    if idea.state == DECLINED:
        return [OutboundMessage(text=turn.say("vote.declined", number=idea.id))]
    if idea.submitter_id == turn.person.id:
        return [OutboundMessage(text=turn.say("vote.own", number=idea.id))]
    added = await add_vote(turn, idea, voter_key(turn.ctx, turn.person.id))
    count = await turn.ideas.vote_count(idea.id)
    key = "vote.counted" if added else "vote.already"
    return [OutboundMessage(text=turn.say(key, number=idea.id, votes=_votes(turn, count)))]


async def add_vote(scope: Scope, idea: Idea, key: str) -> bool:
    """Count `key`'s vote on `idea` (False: already counted) and redraw the leaders' cards."""
    added = await scope.ideas.add_vote(
        IdeaVote(
            organisation_id=idea.organisation_id,
            idea_id=idea.id,
            voter_key=key,
            created_at=scope.now,
        )
    )
    if added:
        await refresh_card_now(scope, idea)
    return added


def _votes(scope: Scope, count: int) -> str:
    return (
        scope.say("idea.card.one_vote") if count == 1 else scope.say("idea.card.votes", count=count)
    )
