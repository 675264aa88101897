"""Fires missed while the scheduler was down: coalesced into at most one send, within a
grace period, and still inside the send window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.outbox.send_rules import Decision, Defer, SendNow, Skip
from bot.pulses.schedule import Schedule, next_fire

DEFAULT_GRACE = timedelta(hours=24)


def on_misfire(
    schedule: Schedule,
    zone: ZoneInfo,
    missed: Sequence[datetime],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Decision:
    """What to do, after downtime, about fires missed before `now`: all of them are
    coalesced into at most one send, inside the window and no later than `grace` after
    the latest missed fire; skipped if the next regular fire comes first."""
    if not missed:
        raise ValueError("on_misfire needs at least one missed fire time")
    if now.tzinfo is None:
        raise ValueError("on_misfire needs an aware datetime")
    now = now.astimezone(UTC)
    latest = max(missed).astimezone(UTC)
    late = now - latest
    if late > grace:
        return Skip(f"too late: missed by {_hours(late)}, the grace period is {_hours(grace)}")
    moment = schedule.window.next_open(now, zone)
    upcoming = next_fire(schedule, zone, now)
    if upcoming <= moment:
        return Skip(f"coalesced into the next regular fire at {upcoming:%Y-%m-%d %H:%M} UTC")
    if moment - latest > grace:
        return Skip(
            f"too late: the send window opens {_hours(moment - latest)} after the missed "
            f"fire, the grace period is {_hours(grace)}"
        )
    if moment == now:
        return SendNow(now)
    return Defer(moment, ("outside the send window",))


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"
