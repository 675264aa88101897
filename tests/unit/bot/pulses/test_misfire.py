"""Fires missed during downtime: coalesced, within grace, inside the send window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.send_rules import Defer, SendNow, Skip
from bot.pulses.misfire import on_misfire
from bot.pulses.schedule import parse_schedule
from tests.unit.bot.time_helpers import utc

LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")


WEEKLY = parse_schedule("weekly", days="tue")  # Tuesdays 12:00-13:00
MISSED = utc(2024, 3, 12, 12)  # London, GMT


def test_a_fire_missed_briefly_is_sent_while_the_window_is_open() -> None:
    now = utc(2024, 3, 12, 12, 20)
    assert on_misfire(WEEKLY, LONDON, [MISSED], now) == SendNow(now)


def test_several_missed_fires_are_coalesced_into_one_send() -> None:
    now = utc(2024, 3, 12, 12, 20)
    missed = [MISSED - timedelta(days=14), MISSED - timedelta(days=7), MISSED]
    assert on_misfire(WEEKLY, LONDON, missed, now) == SendNow(now)


def test_a_miss_found_after_the_window_waits_for_the_next_window_within_grace() -> None:
    schedule = parse_schedule("weekly")  # weekdays: Wednesday's window is 24 h later
    now = utc(2024, 3, 12, 15)
    decision = on_misfire(schedule, LONDON, [MISSED], now)
    assert decision == Defer(utc(2024, 3, 13, 12), ("outside the send window",))


def test_a_miss_whose_next_window_is_beyond_grace_is_skipped_as_too_late() -> None:
    schedule = parse_schedule("weekly")  # weekdays: Wednesday's window is 24 h later
    now = utc(2024, 3, 12, 15)
    decision = on_misfire(schedule, LONDON, [MISSED], now, grace=timedelta(hours=6))
    assert isinstance(decision, Skip)
    assert decision.reason.startswith("too late: the send window opens")


def test_a_miss_found_after_the_grace_period_is_skipped_as_too_late() -> None:
    now = MISSED + timedelta(hours=30)
    decision = on_misfire(WEEKLY, LONDON, [MISSED], now)
    assert decision == Skip("too late: missed by 30 h, the grace period is 24 h")


def test_a_miss_the_next_regular_fire_covers_is_skipped() -> None:
    daily = parse_schedule("0 12 * * *")
    decision = on_misfire(daily, LONDON, [MISSED], utc(2024, 3, 12, 14))
    assert isinstance(decision, Skip)
    assert decision.reason.startswith("coalesced into the next regular fire")


def test_a_misfire_needs_a_missed_time_and_an_aware_now() -> None:
    with pytest.raises(ValueError):
        on_misfire(WEEKLY, LONDON, [], MISSED)
    with pytest.raises(ValueError, match="aware"):
        on_misfire(WEEKLY, LONDON, [MISSED], datetime(2024, 3, 12, 12, 20))


def test_missed_times_in_any_zone_and_now_in_utc() -> None:
    now = utc(2024, 3, 12, 12, 20).astimezone(KOLKATA)
    assert on_misfire(WEEKLY, LONDON, [MISSED.astimezone(KOLKATA)], now) == SendNow(
        utc(2024, 3, 12, 12, 20)
    )
