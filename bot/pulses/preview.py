"""Who a pulse will reach and when, before it is saved or sent: "9 clinicians at 3 sites
in 2 time zones; first prompts Tue 12:00 in Chicago, 12:00 in Denver".

The times are the schedule's next fire in each recipient zone, placed in the send
window; a cron whose own time falls outside the window is said to move (never at
night), and a send now says when prompts really arrive and why any would wait.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.context import BotContext
from bot.messages import Say
from bot.outbox.send_check import window_of, wishes_of
from bot.outbox.send_rules import OUTSIDE_WINDOW, Defer, SendNow, decide
from bot.pulses.audience import Audience, zone_of
from bot.pulses.schedule import Schedule, ScheduleError, next_fire
from storage.models import Person, Pulse


@dataclass(frozen=True)
class Reach:
    people: int
    sites: int
    # Each recipient zone and how many people live in it.
    zones: dict[str, int]


def reach(ctx: BotContext, audience: Audience, people: Sequence[Person]) -> Reach:
    chosen = [person for person in people if audience.matches(person)]
    zones: dict[str, int] = defaultdict(int)
    for person in chosen:
        zones[zone_of(ctx, person)] += 1
    sites = {person.site for person in chosen if person.site}
    return Reach(len(chosen), len(sites), dict(zones))


def first_sends(schedule: Schedule, zones: Sequence[str], now: datetime) -> dict[str, datetime]:
    """Each zone's first send, in that zone's local time (zones that never fire left out)."""
    found = {}
    for zone in sorted(zones):
        try:
            found[zone] = next_fire(schedule, ZoneInfo(zone), now).astimezone(ZoneInfo(zone))
        except ScheduleError:
            continue
    return found


def describe_reach(
    say: Say, found: Reach, firsts: dict[str, datetime], sample: float | None
) -> str:
    """One sentence: how many, where, and each zone's first prompt in its own time."""
    whens = [f"{moment:%a %d %b %H:%M} in {city(zone)}" for zone, moment in firsts.items()]
    about = " " + say("pulse.preview.sample", percent=round(100 * sample)) if sample else ""
    return say(
        "pulse.preview",
        people=_count(say, "pulse.preview.person", found.people),
        sites=_count(say, "pulse.preview.site", found.sites),
        zones=_count(say, "pulse.preview.zone", len(found.zones)),
        firsts=", ".join(whens) or say("pulse.preview.never"),
        sample=about,
    ).replace("  ", " ")


def moved_into_window(say: Say, schedule: Schedule) -> str | None:
    """For a cron with a fixed time outside the send window (e.g. 03:00), the sentence
    saying it sends at the window's start instead; None otherwise."""
    if schedule.cron is None:
        return None
    minute, hour = schedule.cron.split()[:2]
    if not (minute.isdigit() and hour.isdigit()):
        return None
    fires = time(int(hour) % 24, int(minute) % 60)
    window = schedule.window
    if window.start <= fires < window.end:
        return None
    return say(
        "pulse.note.moved_into_window",
        schedule=schedule.cron,
        fires=f"{fires:%H:%M}",
        window=f"{window.start:%H:%M}-{window.end:%H:%M}",
        window_start=f"{window.start:%H:%M}",
    )


def city(zone: str) -> str:
    """ "America/Chicago" -> "Chicago": how people name a zone."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _count(say: Say, key: str, count: int) -> str:
    if key.endswith(".site"):  # " at 2 sites"; nobody's site known: nothing of sites
        counted = say(f"{key}.one" if count == 1 else f"{key}.many", count=count)
        return " " + say("pulse.preview.at_sites", sites=counted) if count else ""
    return say(f"{key}.one" if count == 1 else f"{key}.many", count=count)


def describe_arrivals(
    say: Say, ctx: BotContext, pulse: Pulse, people: Sequence[Person], now: datetime
) -> str:
    """When the prompts of a send just queued really arrive, by the rules the outbox
    applies at send time: now, or at the first moment allowed (and why), or held back."""
    tally = _tally(ctx, pulse, people, now)
    parts = []
    if tally.right_away:
        parts.append(
            say("pulse.arrive.now", people=_count(say, "pulse.preview.person", tally.right_away))
        )
    if tally.later:
        whens = ", ".join(
            f"{when} in {where} ({count})" for (when, where), count in tally.later.items()
        )
        why = "; ".join(sorted(tally.reasons))
        if tally.right_away or tally.paused:
            waiting = _count(say, "pulse.preview.person", sum(tally.later.values()))
            parts.append(say("pulse.arrive.later", people=waiting, whens=whens, why=why))
        else:
            parts.append(say("pulse.arrive.none_now", whens=whens, why=why))
    if tally.paused:
        parts.append(
            say("pulse.arrive.held", people=_count(say, "pulse.preview.person", tally.paused))
        )
    return " ".join(parts)


def nobody_now(ctx: BotContext, pulse: Pulse, people: Sequence[Person], now: datetime) -> bool:
    """Whether no one of a send just queued can be asked right now ("Queued", not "Sent")."""
    return _tally(ctx, pulse, people, now).right_away == 0


@dataclass
class _Tally:
    right_away: int = 0
    paused: int = 0
    later: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    reasons: set[str] = field(default_factory=set)


def _tally(ctx: BotContext, pulse: Pulse, people: Sequence[Person], now: datetime) -> _Tally:
    window = window_of(pulse)
    tally = _Tally()
    for person in people:
        zone = ZoneInfo(zone_of(ctx, person))
        decision = decide(now, zone, wishes_of(ctx, person), (), window, ctx.fatigue_cap)
        if isinstance(decision, SendNow):
            tally.right_away += 1
        elif isinstance(decision, Defer):
            local = decision.until.astimezone(zone)
            tally.later[(f"{local:%a %d %b %H:%M}", city(zone.key))] += 1
            off_day = window is not None and now.astimezone(zone).weekday() not in window.days
            for reason in decision.reasons:
                # A day the pulse does not run on is the cause: name its days.
                if reason == OUTSIDE_WINDOW and off_day and window is not None:
                    reason = f"this pulse runs {say_days(window.days)}"
                tally.reasons.add(reason)
        else:
            tally.paused += 1
    return tally


def say_days(days: frozenset[int]) -> str:
    """Days as people write them: "Mon-Fri" for a run of days, else "Mon, Wed"."""
    ordered = sorted(days)
    names = [_DAY_LABELS[day] for day in ordered]
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[0]}-{names[-1]}"
    return ", ".join(names)


_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
