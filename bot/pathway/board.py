"""The board: `ideas` in chat (and a section of the home view). Ideas under way and
implemented, each with its votes, owner, state and age; those who may triage (leaders)
see the queue waiting for them first, oldest first. Never a submitter's name: the board
is about ideas, not who sent them."""

from __future__ import annotations

from collections.abc import Sequence

from bot import actions
from bot.context import Scope, Turn
from bot.messages import Button, OutboundMessage, one_line
from bot.pathway.cards import state_label
from bot.pathway.states import IMPLEMENTED, SHARED, TRIAGE, UNDER_WAY
from bot.people.permissions import Permission
from storage.models import Idea, Person

Replies = list[OutboundMessage]

SHOWN = 10
VOTE_BUTTONS = 5  # a board is not a ballot paper: a few buttons, `vote N` for the rest


async def board(turn: Turn) -> Replies:
    sections = await board_sections(turn, triage=turn.may(Permission.SEE_TRIAGE_QUEUE))
    under_way = await turn.ideas.in_organisation(
        turn.organisation_id, states=UNDER_WAY[:2], limit=VOTE_BUTTONS
    )
    buttons = tuple(
        Button(turn.say("board.vote_button", number=idea.id), actions.IDEA_VOTE, str(idea.id))
        for idea in under_way
        if idea.submitter_id != turn.person.id
    )
    text = "\n\n".join([*sections, turn.say("board.footer")])
    return [OutboundMessage(text=text, buttons=buttons)]


async def board_sections(scope: Scope, *, triage: bool) -> list[str]:
    """The board's sections as text: the triage queue first (if `triage`), then what is
    under way, then what was implemented."""
    sections: list[str] = []
    if triage:
        waiting = await scope.ideas.in_organisation(scope.organisation_id, states=TRIAGE)
        oldest_first = sorted(waiting, key=lambda idea: (idea.created_at, idea.id))[:SHOWN]
        sections.append(
            await _section(scope, oldest_first, "board.triage_header", "board.triage_none")
        )
    under_way = await scope.ideas.in_organisation(
        scope.organisation_id, states=UNDER_WAY[:2], limit=SHOWN
    )
    # "Yours could be the first" is for those who send ideas, not for leaders with a queue.
    none_key = "board.under_way_none_leader" if triage else "board.under_way_none"
    sections.append(await _section(scope, under_way, "board.under_way_header", none_key))
    done = await scope.ideas.in_organisation(
        scope.organisation_id, states=(IMPLEMENTED, SHARED), limit=SHOWN
    )
    sections.append(await _section(scope, done, "board.done_header", "board.done_none"))
    return sections


async def _section(scope: Scope, ideas: Sequence[Idea], header_key: str, none_key: str) -> str:
    if not ideas:
        return scope.say(none_key)
    votes = await scope.ideas.vote_counts([idea.id for idea in ideas])
    lines = [scope.say(header_key, count=len(ideas))]
    for idea in ideas:
        lines.append(await board_line(scope, idea, votes.get(idea.id, 0)))
    return "\n".join(lines)


async def board_line(scope: Scope, idea: Idea, votes: int) -> str:
    """One idea: number, state, votes, owner if any, age, and its words (shortened)."""
    owner = await scope.session.get(Person, idea.owner_id) if idea.owner_id else None
    count = (
        scope.say("idea.card.one_vote") if votes == 1 else scope.say("idea.card.votes", count=votes)
    )
    return scope.say(
        "board.line_led" if owner is not None else "board.line",
        number=idea.id,
        state=state_label(scope.say, idea.state),
        votes=count,
        owner=owner.display_name if owner is not None else "",
        age=age(scope, idea),
        text=one_line(idea.text, 90),
    )


def age(scope: Scope, idea: Idea) -> str:
    days = max((scope.now - idea.created_at).days, 0)
    if days == 0:
        return scope.say("board.age_today")
    return scope.say("board.age_one_day") if days == 1 else scope.say("board.age_days", days=days)
