"""PulseTrigger: APScheduler asks it for fire times; it answers with the pulse schedule's
own (local time, send window, every other week), and survives pickling into the job table."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from apscheduler.job import Job  # type: ignore[import-untyped]

from bot.pulses.schedule import Schedule, next_fire, parse_schedule
from bot.pulses.trigger import PulseTrigger
from tests.unit.bot.time_helpers import utc

LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def fires(trigger: PulseTrigger, now: datetime, count: int) -> list[datetime]:
    """Fire times as APScheduler chains them: each call gets the previous fire."""
    found: list[datetime] = []
    previous: datetime | None = None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        assert previous is not None
        found.append(previous)
    return found


def local(moments: list[datetime], zone: str) -> list[str]:
    return [moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for moment in moments]


def test_weekly_keeps_local_noon_across_london_spring_forward_and_fall_back() -> None:
    trigger = PulseTrigger(parse_schedule("weekly"), LONDON)
    assert fires(trigger, utc(2024, 3, 20), 3) == [
        utc(2024, 3, 25, 12),  # GMT
        utc(2024, 4, 1, 11),  # BST: still noon on the wall
        utc(2024, 4, 8, 11),
    ]
    assert fires(trigger, utc(2024, 10, 15), 3) == [
        utc(2024, 10, 21, 11),
        utc(2024, 10, 28, 12),
        utc(2024, 11, 4, 12),
    ]


def test_the_same_schedule_fires_at_each_zones_own_noon() -> None:
    schedule = parse_schedule("0 12 * * *")
    now = utc(2024, 3, 9)
    assert fires(PulseTrigger(schedule, NEW_YORK), now, 3) == [
        utc(2024, 3, 9, 17),
        utc(2024, 3, 10, 16),  # New York sprang forward that night
        utc(2024, 3, 11, 16),
    ]
    assert fires(PulseTrigger(schedule, LONDON), now, 2) == [
        utc(2024, 3, 9, 12),
        utc(2024, 3, 10, 12),
    ]


def test_fortnightly_fires_every_other_week_counted_from_the_anchor_across_dst() -> None:
    schedule = parse_schedule("every two weeks", anchor="2024-10-21")
    found = fires(PulseTrigger(schedule, NEW_YORK), utc(2024, 10, 20), 3)
    assert local(found, NEW_YORK) == [
        "Mon 2024-10-21 12:00",
        "Mon 2024-11-04 12:00",  # the clocks went back on 3 November: still noon
        "Mon 2024-11-18 12:00",
    ]
    assert [later - earlier for earlier, later in pairwise(found)] == [
        timedelta(days=14, hours=1),
        timedelta(days=14),
    ]


def test_fires_are_placed_inside_the_send_window() -> None:
    early = parse_schedule("0 7 * * *", window_start="12:00", window_end="13:00", days="mon-fri")
    assert local(fires(PulseTrigger(early, LONDON), utc(2024, 6, 7), 2), LONDON) == [
        "Fri 2024-06-07 12:00",  # 07:00 waits for the window to open
        "Mon 2024-06-10 12:00",  # the weekend's fires are not doubled onto Monday
    ]
    late = parse_schedule("0 20 * * *", window_start="09:00", window_end="11:00", days="mon-fri")
    assert local(fires(PulseTrigger(late, LONDON), utc(2024, 6, 10, 12), 1), LONDON) == [
        "Tue 2024-06-11 09:00"  # Monday 20:00 is past the window: the next morning
    ]


def test_with_no_previous_fire_now_itself_may_be_the_fire_time() -> None:
    trigger = PulseTrigger(parse_schedule("weekly"), LONDON)
    monday_noon = utc(2024, 6, 10, 11)  # 12:00 BST
    assert trigger.get_next_fire_time(None, monday_noon) == monday_noon
    assert trigger.get_next_fire_time(monday_noon, monday_noon) == utc(2024, 6, 17, 11)


def test_it_agrees_with_next_fire() -> None:
    schedule = parse_schedule("monthly", window_start="08:30", window_end="09:00")
    zone = ZoneInfo("Australia/Sydney")
    after = utc(2024, 1, 1)
    trigger = PulseTrigger(schedule, "Australia/Sydney")
    for moment in fires(trigger, after, 12):
        assert moment == next_fire(schedule, zone, after)
        after = moment


def test_apscheduler_coalesces_fires_missed_during_downtime_into_the_latest() -> None:
    trigger = PulseTrigger(parse_schedule("0 12 * * *"), LONDON)
    job = Job.__new__(Job)  # only the run-time arithmetic, as the scheduler does it
    job.trigger = trigger
    job.next_run_time = utc(2024, 6, 10, 11)
    missed = job._get_run_times(utc(2024, 6, 12, 13))
    assert missed == [utc(2024, 6, 10, 11), utc(2024, 6, 11, 11), utc(2024, 6, 12, 11)]


def test_it_pickles_with_its_schedule_and_zone() -> None:
    trigger = PulseTrigger(parse_schedule("fortnightly", anchor="2024-03-04"), LONDON)
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy == trigger
    assert hash(copy) == hash(trigger)
    assert copy.get_next_fire_time(None, utc(2024, 3, 5)) == utc(2024, 3, 18, 12)
    assert copy != PulseTrigger(trigger.schedule, NEW_YORK)


def test_state_from_a_newer_release_is_refused() -> None:
    trigger = PulseTrigger(Schedule(cron="0 12 * * *"), LONDON)
    state = {**trigger.__getstate__(), "version": 99}
    with pytest.raises(ValueError, match="newer"):
        PulseTrigger.__new__(PulseTrigger).__setstate__(state)


def test_it_describes_itself() -> None:
    trigger = PulseTrigger(parse_schedule("0 9 * * mon", window_start="08:00"), NEW_YORK)
    assert str(trigger) == (
        "pulse[cron[0 9 * * mon], mon,tue,wed,thu,fri,sat,sun 08:00-13:00, anchor None, "
        "America/New_York]"
    )
    assert repr(trigger) == f"<PulseTrigger ({trigger})>"


def test_an_unknown_zone_is_refused_up_front() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        PulseTrigger(parse_schedule("weekly"), "Mars/Olympus_Mons")
