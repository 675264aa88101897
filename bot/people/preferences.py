"""A person's say over how often they hear from the bot: snooze, pause, resume."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.context import Turn
from bot.messages import OutboundMessage
from bot.outbox.send_check import wishes_of
from bot.people.durations import parse_duration

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


_SPAN = re.compile(
    r"^([01]?\d|2[0-3])[:.h]([0-5]\d)\s*(?:-|to|\u2013)\s*([01]?\d|2[0-3])[:.h]([0-5]\d)$"
)
NO_QUIET_HOURS = "00:00"  # start == end: an empty span, i.e. none


async def quiet(turn: Turn, argument: str) -> list[OutboundMessage]:
    """`quiet hours 21:00-06:30|off|default`, `quiet weekends on|off|default`, or just
    `quiet hours` to see them: when this person never gets a question."""
    what, _, value = argument.partition(" ")
    value = value.strip().lower()
    person = turn.person
    if what == "hours" and value:
        span = _SPAN.match(value)
        if value == "off":
            person.quiet_hours_start = person.quiet_hours_end = NO_QUIET_HOURS
        elif value == "default":
            person.quiet_hours_start = person.quiet_hours_end = None
        elif span and (span[1], span[2]) != (span[3], span[4]):
            person.quiet_hours_start = f"{int(span[1]):02d}:{span[2]}"
            person.quiet_hours_end = f"{int(span[3]):02d}:{span[4]}"
        else:
            return [OutboundMessage(text=turn.say("quiet.usage"))]
    elif what == "weekends" and value:
        choices = {"on": True, "yes": True, "off": False, "no": False, "default": None}
        if value not in choices:
            return [OutboundMessage(text=turn.say("quiet.usage"))]
        person.quiet_weekends = choices[value]
    return [OutboundMessage(text=_quiet_now(turn))]


def _quiet_now(turn: Turn) -> str:
    wishes = wishes_of(turn.ctx, turn.person)
    if (
        wishes.quiet_start is None
        or wishes.quiet_end is None
        or (wishes.quiet_start == wishes.quiet_end)
    ):
        hours = turn.say("quiet.hours_none")
    else:
        hours = turn.say(
            "quiet.hours_span",
            start=wishes.quiet_start.strftime("%H:%M"),
            end=wishes.quiet_end.strftime("%H:%M"),
        )
    weekends = turn.say("quiet.weekends_on" if wishes.quiet_weekends else "quiet.weekends_off")
    return turn.say("quiet.now", hours=hours, weekends=weekends)
