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
from bot.local_time import ALL_DAYS, DAY_NAMES, ResolvedZone, SendWindow, resolve_zone
from bot.outbox.send_rules import Decision, Defer, PersonWishes, Skip, decide

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


class PulseWindow(Protocol):
    """A pulse's window columns: a loaded Pulse or the dispatcher's lighter row."""

    @property
    def id(self) -> int: ...
    @property
    def send_window_start(self) -> str | None: ...
    @property
    def send_window_end(self) -> str | None: ...
    @property
    def days_of_week(self) -> str | None: ...


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


def window_of(pulse: PulseWindow | None) -> SendWindow | None:
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


class Decisions:
    """The rules applied at one moment (a claim's), each distinct case worked out once:
    a fan-out's people mostly share a zone, the organisation's wishes, the pulse's window
    and no recent prompt, and `decide` is a pure function of those."""

    def __init__(self, ctx: BotContext, now: datetime) -> None:
        self.ctx = ctx
        self.now = now
        self._zones: dict[str | None, ResolvedZone] = {}
        self._wishes: dict[tuple[Any, ...], PersonWishes] = {}
        self._windows: dict[int, SendWindow | None] = {}
        self._decided: dict[tuple[Any, ...], Decision] = {}

    def zone(self, name: str | None) -> ResolvedZone:
        found = self._zones.get(name)
        if found is None:
            found = self._zones[name] = resolve_zone(name, self.ctx.default_timezone)
        return found

    def wishes(self, person: PersonWishesColumns) -> PersonWishes:
        key = (
            person.quiet_hours_start,
            person.quiet_hours_end,
            person.quiet_weekends,
            person.snoozed_until,
            person.paused,
        )
        found = self._wishes.get(key)
        if found is None:
            found = self._wishes[key] = wishes_of(self.ctx, person)
        return found

    def window(self, pulse: PulseWindow | None) -> SendWindow | None:
        if pulse is None:
            return None
        if pulse.id not in self._windows:
            self._windows[pulse.id] = window_of(pulse)
        return self._windows[pulse.id]

    def decide(
        self,
        zone: ResolvedZone,
        wishes: PersonWishes,
        recent: Sequence[datetime],
        window: SendWindow | None,
    ) -> Decision:
        key = (zone.zone.key, wishes, tuple(recent), window)
        found = self._decided.get(key)
        if found is None:
            found = self._decided[key] = decide(
                self.now, zone.zone, wishes, recent, window, self.ctx.fatigue_cap
            )
        return found


def verdict(
    ctx: BotContext,
    delivery: ClaimedPrompt,
    person: RecipientColumns,
    pulse: PulseWindow | None,
    recent: Sequence[datetime],
    now: datetime,
    decisions: Decisions | None = None,
) -> Verdict:
    """For the first prompt of a delivery and for its one reminder alike. `decisions`:
    the rules' cases worked out already at this moment (a claim's)."""
    occurrence = delivery.occurrence
    if not occurrence.is_open_at(now):
        return Verdict(CLOSE, reason="the pulse closed")
    if person.gone:
        return Verdict(FAIL, reason="recipient gone")
    if not person.conversation_ref:
        return Verdict(FAIL, reason="no stored conversation for this person")
    rules = decisions if decisions is not None and decisions.now == now else Decisions(ctx, now)
    resolved = rules.zone(person.timezone)
    zone, fell_back = resolved
    decision = rules.decide(resolved, rules.wishes(person), recent, rules.window(pulse))
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
