"""Send-time rules: quiet hours, weekends, snooze, pause, opt-out, window, fatigue cap."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.local_time import SendWindow
from bot.outbox.send_rules import (
    Defer,
    PersonWishes,
    SendNow,
    Skip,
    closes_at,
    decide,
    reminder_due,
)
from bot.policy import FatigueCap
from tests.unit.bot.time_helpers import utc

LONDON = ZoneInfo("Europe/London")  # GMT = UTC until 31 March 2024
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
DEFAULTS = PersonWishes()


TUESDAY_10 = utc(2024, 3, 12, 10)


def deferred_until(decision: object) -> datetime:
    assert isinstance(decision, Defer), decision
    return decision.until


# --- pause, opt-out ---


def test_an_opted_out_person_is_skipped_with_the_reason() -> None:
    assert decide(TUESDAY_10, LONDON, PersonWishes(opted_out=True), []) == Skip("opted out")


def test_a_paused_person_is_skipped_with_the_reason() -> None:
    assert decide(TUESDAY_10, LONDON, PersonWishes(paused=True), []) == Skip("paused")


def test_opting_out_outranks_pausing() -> None:
    wishes = PersonWishes(paused=True, opted_out=True)
    assert decide(TUESDAY_10, LONDON, wishes, []) == Skip("opted out")


def test_a_weekday_morning_with_no_history_sends_now() -> None:
    assert decide(TUESDAY_10, LONDON, DEFAULTS, []) == SendNow(TUESDAY_10)


# --- quiet hours ---


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (utc(2024, 3, 12, 19), utc(2024, 3, 13, 7)),  # the first quiet minute
        (utc(2024, 3, 12, 23, 30), utc(2024, 3, 13, 7)),  # late evening: tomorrow morning
        (utc(2024, 3, 13, 3), utc(2024, 3, 13, 7)),  # after midnight: this morning
        (utc(2024, 3, 13, 6, 59), utc(2024, 3, 13, 7)),
    ],
)
def test_quiet_hours_spanning_midnight_defer_to_their_end(now: datetime, until: datetime) -> None:
    decision = decide(now, LONDON, DEFAULTS, [])
    assert decision == Defer(until, ("quiet hours",))


@pytest.mark.parametrize("now", [utc(2024, 3, 12, 7), utc(2024, 3, 12, 18, 59)])
def test_the_edges_of_the_day_are_not_quiet(now: datetime) -> None:
    assert decide(now, LONDON, DEFAULTS, []) == SendNow(now)


def test_quiet_hours_are_in_the_persons_local_time() -> None:
    now = utc(2024, 3, 12, 15)  # 15:00 in London, 20:30 in Kolkata
    assert decide(now, LONDON, DEFAULTS, []) == SendNow(now)
    assert deferred_until(decide(now, KOLKATA, DEFAULTS, [])) == utc(2024, 3, 13, 1, 30)


def test_edited_quiet_hours_within_the_day() -> None:
    wishes = PersonWishes(quiet_start=time(8), quiet_end=time(17))  # clinic hours
    assert deferred_until(decide(TUESDAY_10, LONDON, wishes, [])) == utc(2024, 3, 12, 17)


def test_no_quiet_hours_means_late_evening_is_allowed() -> None:
    now = utc(2024, 3, 12, 23)
    for wishes in (
        PersonWishes(quiet_start=None, quiet_end=None),
        PersonWishes(quiet_start=time(22), quiet_end=time(22)),  # an empty span
    ):
        assert decide(now, LONDON, wishes, []) == SendNow(now)


def test_quiet_hours_end_at_local_seven_across_spring_forward() -> None:
    # Saturday 9 March 2024, 22:00 EST; clocks go forward overnight; 07:00 EDT is 11:00 UTC.
    wishes = PersonWishes(quiet_weekends=False)
    now = utc(2024, 3, 10, 3)
    assert deferred_until(decide(now, NEW_YORK, wishes, [])) == utc(2024, 3, 10, 11)


def test_quiet_hours_end_at_local_seven_across_fall_back() -> None:
    # Saturday 26 October 2024, 22:00 BST; clocks go back overnight; 07:00 GMT is 07:00 UTC.
    wishes = PersonWishes(quiet_weekends=False)
    now = utc(2024, 10, 26, 21)
    assert deferred_until(decide(now, LONDON, wishes, [])) == utc(2024, 10, 27, 7)


# --- weekends ---


def test_a_saturday_defers_to_monday_morning() -> None:
    decision = decide(utc(2024, 3, 16, 10), LONDON, DEFAULTS, [])
    assert decision == Defer(utc(2024, 3, 18, 7), ("weekend", "quiet hours"))


def test_friday_evening_runs_through_the_weekend_to_monday_morning() -> None:
    assert deferred_until(decide(utc(2024, 3, 15, 20), LONDON, DEFAULTS, [])) == utc(2024, 3, 18, 7)


def test_the_weekend_is_the_persons_weekend() -> None:
    # Saturday 00:30 in Kolkata is still Friday 19:00 in London... which is quiet there too,
    # but only Kolkata's answer waits for Monday.
    now = utc(2024, 3, 15, 19)
    assert deferred_until(decide(now, KOLKATA, DEFAULTS, [])) == utc(2024, 3, 18, 1, 30)
    assert deferred_until(decide(now, LONDON, DEFAULTS, [])) == utc(2024, 3, 18, 7)


def test_a_person_may_allow_weekends() -> None:
    now = utc(2024, 3, 16, 10)
    assert decide(now, LONDON, PersonWishes(quiet_weekends=False), []) == SendNow(now)


# --- snooze ---


def test_snooze_defers_to_its_end() -> None:
    wishes = PersonWishes(snoozed_until=utc(2024, 3, 14, 9))
    assert decide(TUESDAY_10, LONDON, wishes, []) == Defer(utc(2024, 3, 14, 9), ("snoozed",))


def test_a_snooze_ending_at_night_waits_for_the_morning() -> None:
    wishes = PersonWishes(snoozed_until=utc(2024, 3, 14, 22))
    decision = decide(TUESDAY_10, LONDON, wishes, [])
    assert decision == Defer(utc(2024, 3, 15, 7), ("snoozed", "quiet hours"))


def test_an_expired_snooze_changes_nothing() -> None:
    wishes = PersonWishes(snoozed_until=TUESDAY_10 - timedelta(minutes=1))
    assert decide(TUESDAY_10, LONDON, wishes, []) == SendNow(TUESDAY_10)


# --- send window ---


def test_before_the_window_defers_to_its_start() -> None:
    decision = decide(TUESDAY_10, LONDON, DEFAULTS, [], window=SendWindow())
    assert decision == Defer(utc(2024, 3, 12, 12), ("outside the send window",))


def test_inside_the_window_sends() -> None:
    now = utc(2024, 3, 12, 12, 45)
    assert decide(now, LONDON, DEFAULTS, [], window=SendWindow()) == SendNow(now)


def test_after_the_window_defers_to_the_next_allowed_day() -> None:
    window = SendWindow(time(12), time(13), frozenset({2}))  # Wednesdays only
    assert deferred_until(decide(utc(2024, 3, 13, 14), LONDON, DEFAULTS, [], window)) == utc(
        2024, 3, 20, 12
    )


def test_a_window_no_rule_lets_through_is_skipped_with_a_reason() -> None:
    weekend_window = SendWindow(time(12), time(13), frozenset({5, 6}))
    decision = decide(TUESDAY_10, LONDON, DEFAULTS, [], window=weekend_window)
    assert isinstance(decision, Skip)
    assert "no moment" in decision.reason
    evening_window = SendWindow(time(20), time(21))
    assert isinstance(decide(TUESDAY_10, LONDON, DEFAULTS, [], window=evening_window), Skip)


# --- fatigue cap ---


def test_one_recent_prompt_is_under_the_cap() -> None:
    assert decide(TUESDAY_10, LONDON, DEFAULTS, [TUESDAY_10 - timedelta(days=1)]) == SendNow(
        TUESDAY_10
    )


def test_the_cap_defers_until_the_oldest_prompt_ages_out() -> None:
    oldest = TUESDAY_10 - timedelta(days=6)  # Wednesday 10:00
    recent = [oldest, TUESDAY_10 - timedelta(days=1)]
    decision = decide(TUESDAY_10, LONDON, DEFAULTS, recent)
    assert decision == Defer(oldest + timedelta(days=7), ("fatigue cap: 2 prompts in 7 days",))


def test_a_prompt_exactly_a_period_ago_no_longer_counts() -> None:
    recent = [TUESDAY_10 - timedelta(days=7), TUESDAY_10 - timedelta(days=1)]
    assert decide(TUESDAY_10, LONDON, DEFAULTS, recent) == SendNow(TUESDAY_10)


def test_over_the_cap_waits_for_enough_prompts_to_age_out() -> None:
    recent = [TUESDAY_10 - timedelta(days=d, hours=1) for d in (6, 5, 1)]  # 3 > 2
    # Two must remain at most before a third: the second oldest has to go.
    assert deferred_until(decide(TUESDAY_10, LONDON, DEFAULTS, recent)) == recent[1] + timedelta(
        days=7
    )


def test_the_cap_then_obeys_quiet_hours_and_the_window() -> None:
    recent = [utc(2024, 3, 6, 20), utc(2024, 3, 11, 12)]  # the first ages out at 20:00
    decision = decide(TUESDAY_10, LONDON, DEFAULTS, recent, window=SendWindow())
    assert decision == Defer(
        utc(2024, 3, 14, 12),
        ("fatigue cap: 2 prompts in 7 days", "quiet hours", "outside the send window"),
    )


def test_an_organisation_may_set_its_own_cap() -> None:
    recent = [TUESDAY_10 - timedelta(days=2)]
    strict = FatigueCap(max_prompts=1, days=3)
    assert deferred_until(decide(TUESDAY_10, LONDON, DEFAULTS, recent, cap=strict)) == utc(
        2024, 3, 13, 10
    )
    lenient = FatigueCap(max_prompts=5, days=7)
    assert decide(TUESDAY_10, LONDON, DEFAULTS, recent * 4, cap=lenient) == SendNow(TUESDAY_10)


def test_a_cap_must_allow_something() -> None:
    with pytest.raises(ValueError):
        FatigueCap(max_prompts=0)
    with pytest.raises(ValueError):
        FatigueCap(days=0)


def test_recent_times_in_any_zone_count_the_same() -> None:
    recent = [dt.astimezone(KOLKATA) for dt in (utc(2024, 3, 7, 10), utc(2024, 3, 11, 10))]
    assert deferred_until(decide(TUESDAY_10, LONDON, DEFAULTS, recent)) == utc(2024, 3, 14, 10)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(datetime(2024, 3, 12, 10), LONDON, DEFAULTS, [])


# --- reminders ---


def test_a_reminder_is_due_the_given_hours_later() -> None:
    assert reminder_due(TUESDAY_10, zone=LONDON) == utc(2024, 3, 13, 10)
    assert reminder_due(TUESDAY_10, 4, zone=LONDON) == utc(2024, 3, 12, 14)


def test_a_reminder_obeys_quiet_hours_weekends_and_the_window() -> None:
    assert reminder_due(utc(2024, 3, 12, 20), zone=LONDON) == utc(2024, 3, 14, 7)
    friday_noon = utc(2024, 3, 15, 12)
    assert reminder_due(friday_noon, zone=LONDON) == utc(2024, 3, 18, 7)
    assert reminder_due(friday_noon, zone=LONDON, window=SendWindow()) == utc(2024, 3, 18, 12)


def test_a_reminder_waits_for_a_snooze() -> None:
    wishes = PersonWishes(snoozed_until=utc(2024, 3, 14, 9))
    assert reminder_due(TUESDAY_10, zone=LONDON, wishes=wishes) == utc(2024, 3, 14, 9)


def test_no_reminder_if_the_pulse_closes_first() -> None:
    friday_noon = utc(2024, 3, 15, 12)
    closes = closes_at(utc(2024, 3, 11, 12), days=7)  # next Monday noon
    assert reminder_due(friday_noon, zone=LONDON, closes=closes) == utc(2024, 3, 18, 7)
    assert reminder_due(friday_noon, zone=LONDON, window=SendWindow(), closes=closes) is None


def test_a_reminder_needs_a_positive_delay() -> None:
    with pytest.raises(ValueError):
        reminder_due(TUESDAY_10, 0, zone=LONDON)


# --- closing ---


def test_an_occurrence_closes_after_the_given_days() -> None:
    assert closes_at(TUESDAY_10) == utc(2024, 3, 19, 10)
    assert closes_at(TUESDAY_10, days=3) == utc(2024, 3, 15, 10)


def test_closing_counts_elapsed_time_across_dst() -> None:
    opened = utc(2024, 3, 28, 12)  # 12:00 GMT; a week later it is 13:00 BST, same instant + 7d
    assert closes_at(opened.astimezone(LONDON)) == utc(2024, 4, 4, 12)


def test_closing_needs_an_aware_time_and_a_day() -> None:
    with pytest.raises(ValueError):
        closes_at(datetime(2024, 3, 12))
    with pytest.raises(ValueError):
        closes_at(TUESDAY_10, days=0)


def test_quiet_hours_ending_in_a_skipped_hour_end_when_the_clocks_jump() -> None:
    # Quiet 00:00-02:15 in New York on 10 March 2024, when 02:00 jumps to 03:00: asked at
    # 01:45, the prompt may go at the jump, not at 03:15.
    wishes = PersonWishes(quiet_start=time(0), quiet_end=time(2, 15), quiet_weekends=False)
    decision = decide(utc(2024, 3, 10, 6, 45), NEW_YORK, wishes, [], window=None)
    assert isinstance(decision, Defer)
    assert decision.until == utc(2024, 3, 10, 7)
