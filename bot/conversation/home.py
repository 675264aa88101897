"""The home view (Slack's App Home, a Teams tab): what is open for you, how your ideas
are doing, what is under way; those who may see the triage queue (leaders) and
participation (the wellness lead) see those too. All of it within the person's
organisation."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Turn
from bot.messages import OutboundMessage, shorten
from bot.pathway import ideas
from bot.pathway.cards import state_label
from bot.people.permissions import Permission
from bot.pulses import answers

Replies = list[OutboundMessage]

UNDER_WAY = ("accepted", "in progress", "implemented")
TRIAGE = ("submitted", "under review", "needs more info")
SHOWN = 10


async def home(turn: Turn) -> Replies:
    replies: Replies = [
        OutboundMessage(text=turn.say("home.header", name=turn.person.display_name))
    ]
    open_delivery = await answers.find_open_delivery(turn)
    if open_delivery is not None:
        prompt = answers.current_prompt(turn, open_delivery)
        replies.append(OutboundMessage(text=turn.say("home.open_prompt", question=prompt.text)))
    else:
        replies.append(OutboundMessage(text=turn.say("home.nothing_open")))
    replies += await ideas.my_ideas(turn)
    replies.append(await _under_way(turn))
    if turn.may(Permission.SEE_TRIAGE_QUEUE):
        replies.append(await _triage_queue(turn))
    if turn.may(Permission.SEE_PARTICIPATION):
        replies.append(await _participation(turn))
    return replies


async def _under_way(turn: Turn) -> OutboundMessage:
    return await _ideas_in(turn, UNDER_WAY, "home.under_way_header", "home.under_way_none")


async def _triage_queue(turn: Turn) -> OutboundMessage:
    """Ideas waiting for leaders. Never a name on an anonymous idea."""
    return await _ideas_in(turn, TRIAGE, "home.triage_header", "home.triage_none")


async def _ideas_in(
    turn: Turn, states: tuple[str, ...], header_key: str, none_key: str
) -> OutboundMessage:
    """A header and one line per idea in these states (text only: no submitter)."""
    found = await turn.ideas.in_states(turn.organisation_id, states, limit=SHOWN)
    if not found:
        return OutboundMessage(text=turn.say(none_key))
    lines = [turn.say(header_key, count=len(found))] + [
        turn.say(
            "home.idea_line",
            number=idea.id,
            state=state_label(turn.say, idea.state),
            text=shorten(idea.text, 90),
        )
        for idea in found
    ]
    return OutboundMessage(text="\n".join(lines))


async def _participation(turn: Turn) -> OutboundMessage:
    """Open pulses and last week's response rate, with the minimum group size applied."""
    since = turn.now - timedelta(days=7)
    organisation = turn.organisation_id  # never another organisation's figures
    open_count = await turn.deliveries.open_occurrence_count(turn.now, organisation)
    sent, answered = await turn.deliveries.participation_since(since, organisation)
    if sent < turn.ctx.min_group_size:
        rate = turn.say("home.rate_too_few", minimum=turn.ctx.min_group_size)
    else:
        rate = turn.say("home.rate", percent=round(100 * answered / sent), sent=sent)
    return OutboundMessage(text=turn.say("home.pulses", open=open_count, rate=rate))
