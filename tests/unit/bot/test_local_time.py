"""Time zones, wall-clock moments across DST changes, and send windows."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.local_time import WEEKDAYS, SendWindow, in_span, resolve_zone, wall
from tests.unit.bot.time_helpers import utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


# --- resolve_zone ---


def test_a_known_zone_is_used_as_is() -> None:
    zone, fell_back = resolve_zone("Asia/Kolkata", "Europe/London")
    assert zone == KOLKATA
    assert not fell_back


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "not a zone", "../etc/passwd"])
def test_a_missing_or_unknown_zone_falls_back_to_the_organisation_default(
    name: str | None,
) -> None:
    resolved = resolve_zone(name, "Europe/London")
    assert resolved.zone == LONDON
    assert resolved.fell_back


def test_the_default_may_be_given_as_a_zone() -> None:
    assert resolve_zone(None, NEW_YORK) == (NEW_YORK, True)


def test_an_unknown_organisation_default_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="default time zone"):
        resolve_zone("Nowhere/Town", "Nowhere/Else")


# --- wall ---


def test_wall_time_in_a_zone_without_dst() -> None:
    assert wall(date(2024, 3, 10), time(12), KOLKATA) == utc(2024, 3, 10, 6, 30)


def test_a_wall_time_skipped_by_spring_forward_is_when_the_clocks_jump_past_it() -> None:
    # New York, 10 March 2024: 02:00 EST jumps to 03:00 EDT; 02:30 never happens, so
    # whatever starts at 02:30 starts at the jump, the first moment the clock reads later.
    assert wall(date(2024, 3, 10), time(2, 30), NEW_YORK) == utc(2024, 3, 10, 7)
    assert utc(2024, 3, 10, 7).astimezone(NEW_YORK).time() == time(3)
    a_second_before = utc(2024, 3, 10, 7) - timedelta(seconds=1)
    assert a_second_before.astimezone(NEW_YORK).time() == time(1, 59, 59)


def test_a_wall_time_repeated_by_fall_back_is_its_first_occurrence() -> None:
    # London, 27 October 2024: 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC.
    assert wall(date(2024, 10, 27), time(1, 30), LONDON) == utc(2024, 10, 27, 0, 30)


def test_a_repeated_wall_time_already_past_means_its_second_occurrence() -> None:
    after = utc(2024, 10, 27, 0, 45)
    assert wall(date(2024, 10, 27), time(1, 30), LONDON, after=after) == utc(2024, 10, 27, 1, 30)


# --- in_span ---


@pytest.mark.parametrize(
    ("current", "inside"),
    [(time(18, 59), False), (time(19), True), (time(23, 59), True), (time(0), True),
     (time(6, 59), True), (time(7), False), (time(12), False)],
)  # fmt: skip
def test_a_span_past_midnight(current: time, inside: bool) -> None:
    assert in_span(current, time(19), time(7)) is inside


def test_a_span_within_a_day() -> None:
    assert in_span(time(12), time(12), time(13))
    assert not in_span(time(13), time(12), time(13))


# --- SendWindow ---


def test_a_window_must_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        SendWindow(time(13), time(12))
    with pytest.raises(ValueError, match="start before it ends"):
        SendWindow(time(22), time(2))


def test_a_window_needs_a_day_and_real_days() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        SendWindow(days=frozenset())
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
        SendWindow(days=frozenset({7}))


def test_the_default_window_is_weekday_lunchtime() -> None:
    window = SendWindow()
    assert (window.start, window.end, window.days) == (time(12), time(13), WEEKDAYS)


def test_window_contains_uses_local_time() -> None:
    window = SendWindow()
    moment = utc(2024, 3, 12, 12, 30)  # a Tuesday: 12:30 in London, 08:30 in New York
    assert window.contains(moment, LONDON)
    assert not window.contains(moment, NEW_YORK)
    assert not window.contains(utc(2024, 3, 12, 13), LONDON)  # the end is exclusive


def test_next_open_is_now_when_open() -> None:
    moment = utc(2024, 3, 12, 12, 30)
    assert SendWindow().next_open(moment, LONDON) == moment


def test_next_open_later_today_tomorrow_or_after_the_weekend() -> None:
    window = SendWindow()
    assert window.next_open(utc(2024, 3, 12, 9), LONDON) == utc(2024, 3, 12, 12)
    assert window.next_open(utc(2024, 3, 12, 14), LONDON) == utc(2024, 3, 13, 12)
    assert window.next_open(utc(2024, 3, 15, 14), LONDON) == utc(2024, 3, 18, 12)  # Fri -> Mon


def test_next_open_across_spring_forward_keeps_local_noon() -> None:
    # Friday 29 March 2024 after the window; Monday 1 April is in BST.
    assert SendWindow().next_open(utc(2024, 3, 29, 14), LONDON) == utc(2024, 4, 1, 11)
