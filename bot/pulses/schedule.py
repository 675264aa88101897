"""Pulse schedules: when a pulse fires in a recipient's local time.

APScheduler's CronTrigger computes the fire times (in the recipient's zone, so DST is
its problem, not ours); this module validates schedules, places fires in the send
window and adds what cron cannot say (every other week, the first such day of a month).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.cron.fields import BaseField  # type: ignore[import-untyped]

from bot.local_time import ALL_DAYS, DAY_NAMES, WEEKDAYS, SendWindow, describe_days, wall

# Plenty for a fire at most daily found from eight days back, or a month of candidates
# for the monthly preset; more means the schedule cannot fire in the window at all.
MAX_CANDIDATES = 1000
# Any day-and-month pattern recurs within four years (29 February included).
NEVER_FIRES_HORIZON_YEARS = 8
_PROBE_FROM = datetime(2000, 1, 1, tzinfo=UTC)


class ScheduleError(ValueError):
    """A schedule the wellness lead must fix; `reason` is a sentence they can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Preset(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


PRESET_NAMES: dict[str, Preset] = {
    "weekly": Preset.WEEKLY,
    "fortnightly": Preset.FORTNIGHTLY,
    "every two weeks": Preset.FORTNIGHTLY,
    "biweekly": Preset.FORTNIGHTLY,
    "monthly": Preset.MONTHLY,
}


@dataclass(frozen=True)
class Schedule:
    """A preset or a 5-field crontab expression, sent inside `window`.

    Presets fire at the window's start on its first allowed day of the week (weekly,
    fortnightly) or of the month (monthly). Cron cannot say "every two weeks", so
    fortnightly is weekly in the weeks an even number of weeks from the anchor's (the
    anchor picks the weeks; it is not a start date). A cron fire keeps its time if
    inside the window, moves to the window's start if earlier that day, or to the next
    allowed day's start if later or on a day not allowed; at most one fire a day, a
    day's own fire winning over one moved onto it.
    """

    preset: Preset | None = None
    cron: str | None = None
    window: SendWindow = field(default_factory=SendWindow)
    anchor: date | None = None

    def __post_init__(self) -> None:
        if (self.preset is None) == (self.cron is None):
            raise ScheduleError("a schedule is either a preset or a cron expression")
        if self.preset is Preset.FORTNIGHTLY and self.anchor is None:
            raise ScheduleError("every two weeks needs a first date, to know which weeks")
        if self.cron is not None:
            _check_cron(self.cron)


def parse_schedule(
    spec: str,
    *,
    window_start: time | str = time(12, 0),
    window_end: time | str = time(13, 0),
    days: Iterable[int | str] | str | None = None,
    anchor: date | str | None = None,
) -> Schedule:
    """A schedule from what a wellness lead typed: a preset name or a cron expression.

    `days` defaults to Monday-Friday for presets and to every day for a cron (which
    picks its own days). Raises ScheduleError with the reason if anything is wrong.
    """
    text = " ".join(spec.split())
    preset = PRESET_NAMES.get(text.lower())
    try:
        start = time.fromisoformat(window_start) if isinstance(window_start, str) else window_start
        end = time.fromisoformat(window_end) if isinstance(window_end, str) else window_end
        first = date.fromisoformat(anchor) if isinstance(anchor, str) else anchor
    except ValueError as error:
        raise ScheduleError(f"not a time or date: {error}") from error
    allowed = parse_days(days) if days is not None else WEEKDAYS if preset else ALL_DAYS
    try:
        window = SendWindow(start, end, allowed)
    except ValueError as error:
        raise ScheduleError(str(error)) from error
    if preset is None and not text:
        raise ScheduleError("the schedule is empty: use weekly, every two weeks, monthly or cron")
    if preset is None:
        return Schedule(cron=text, window=window, anchor=first)
    return Schedule(preset=preset, window=window, anchor=first)


def next_fire(schedule: Schedule, zone: ZoneInfo, after: datetime) -> datetime:
    """The first moment strictly after `after` (aware UTC) at which the schedule sends to
    someone living in `zone`, placed inside its send window."""
    if after.tzinfo is None:
        raise ValueError("next_fire needs an aware datetime")
    after = after.astimezone(UTC)
    trigger = _trigger(schedule, zone)
    # Start a week early: a fire moved to the next allowed day may still be ahead of `after`.
    probe = after - timedelta(days=8)
    previous: datetime | None = None
    for _ in range(MAX_CANDIDATES):
        raw: datetime | None = trigger.get_next_fire_time(previous, probe)
        if raw is None:
            break
        previous = probe = raw
        local = raw.astimezone(zone)
        if not _preset_allows(schedule, local.date()):
            continue
        placed, moved = _place(schedule.window, zone, local)
        if placed <= after:
            continue
        if moved and _fires_on_its_day(trigger, zone, schedule.window, placed):
            continue  # at most one a day: that day's own fire wins over one moved onto it
        return placed
    raise ScheduleError("this schedule never fires inside its send window")


def _trigger(schedule: Schedule, zone: ZoneInfo) -> CronTrigger:
    window = schedule.window
    if schedule.cron is not None:
        return _cron_trigger(schedule.cron, zone)
    # Presets fire at the window's start; the first-day filter lives in _preset_allows.
    days = describe_days(window.days)
    if schedule.preset is Preset.MONTHLY:
        days_of_month = "1-7"  # the first allowed weekday of a month is in its first week
    else:
        days_of_month = "*"
        days = DAY_NAMES[min(window.days)]
    return CronTrigger(
        day=days_of_month,
        day_of_week=days,
        hour=window.start.hour,
        minute=window.start.minute,
        timezone=zone,
    )


def _preset_allows(schedule: Schedule, day: date) -> bool:
    if schedule.preset is Preset.MONTHLY:
        return all(
            date(day.year, day.month, earlier).weekday() not in schedule.window.days
            for earlier in range(1, day.day)
        )
    if schedule.preset is Preset.FORTNIGHTLY:
        assert schedule.anchor is not None  # checked in __post_init__
        weeks = (_monday(day) - _monday(schedule.anchor)).days // 7
        return weeks % 2 == 0
    return True


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _place(window: SendWindow, zone: ZoneInfo, fire: datetime) -> tuple[datetime, bool]:
    """A local fire time moved into the window, and whether it had to leave its day: never
    before the window opens, never after it closes, so never late at night."""
    # time() keeps `fold`: a fire in the repeated fall-back hour must not pick the second one.
    day, at = fire.date(), fire.time().replace(tzinfo=None, fold=0)
    if day.weekday() in window.days and at < window.end:
        return wall(day, max(at, window.start), zone), False
    day += timedelta(days=1)
    while day.weekday() not in window.days:
        day += timedelta(days=1)
    return wall(day, window.start, zone), True


def _fires_on_its_day(
    trigger: CronTrigger, zone: ZoneInfo, window: SendWindow, moment: datetime
) -> bool:
    """Whether the trigger fires on `moment`'s local day early enough to stay on it."""
    day = moment.astimezone(zone).date()
    own: datetime | None = trigger.get_next_fire_time(None, wall(day, time(0), zone))
    if own is None:
        return False
    local = own.astimezone(zone)
    return local.date() == day and local.time() < window.end


def _cron_trigger(cron: str, zone: ZoneInfo, end_date: datetime | None = None) -> CronTrigger:
    fields = cron.split()
    if len(fields) != 5:
        # Often a word that is no preset ("sometimes"): name the choices, not only cron's.
        raise ScheduleError(
            f"{cron!r} is not weekly, fortnightly, monthly or a cron expression "
            "(a cron has 5 fields: minute hour day-of-month month day-of-week, "
            f"like 0 12 * * tue; this has {len(fields)})"
        )
    minute, hour, day, month, day_of_week = fields
    weekdays = _crontab_weekdays(day_of_week)
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=weekdays,
            timezone=zone,
            end_date=end_date,
        )
    except ValueError as error:
        raise ScheduleError(f"not a valid cron expression: {error}") from error


