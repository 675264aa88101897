"""The home view (Slack's App Home, a Teams tab): what is open for you, how your ideas
are doing, what is under way; those who may see the triage queue (leaders) and
participation (the wellness lead) see those too. All of it within the person's
organisation."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Turn
from bot.messages import OutboundMessage
from bot.pathway import ideas
from bot.pathway.board import board_sections
from bot.people.permissions import Permission
from bot.pulses import answers
from bot.safety import escalation_line

Replies = list[OutboundMessage]


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
    # The board: those who may triage see the queue first, then what is under way.
    triage = turn.may(Permission.SEE_TRIAGE_QUEUE)
    for section in await board_sections(turn, triage=triage):
        replies.append(OutboundMessage(text=section))
    if turn.may(Permission.SEE_PARTICIPATION):
        replies.append(await _participation(turn))
    escalation = await escalation_line(turn)
    if escalation is not None:  # Slack has no welcome: its App Home says it
        replies.append(OutboundMessage(text=escalation))
    return replies


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
