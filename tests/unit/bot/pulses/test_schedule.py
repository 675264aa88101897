"""Pulse schedules: parsing and validation, fire times in local time across DST changes,
send windows, the fortnightly anchor, and fires missed during downtime."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.local_time import ALL_DAYS, WEEKDAYS, SendWindow
from bot.pulses.schedule import (
    Preset,
    Schedule,
    ScheduleError,
    next_fire,
    parse_schedule,
)
from tests.unit.bot.time_helpers import fires, local, utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


# --- parsing and validation ---


@pytest.mark.parametrize(
    ("spec", "preset"),
    [
        ("weekly", Preset.WEEKLY),
        ("Monthly", Preset.MONTHLY),
        ("every two weeks", Preset.FORTNIGHTLY),
        ("  Every   Two Weeks ", Preset.FORTNIGHTLY),
        ("fortnightly", Preset.FORTNIGHTLY),
    ],
)
def test_presets_by_name(spec: str, preset: Preset) -> None:
    schedule = parse_schedule(spec, anchor="2024-03-04")
    assert schedule.preset is preset
    assert schedule.cron is None
    assert schedule.window == SendWindow(time(12), time(13), WEEKDAYS)


def test_window_and_days_as_a_lead_types_them() -> None:
    schedule = parse_schedule("weekly", window_start="07:30", window_end="08:15", days="tue-thu")
    assert schedule.window == SendWindow(time(7, 30), time(8, 15), frozenset({1, 2, 3}))
    assert parse_schedule("weekly", days="mon, wed,FRIDAY").window.days == {0, 2, 4}
    assert parse_schedule("weekly", days="fri-mon").window.days == {4, 5, 6, 0}
    assert parse_schedule("weekly", days=[0, 3]).window.days == {0, 3}


def test_a_cron_may_fire_on_any_day_unless_told_otherwise() -> None:
    assert parse_schedule("0 12 * * 1-5").window.days == ALL_DAYS


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"days": "someday"}, "not a day of the week"),
        ({"days": [9]}, "0 \\(Monday\\) to 6"),
        ({"days": []}, "at least one day"),
        ({"window_start": "13:00", "window_end": "12:00"}, "start before it ends"),
        ({"window_start": "noon"}, "not a time or date"),
        ({"anchor": "next tuesday"}, "not a time or date"),
    ],
)
def test_a_bad_window_or_day_is_rejected_with_the_reason(
    kwargs: dict[str, object], reason: str
) -> None:
    with pytest.raises(ScheduleError, match=reason):
        parse_schedule("weekly", **kwargs)  # type: ignore[arg-type]


def test_every_two_weeks_needs_an_anchor() -> None:
    with pytest.raises(ScheduleError, match="which weeks"):
        parse_schedule("every two weeks")


def test_a_schedule_is_a_preset_or_a_cron() -> None:
    with pytest.raises(ScheduleError, match="either a preset or a cron"):
        Schedule()
    with pytest.raises(ScheduleError, match="either a preset or a cron"):
        Schedule(preset=Preset.WEEKLY, cron="0 12 * * 1")
    with pytest.raises(ScheduleError, match="empty"):
        parse_schedule("   ")


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("* * * * *", "fires 1440 times a day; a pulse may fire at most once a day"),
        ("0 */2 * * *", "fires 12 times a day"),
        ("0 9,17 * * 1-5", "fires 2 times a day"),
        ("*/30 12 * * *", "fires 2 times a day"),
        ("0 9 31 2 *", "never fires"),
        ("0 9 30 2 *", "never fires"),
        ("0 9 31 4,6,9,11 *", "never fires"),
        ("0 9 * *", "5 fields"),
        ("0 9 * * * *", "5 fields"),
        ("0 25 * * *", "not a valid cron expression"),
        ("61 9 * * *", "not a valid cron expression"),
        ("0 9 * * 8", "days of the week are 0-7"),
        ("0 9 * * funday", "not a valid cron expression"),
        ("0 9 * * 1-x", "not a valid day-of-week field"),
        ("0 9 1 * 1", "not both"),
        ("hello world", "5 fields"),
    ],
)
def test_a_bad_cron_is_rejected_with_the_reason(cron: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason) as raised:
        parse_schedule(cron)
    assert raised.value.reason == str(raised.value)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "cron",
    ["0 12 * * 1-5", "0 12 * * *", "30 12 * * mon", "0 9 1 * *", "0 9 29 2 *", "0 12 * 1,7 0"],
)
def test_crons_at_most_daily_are_accepted(cron: str) -> None:
    assert parse_schedule(cron).cron == cron


# --- cron days follow crontab, not APScheduler 3's numbering ---


@pytest.mark.parametrize(
    ("field", "weekdays"),
    [
        ("1", {"Mon"}),
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("5-7", {"Fri", "Sat", "Sun"}),
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
        ("mon,wed", {"Mon", "Wed"}),
    ],
)
def test_cron_day_of_week_numbers_mean_what_crontab_means(field: str, weekdays: set[str]) -> None:
    schedule = parse_schedule(f"0 12 * * {field}", window_start="08:00", window_end="18:00")
    found = fires(schedule, KOLKATA, utc(2024, 3, 10), 14)
    assert {moment.astimezone(KOLKATA).strftime("%a") for moment in found} == weekdays


# --- placing fires in the window ---


def test_a_preset_fires_at_the_window_start_on_the_first_allowed_day() -> None:
    schedule = parse_schedule("weekly", days="tue-thu")
    assert local(fires(schedule, LONDON, utc(2024, 3, 11), 2), LONDON) == [
        "Tue 2024-03-12 12:00",
        "Tue 2024-03-19 12:00",
    ]


@pytest.mark.parametrize(
    ("cron", "first"),
    [
        ("0 9 * * *", "Mon 2024-03-11 12:00"),  # before the window: its start, same day
        ("30 12 * * *", "Mon 2024-03-11 12:30"),  # inside: kept
        ("0 15 * * *", "Mon 2024-03-11 12:00"),  # after: Sunday's moves to Monday's start
        ("0 12 * * 6", "Mon 2024-03-11 12:00"),  # Saturday's fire waits for a weekday
    ],
)
def test_cron_fires_are_placed_in_the_window(cron: str, first: str) -> None:
    schedule = parse_schedule(cron, days="mon-fri")
    assert local([next_fire(schedule, LONDON, utc(2024, 3, 11))], LONDON) == [first]


def test_a_fire_moved_by_the_window_is_still_found_after_its_raw_time() -> None:
    schedule = parse_schedule("0 15 * * 1", days="mon-fri")  # Monday 15:00 -> Tuesday noon
    assert next_fire(schedule, LONDON, utc(2024, 3, 11, 16)) == utc(2024, 3, 12, 12)


def test_fires_moved_off_their_day_never_double_a_day() -> None:
    # Weekend fires of a daily cron give way to Monday's own fire...
    daily = parse_schedule("30 12 * * *", days="mon-fri")
    assert local(fires(daily, LONDON, utc(2024, 3, 15), 3), LONDON) == [
        "Fri 2024-03-15 12:30",
        "Mon 2024-03-18 12:30",
        "Tue 2024-03-19 12:30",
    ]
    # ...and fires after the window each move one allowed day on, one per day.
    late = parse_schedule("0 15 * * *", days="mon-fri")
    found = fires(late, LONDON, utc(2024, 3, 11, 13), 6)
    assert local(found, LONDON) == [
        "Tue 2024-03-12 12:00",
        "Wed 2024-03-13 12:00",
        "Thu 2024-03-14 12:00",
        "Fri 2024-03-15 12:00",
        "Mon 2024-03-18 12:00",  # Friday's, Saturday's and Sunday's, once
        "Tue 2024-03-19 12:00",
    ]


def test_next_fire_is_strictly_after() -> None:
    schedule = parse_schedule("weekly")
    first = next_fire(schedule, LONDON, utc(2024, 3, 11))
    assert first == utc(2024, 3, 11, 12)
    assert next_fire(schedule, LONDON, first) == utc(2024, 3, 18, 12)
    assert next_fire(schedule, LONDON, first - timedelta(microseconds=1)) == first


def test_next_fire_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire(parse_schedule("weekly"), LONDON, datetime(2024, 3, 11))


# --- every two weeks, monthly ---


def test_every_two_weeks_fires_in_the_anchor_week_and_every_other_week() -> None:
    schedule = parse_schedule("every two weeks", anchor=date(2024, 3, 13), days="tue-thu")
    found = fires(schedule, LONDON, utc(2024, 3, 1), 4)
    assert local(found, LONDON) == [
        "Tue 2024-03-12 12:00",  # the anchor's week (the anchor is that Wednesday)
        "Tue 2024-03-26 12:00",
        "Tue 2024-04-09 12:00",  # parity holds across the change to BST
        "Tue 2024-04-23 12:00",
    ]


def test_the_anchor_sets_the_parity_not_a_start() -> None:
    schedule = parse_schedule("every two weeks", anchor=date(2024, 3, 13), days="tue-thu")
    assert next_fire(schedule, LONDON, utc(2024, 2, 20)) == utc(2024, 2, 27, 12)


def test_every_two_weeks_skips_the_odd_weeks_across_a_year_end() -> None:
    schedule = parse_schedule("fortnightly", anchor="2024-12-16")
    found = fires(schedule, LONDON, utc(2024, 12, 1), 4)
    assert [moment.date() for moment in found] == [
        date(2024, 12, 2),
        date(2024, 12, 16),
        date(2024, 12, 30),
        date(2025, 1, 13),
    ]
    assert all(b - a == timedelta(days=14) for a, b in pairwise(found))


def test_monthly_fires_on_the_first_allowed_day_of_each_month() -> None:
    schedule = parse_schedule("monthly", days="wed")
    found = fires(schedule, NEW_YORK, utc(2024, 2, 15), 4)
    assert local(found, NEW_YORK) == [
        "Wed 2024-03-06 12:00",
        "Wed 2024-04-03 12:00",
        "Wed 2024-05-01 12:00",
        "Wed 2024-06-05 12:00",
    ]


def test_monthly_on_weekdays_is_the_first_weekday() -> None:
    found = fires(parse_schedule("monthly"), LONDON, utc(2024, 5, 15), 3)
    assert [moment.date() for moment in found] == [
        date(2024, 6, 3),  # 1 June 2024 is a Saturday
        date(2024, 7, 1),
        date(2024, 8, 1),
    ]
