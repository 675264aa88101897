"""A recipient's local time: which zone they live in, wall-clock moments, send windows.

Everything here is pure: times come in as aware datetimes and go out as aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ALL_DAYS: frozenset[int] = frozenset(range(7))  # date.weekday(): 0 is Monday
WEEKDAYS: frozenset[int] = frozenset(range(5))
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ResolvedZone(NamedTuple):
    zone: ZoneInfo
    fell_back: bool  # True: the person's own zone was missing or unknown


def resolve_zone(name: str | None, default: ZoneInfo | str) -> ResolvedZone:
    """The person's zone, or the organisation's default if theirs is missing or unknown."""
    if name:
        try:
            return ResolvedZone(ZoneInfo(name), False)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a typo or a platform's odd label: the org default beats failing
    if isinstance(default, ZoneInfo):
        return ResolvedZone(default, True)
    try:
        return ResolvedZone(ZoneInfo(default), True)
    except (ZoneInfoNotFoundError, ValueError) as error:
        # A configuration mistake, not a person's: nobody can be scheduled until it is fixed.
        raise ValueError(f"the organisation's default time zone {default!r} is unknown") from error


def wall(day: date, at: time, zone: ZoneInfo, *, after: datetime | None = None) -> datetime:
    """The UTC instant the clocks in `zone` show `at` on `day`.

    A wall time skipped by a spring-forward change means the instant the clocks jump past
    it (02:30 on a day that goes from 02:00 to 03:00 is 03:00), the first moment the clock
    shows that time or later, as a rule that starts then reads it; one repeated by a
    fall-back change means its first occurrence, unless that is not later than `after`,
    in which case its second.
    """
    first = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    wanted = datetime.combine(day, at)
    if first.astimezone(zone).replace(tzinfo=None) != wanted:
        first = _jump_past(wanted, zone, first)
    if after is None or first > after:
        return first
    second = datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
    return second if second > after else first


def _jump_past(wanted: datetime, zone: ZoneInfo, late: datetime) -> datetime:
    """The first whole second whose wall clock in `zone` reads `wanted` or later, for a
    `wanted` the clocks skip: it lies between the skipped time read with the offset after
    the change (too early) and with the one before it (`late`, too late)."""
    low = int(wanted.replace(tzinfo=zone, fold=1).timestamp())  # shows a time before it
    high = int(late.timestamp())  # shows a time after it
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wanted:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def in_span(current: time, start: time, end: time) -> bool:
    """Whether a wall time is in [start, end), a span that may run past midnight."""
    if start <= end:
        return start <= current < end
    return current >= start or current < end


@dataclass(frozen=True)
class SendWindow:
    """When a pulse may land in the recipient's local time: a span of the day, some days."""

    start: time = time(12, 0)
    end: time = time(13, 0)
    days: frozenset[int] = field(default=WEEKDAYS)

    def __post_init__(self) -> None:
        # A window past midnight would sit inside everyone's quiet hours: refuse it early.
        if not self.start < self.end:
            raise ValueError(
                f"the send window must start before it ends, on the same day "
                f"(got {self.start:%H:%M}-{self.end:%H:%M})"
            )
        if not self.days:
            raise ValueError("the send window needs at least one day of the week")
        if not self.days <= ALL_DAYS:
            raise ValueError(f"days of the week are 0 (Monday) to 6 (Sunday), got {self.days}")

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` if the window is open then, else the UTC instant it next opens."""
        if self.contains(moment, zone):
            return moment
        local = moment.astimezone(zone)
        day = local.date()
        if local.time() >= self.start:
            day += timedelta(days=1)  # today's window has opened already (or closed)
        while day.weekday() not in self.days:
            day += timedelta(days=1)
        return wall(day, self.start, zone, after=moment)


def describe_days(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[day] for day in sorted(days))
