"""At send time, what happens to one claimed prompt: it goes now, waits (quiet hours,
weekends, snooze, the pulse's window, the fatigue cap), is withheld (paused), closes,
fails (nobody to send to), or is skipped because no allowed moment comes before the
pulse closes. Every outcome but "send" carries the reason, which is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol

from bot.context import BotContext
from bot.local_time import ALL_DAYS, DAY_NAMES, SendWindow, resolve_zone
from bot.outbox.send_rules import Defer, PersonWishes, Skip, decide
from storage.models import Pulse

SEND = "send"
DEFER = "defer"
WITHHOLD = "withhold"
CLOSE = "close"
FAIL = "fail"
SKIP = "skip"


class PersonWishesColumns(Protocol):
    """A person's stored wishes: a loaded Person or the dispatcher's lighter row."""

    @property
    def quiet_hours_start(self) -> str | None: ...
    @property
    def quiet_hours_end(self) -> str | None: ...
    @property
    def quiet_weekends(self) -> bool | None: ...
    @property
    def snoozed_until(self) -> datetime | None: ...
    @property
    def paused(self) -> bool: ...


class RecipientColumns(PersonWishesColumns, Protocol):
    @property
    def timezone(self) -> str | None: ...
    @property
    def gone(self) -> bool: ...
    @property
    def conversation_ref(self) -> dict[str, Any] | None: ...


class OccurrenceTimes(Protocol):
    @property
    def closes_at(self) -> datetime | None: ...
    def is_open_at(self, now: datetime) -> bool: ...


class ClaimedPrompt(Protocol):
    @property
    def occurrence(self) -> OccurrenceTimes: ...


@dataclass(frozen=True)
class Verdict:
    action: str
    until: datetime | None = None  # for DEFER
    reason: str = ""


def wishes_of(ctx: BotContext, person: PersonWishesColumns) -> PersonWishes:
    """The person's own quiet hours and weekends where they set them, else the org's."""
    start: time | None
    end: time | None
    if person.quiet_hours_start and person.quiet_hours_end:
        start = time.fromisoformat(person.quiet_hours_start)
        end = time.fromisoformat(person.quiet_hours_end)
    elif ctx.quiet_hours is not None:
        start, end = ctx.quiet_hours
    else:
        start = end = None
    weekends = ctx.quiet_weekends if person.quiet_weekends is None else person.quiet_weekends
    return PersonWishes(
        quiet_start=start,
        quiet_end=end,
        quiet_weekends=weekends,
        snoozed_until=person.snoozed_until,
        paused=person.paused,
    )


def window_of(pulse: Pulse | None) -> SendWindow | None:
    """The pulse's send window; prompts sent by hand (no pulse) have none."""
    if pulse is None or not pulse.send_window_start or not pulse.send_window_end:
        return None
    days = ALL_DAYS
    if pulse.days_of_week:
        days = frozenset(DAY_NAMES.index(day) for day in pulse.days_of_week.split(","))
    return SendWindow(
        time.fromisoformat(pulse.send_window_start),
        time.fromisoformat(pulse.send_window_end),
        days,
    )


def verdict(
    ctx: BotContext,
    delivery: ClaimedPrompt,
    person: RecipientColumns,
    pulse: Pulse | None,
    recent: Sequence[datetime],
    now: datetime,
) -> Verdict:
    """For the first prompt of a delivery and for its one reminder alike."""
    occurrence = delivery.occurrence
    if not occurrence.is_open_at(now):
        return Verdict(CLOSE, reason="the pulse closed")
    if person.gone:
        return Verdict(FAIL, reason="recipient gone")
    if not person.conversation_ref:
        return Verdict(FAIL, reason="no stored conversation for this person")
    zone, fell_back = resolve_zone(person.timezone, ctx.default_timezone)
    decision = decide(now, zone, wishes_of(ctx, person), recent, window_of(pulse), ctx.fatigue_cap)
    if isinstance(decision, Skip):
        action = WITHHOLD if decision.reason == "paused" else SKIP
        return Verdict(action, reason=decision.reason)
    if isinstance(decision, Defer):
        reason = "; ".join(decision.reasons)
        if occurrence.closes_at is not None and decision.until >= occurrence.closes_at:
            return Verdict(SKIP, reason=f"no allowed moment before the pulse closes ({reason})")
        return Verdict(DEFER, until=decision.until, reason=reason)
    # Sent in the organisation's zone because the person's is unknown: say so.
    return Verdict(SEND, reason=f"time zone unknown, used {zone.key}" if fell_back else "")