def _crontab_weekdays(expression: str) -> str:
    """Crontab's day-of-week numbers (0 or 7 is Sunday) as names APScheduler reads right:
    its 3.x series counts 0 as Monday (its issue 286), names mean the same to both."""
    if not any(char.isdigit() for char in expression):
        return expression
    try:
        # APScheduler's own parser, borrowed: a minute field reads numbers, ranges and steps.
        as_numbers = BaseField("minute", expression)
    except ValueError as error:
        raise ScheduleError(f"not a valid day-of-week field {expression!r}: {error}") from error
    numbers = _values(as_numbers, "minute", range(8))
    # `*` and `*/n` run on to 59 in a minute field; explicit numbers must be days.
    if "*" not in expression and _values(as_numbers, "minute", range(8, 60)):
        raise ScheduleError(f"days of the week are 0-7 (0 and 7 are Sunday): {expression!r}")
    return describe_days(frozenset((number - 1) % 7 for number in numbers))


def _values(cron_field: BaseField, unit: str, candidates: Iterable[int]) -> list[int]:
    """Which of `candidates` an APScheduler minute or hour field matches."""
    matched = []
    for value in candidates:
        hour, minute = (value, 0) if unit == "hour" else (0, value)
        probe = datetime(2000, 1, 1, hour, minute)
        if cron_field.get_next_value(probe) == value:
            matched.append(value)
    return matched


