"""The people-level rules every proactive prompt obeys at send time.

Quiet hours, quiet weekends, snooze, pause, opt-out, the pulse's send window and the
organisation's fatigue cap. A prompt that would break one is deferred to the next moment
that satisfies all of them at once, or skipped with a reason; never sent late at night.
Pure: `now` and every other time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.local_time import SendWindow, in_span, wall
from bot.policy import QUIET_END, QUIET_START, FatigueCap

# Each rule moves the candidate forward to where that rule is satisfied; a week of
# boundaries (quiet hours, weekend, window) plus the cap settles in far fewer steps.
# Hitting this means the rules together leave no moment at all.
MAX_STEPS = 100


@dataclass(frozen=True)
class PersonWishes:
    """What a person asked for; quiet hours are local wall times and may span midnight."""

    quiet_start: time | None = QUIET_START
    quiet_end: time | None = QUIET_END
    quiet_weekends: bool = True
    snoozed_until: datetime | None = None
    paused: bool = False
    opted_out: bool = False

    def quiet_at(self, local: datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None:
            return False
        if self.quiet_start == self.quiet_end:
            return False  # an empty span, not a whole day: "no quiet hours"
        return in_span(local.time(), self.quiet_start, self.quiet_end)


@dataclass(frozen=True)
class SendNow:
    at: datetime


@dataclass(frozen=True)
class Defer:
    until: datetime  # aware UTC, the earliest moment every rule allows
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Skip:
    reason: str


Decision = SendNow | Defer | Skip


OUTSIDE_WINDOW = "outside the send window"


def decide(
    now: datetime,
    zone: ZoneInfo,
    wishes: PersonWishes,
    recent_prompt_times: Iterable[datetime],
    window: SendWindow | None = None,
    cap: FatigueCap | None = None,
) -> Decision:
    """Whether a prompt goes to this person now, later (and when), or not at all.

    `recent_prompt_times` are the person's prompts already sent, reminders included.
    """
    if wishes.opted_out:
        return Skip("opted out")
    if wishes.paused:
        return Skip("paused")
    moment, reasons = earliest_allowed(
        now, zone, wishes, window=window, recent=recent_prompt_times, cap=cap or FatigueCap()
    )
    if moment is None:
        return Skip("no moment satisfies quiet hours, weekends and the send window together")
    if moment == now:
        return SendNow(now)
    return Defer(moment, reasons)


def earliest_allowed(
    now: datetime,
    zone: ZoneInfo,
    wishes: PersonWishes,
    *,
    window: SendWindow | None = None,
    recent: Iterable[datetime] = (),
    cap: FatigueCap | None = None,
) -> tuple[datetime | None, tuple[str, ...]]:
    """The first moment at or after `now` that breaks no rule (None if there is none),
    and the rules that pushed it later. Ignores pause and opt-out: `decide` skips those."""
    if now.tzinfo is None:
        raise ValueError("earliest_allowed needs an aware datetime")
    moment = now.astimezone(UTC)
    sent = sorted(t.astimezone(UTC) for t in recent)
    reasons: list[str] = []
    for _ in range(MAX_STEPS):
        later, reason = _first_rule_broken(moment, zone, wishes, window, sent, cap)
        if later is None:
            return moment, tuple(reasons)
        if reason not in reasons:
            reasons.append(reason)
        # Every rule's answer is strictly later; the minute is a guard against a wall
        # time that zoneinfo maps backwards around a clock change.
        moment = later if later > moment else moment + timedelta(minutes=1)
    return None, tuple(reasons)


def _first_rule_broken(
    moment: datetime,
    zone: ZoneInfo,
    wishes: PersonWishes,
    window: SendWindow | None,
    sent: list[datetime],
    cap: FatigueCap | None,
) -> tuple[datetime | None, str]:
    """The first broken rule at `moment` and the earliest moment it allows; (None, "")."""
    if wishes.snoozed_until is not None and wishes.snoozed_until > moment:
        return wishes.snoozed_until.astimezone(UTC), "snoozed"
    if cap is not None:
        # Conservative: a prompt at or after `moment` counts as much as an earlier one.
        counted = [t for t in sent if t > moment - cap.period]
        if len(counted) >= cap.max_prompts:
            # Allowed again once enough of the oldest have aged out of the period.
            oldest_to_go = counted[len(counted) - cap.max_prompts]
            return oldest_to_go + cap.period, (
                f"fatigue cap: {cap.max_prompts} prompts in {cap.days} days"
            )
    local = moment.astimezone(zone)
    if wishes.quiet_weekends and local.weekday() >= 5:
        monday = local.date() + timedelta(days=7 - local.weekday())
        return wall(monday, time(0), zone, after=moment), "weekend"
    if wishes.quiet_at(local):
        assert wishes.quiet_end is not None  # quiet_at is False without both ends
        day = local.date()
        if local.time() >= wishes.quiet_end:  # spans midnight and it is still evening
            day += timedelta(days=1)
        return wall(day, wishes.quiet_end, zone, after=moment), "quiet hours"
    if window is not None and not window.contains(moment, zone):
        return window.next_open(moment, zone), OUTSIDE_WINDOW
    return None, ""


def reminder_due(
    sent_at: datetime,
    hours: float = 24,
    *,
    zone: ZoneInfo,
    wishes: PersonWishes | None = None,
    window: SendWindow | None = None,
    closes: datetime | None = None,
) -> datetime | None:
    """When the one reminder to a non-responder is due: `hours` after the prompt, moved
    out of quiet hours, weekends and snooze and into the window. None if the pulse
    closes first (or no moment fits). The fatigue cap is checked at send time by `decide`.
    """
    if hours <= 0:
        raise ValueError("a reminder comes a positive number of hours after the prompt")
    moment, _reasons = earliest_allowed(
        sent_at + timedelta(hours=hours), zone, wishes or PersonWishes(), window=window
    )
    if moment is None or (closes is not None and moment >= closes):
        return None
    return moment


def closes_at(opened_at: datetime, days: int = 7) -> datetime:
    """When an occurrence stops taking answers: `days` of elapsed time after it opened."""
    if opened_at.tzinfo is None:
        raise ValueError("closes_at needs an aware datetime")
    if days < 1:
        raise ValueError("a pulse stays open for at least one day")
    return opened_at.astimezone(UTC) + timedelta(days=days)
