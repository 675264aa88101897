"""Pulse fire times in local time across DST changes and zones, and their invariants."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pulses.schedule import Schedule, next_fire, parse_schedule
from tests.unit.bot.time_helpers import fires, local, utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


# --- DST and zones ---


def test_weekly_keeps_local_noon_across_london_spring_forward_and_fall_back() -> None:
    schedule = parse_schedule("weekly")
    spring = fires(schedule, LONDON, utc(2024, 3, 20), 3)
    assert spring == [utc(2024, 3, 25, 12), utc(2024, 4, 1, 11), utc(2024, 4, 8, 11)]
    autumn = fires(schedule, LONDON, utc(2024, 10, 15), 3)
    assert autumn == [utc(2024, 10, 21, 11), utc(2024, 10, 28, 12), utc(2024, 11, 4, 12)]


def test_daily_cron_keeps_local_noon_across_new_york_changes() -> None:
    schedule = parse_schedule("0 12 * * *")
    spring = fires(schedule, NEW_YORK, utc(2024, 3, 9), 3)
    assert spring == [utc(2024, 3, 9, 17), utc(2024, 3, 10, 16), utc(2024, 3, 11, 16)]
    autumn = fires(schedule, NEW_YORK, utc(2024, 11, 2), 3)
    assert autumn == [utc(2024, 11, 2, 16), utc(2024, 11, 3, 17), utc(2024, 11, 4, 17)]


def test_a_fire_in_the_spring_forward_gap_lands_after_the_gap_once() -> None:
    schedule = parse_schedule("30 2 * * *", window_start="01:00", window_end="05:00")
    found = fires(schedule, NEW_YORK, utc(2024, 3, 9), 3)
    assert local(found, NEW_YORK) == [
        "Sat 2024-03-09 02:30",
        "Sun 2024-03-10 03:00",  # 02:30 did not exist: the clocks jumped past it at 03:00
        "Mon 2024-03-11 02:30",
    ]


def test_a_fire_in_the_repeated_fall_back_hour_happens_once() -> None:
    schedule = parse_schedule("30 1 * * *", window_start="01:00", window_end="05:00")
    found = fires(schedule, NEW_YORK, utc(2024, 11, 2), 3)
    assert found == [utc(2024, 11, 2, 5, 30), utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)]


def test_weekly_in_sydney_across_both_changes() -> None:
    schedule = parse_schedule("weekly")
    autumn = fires(schedule, SYDNEY, utc(2024, 3, 28), 2)  # clocks go back on 7 April
    assert autumn == [utc(2024, 4, 1, 1), utc(2024, 4, 8, 2)]
    spring = fires(schedule, SYDNEY, utc(2024, 9, 28), 2)  # and forward on 6 October
    assert spring == [utc(2024, 9, 30, 2), utc(2024, 10, 7, 1)]


def test_a_half_hour_zone_without_dst() -> None:
    found = fires(parse_schedule("weekly"), KOLKATA, utc(2024, 3, 1), 3)
    assert {moment.time() for moment in found} == {time(6, 30)}
    assert local(found, KOLKATA)[0] == "Mon 2024-03-04 12:00"


def test_the_same_schedule_fires_at_each_recipients_local_noon() -> None:
    schedule = parse_schedule("weekly")
    after = utc(2024, 3, 11)
    assert next_fire(schedule, KOLKATA, after) == utc(2024, 3, 11, 6, 30)
    assert next_fire(schedule, LONDON, after) == utc(2024, 3, 11, 12)
    assert next_fire(schedule, NEW_YORK, after) == utc(2024, 3, 11, 16)


# --- properties ---

ZONES = [LONDON, NEW_YORK, SYDNEY, KOLKATA, ZoneInfo("Pacific/Auckland")]
crons = st.builds(
    lambda minute, hour, days: f"{minute} {hour} * * {days}",
    st.integers(0, 59),
    st.integers(0, 23),
    st.sampled_from(["*", "1-5", "1", "0,6", "2-4", "*/3"]),
)
presets = st.sampled_from(["weekly", "every two weeks", "monthly"])
schedules = st.builds(
    lambda spec, start, length, days: parse_schedule(
        spec,
        window_start=time(start),
        window_end=time(start + length),
        days=sorted(days),
        anchor=date(2024, 1, 3),
    ),
    st.one_of(crons, presets),
    st.integers(0, 20),
    st.integers(1, 3),
    st.sets(st.integers(0, 6), min_size=1),
)
afters = st.integers(0, 366 * 24 * 4).map(lambda n: utc(2024, 1, 1) + n * timedelta(minutes=15))


@settings(max_examples=300, deadline=None)
@given(schedules, st.sampled_from(ZONES), afters)
def test_fires_are_in_the_window_after_the_given_time_and_at_most_daily(
    schedule: Schedule, zone: ZoneInfo, after: datetime
) -> None:
    first = next_fire(schedule, zone, after)
    second = next_fire(schedule, zone, first)
    assert after < first < second
    for moment in (first, second):
        assert moment.utcoffset() == timedelta(0)
        wall = moment.astimezone(zone)
        assert wall.weekday() in schedule.window.days
        # Inside the window, unless its start fell in a spring-forward gap (then just after).
        assert (
            schedule.window.start <= wall.time() < schedule.window.end
            or (moment - timedelta(hours=1)).astimezone(zone).time() < schedule.window.start
        )
    assert first.astimezone(zone).date() < second.astimezone(zone).date()
