"""Properties of `decide`: a decided send time breaks no rule and is the earliest that
breaks none. Checked against a direct reading of the rules on a quarter-hour grid (every
boundary the strategies generate lies on it, DST changes and odd offsets included)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.local_time import SendWindow
from bot.outbox.send_rules import Defer, PersonWishes, SendNow, Skip, decide
from bot.policy import FatigueCap

QUARTER = timedelta(minutes=15)
ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Asia/Kathmandu",  # +05:45
        "Pacific/Auckland",
    )
]
# Clock changes in 2024: the properties must hold around them, not only in plain weeks.
DST_CHANGES = [
    datetime(2024, 3, 10, 7, tzinfo=UTC),  # New York forward
    datetime(2024, 3, 31, 1, tzinfo=UTC),  # London forward
    datetime(2024, 4, 6, 16, tzinfo=UTC),  # Sydney back
    datetime(2024, 10, 5, 16, tzinfo=UTC),  # Sydney forward
    datetime(2024, 10, 27, 1, tzinfo=UTC),  # London back
    datetime(2024, 11, 3, 6, tzinfo=UTC),  # New York back
]

quarter_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
anywhere = st.integers(0, 4 * 24 * 366).map(
    lambda n: datetime(2024, 1, 1, tzinfo=UTC) + n * QUARTER
)
near_a_change = st.builds(
    lambda change, n: change + n * QUARTER,
    st.sampled_from(DST_CHANGES),
    st.integers(-4 * 24 * 3, 4 * 24 * 3),
)
nows = st.one_of(anywhere, near_a_change)
windows = st.one_of(
    st.none(),
    st.builds(
        lambda start, hours, days: SendWindow(time(start), time(start + hours), frozenset(days)),
        st.integers(6, 17),
        st.integers(1, 5),
        st.sets(st.integers(0, 6), min_size=1),
    ),
)


@st.composite
def situations(
    draw: st.DrawFn,
) -> tuple[datetime, ZoneInfo, PersonWishes, list[datetime], SendWindow | None]:
    now = draw(nows)
    quiet = draw(st.one_of(st.none(), st.tuples(quarter_times, quarter_times)))
    snooze = draw(st.one_of(st.none(), st.integers(-4 * 24, 4 * 24 * 5)))
    wishes = PersonWishes(
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
        quiet_weekends=draw(st.booleans()),
        snoozed_until=now + snooze * QUARTER if snooze is not None else None,
    )
    ages = draw(st.lists(st.integers(0, 4 * 24 * 10), max_size=4))
    recent = [now - age * QUARTER for age in ages]
    return now, draw(st.sampled_from(ZONES)), wishes, recent, draw(windows)


def breaks_a_rule(
    moment: datetime,
    zone: ZoneInfo,
    wishes: PersonWishes,
    recent: list[datetime],
    window: SendWindow | None,
    cap: FatigueCap,
) -> bool:
    """The rules as the issue states them, read directly at one moment."""
    local = moment.astimezone(zone)
    if wishes.quiet_weekends and local.weekday() in (5, 6):
        return True
    if wishes.quiet_start is not None and wishes.quiet_end is not None:
        start, end, now = wishes.quiet_start, wishes.quiet_end, local.time()
        if start < end and start <= now < end:
            return True
        if start > end and (now >= start or now < end):
            return True
    if window is not None and not (
        local.weekday() in window.days and window.start <= local.time() < window.end
    ):
        return True
    if wishes.snoozed_until is not None and moment < wishes.snoozed_until:
        return True
    return sum(1 for sent in recent if moment - cap.period < sent) >= cap.max_prompts


@settings(max_examples=300, deadline=None)
@given(situations())
def test_a_decided_time_breaks_no_rule_and_none_earlier_is_allowed(
    situation: tuple[datetime, ZoneInfo, PersonWishes, list[datetime], SendWindow | None],
) -> None:
    now, zone, wishes, recent, window = situation
    cap = FatigueCap()
    decision = decide(now, zone, wishes, recent, window=window, cap=cap)
    if isinstance(decision, Skip):
        # Only when nothing in the next four weeks would do (snooze and cap end sooner).
        horizon = range(4 * 24 * 28)
        assert all(
            breaks_a_rule(now + n * QUARTER, zone, wishes, recent, window, cap) for n in horizon
        )
        return
    moment = decision.at if isinstance(decision, SendNow) else decision.until
    assert moment >= now
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert not breaks_a_rule(moment, zone, wishes, recent, window, cap)
    if isinstance(decision, Defer):
        assert decision.reasons
        earlier = now
        while earlier < moment:
            assert breaks_a_rule(earlier, zone, wishes, recent, window, cap)
            earlier += QUARTER
    else:
        assert moment == now


@settings(max_examples=200, deadline=None)
@given(nows, st.sampled_from(ZONES), st.lists(st.integers(0, 4 * 24 * 14), max_size=6))
def test_sending_every_time_decide_allows_never_breaks_the_cap(
    start: datetime, zone: ZoneInfo, ages: list[int]
) -> None:
    """A stream of prompts, each sent at the moment decide picks, never puts more than two
    in any seven days, and none lands at night or on a weekend."""
    cap = FatigueCap()
    sent: list[datetime] = []
    now = start
    for gap in ages:
        now += gap * QUARTER
        decision = decide(now, zone, PersonWishes(), sent, cap=cap)
        assert not isinstance(decision, Skip)
        moment = decision.at if isinstance(decision, SendNow) else decision.until
        sent.append(moment)
        now = moment
    for moment in sent:
        local = moment.astimezone(zone)
        assert local.weekday() < 5 and time(7) <= local.time() < time(19)
        assert sum(1 for other in sent if moment <= other < moment + cap.period) <= 2
