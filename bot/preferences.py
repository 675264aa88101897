"""A person's say over how often they hear from the bot: snooze, pause, resume."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.commands import parse_duration
from bot.context import Turn
from bot.messages import OutboundMessage

NOT_NOW = timedelta(days=1)


async def snooze(turn: Turn, duration_text: str) -> list[OutboundMessage]:
    if not duration_text.strip():
        return [OutboundMessage(text=turn.say("snooze.usage"))]
    try:
        duration = parse_duration(duration_text)
    except ValueError:
        return [OutboundMessage(text=turn.say("snooze.usage"))]
    return [_snooze_for(turn, duration)]


async def not_now(turn: Turn) -> list[OutboundMessage]:
    return [_snooze_for(turn, NOT_NOW)]


def _snooze_for(turn: Turn, duration: timedelta) -> OutboundMessage:
    until = turn.now + duration
    turn.person.snoozed_until = until
    local = until.astimezone(ZoneInfo(turn.person.timezone or turn.ctx.default_timezone))
    return OutboundMessage(text=turn.say("snooze.done", until=local.strftime("%a %d %b, %H:%M")))


async def pause(turn: Turn) -> list[OutboundMessage]:
    turn.person.paused = True
    return [OutboundMessage(text=turn.say("pause.done"))]


async def resume(turn: Turn) -> list[OutboundMessage]:
    turn.person.paused = False
    turn.person.snoozed_until = None
    # Questions held back during the pause come now, if their pulse is still open.
    await turn.deliveries.requeue_withheld(turn.person.id, turn.now)
    return [OutboundMessage(text=turn.say("resume.done"))]