def _check_cron(cron: str) -> None:
    """Reject a cron that cannot make a pulse: unparsable, ambiguous, more than daily, never."""
    # Bounded: without an end date APScheduler hunts for 31 February up to the year 9999.
    horizon = _PROBE_FROM.replace(year=_PROBE_FROM.year + NEVER_FIRES_HORIZON_YEARS)
    trigger = _cron_trigger(cron, ZoneInfo("UTC"), end_date=horizon)
    _minute, _hour, day, _month, day_of_week = cron.split()
    if day != "*" and day_of_week != "*":
        # Crontab fires on either; APScheduler on both. Refuse rather than guess.
        raise ScheduleError("restrict the day of the month or the day of the week, not both")
    by_name = {cron_field.name: cron_field for cron_field in trigger.fields}
    minutes = _values(by_name["minute"], "minute", range(60))
    hours = _values(by_name["hour"], "hour", range(24))
    if len(minutes) * len(hours) > 1:
        raise ScheduleError(
            f"{cron!r} fires {len(minutes) * len(hours)} times a day; "
            "a pulse may fire at most once a day"
        )
    if trigger.get_next_fire_time(None, _PROBE_FROM) is None:
        raise ScheduleError(f"{cron!r} never fires: no calendar date matches it")


def parse_days(days: Iterable[int | str] | str) -> frozenset[int]:
    """Days of the week as 'mon-fri', 'mon,wed,fri' or weekday numbers (0 is Monday)."""
    items: list[int | str] = []
    items.extend(days.replace(" ", "").split(",") if isinstance(days, str) else days)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, int):
            if item not in ALL_DAYS:
                raise ScheduleError(f"days are 0 (Monday) to 6 (Sunday), got {item}")
            chosen.add(item)
            continue
        first, _, last = item.lower().partition("-")
        try:
            start = DAY_NAMES.index(first[:3])
            end = DAY_NAMES.index(last[:3]) if last else start
        except ValueError as error:
            raise ScheduleError(f"not a day of the week: {item!r}") from error
        span = (end - start) % 7
        chosen.update((start + offset) % 7 for offset in range(span + 1))
    if not chosen:
        raise ScheduleError("choose at least one day of the week")
    return frozenset(chosen)
