"""Pulse definitions: what to ask whom, when. Create, list, pause, resume, delete.

Every pulse belongs to one organisation: it is found, listed and changed only within
it (its name is unique there, not across organisations), and asks only its people.

A pulse asks either an explicit ordered list of 1-5 prompts, or rotates through a bank:
each occurrence asks the bank's next N questions, wrapping round. Every mistake in a
definition is refused with a sentence the wellness lead can act on (PulseProblem, whose
copy key is under `pulse.error.`); nothing is stored until the whole definition is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import actions
from bot.context import BotContext, Turn
from bot.errors import BadAction
from bot.events import ActionInvoked
from bot.local_time import describe_days
from bot.messages import Button, ButtonStyle, OutboundMessage
from bot.privacy.audit import Actor, Audited, in_chat, record
from bot.pulses import participation
from bot.pulses import runs as pulse_runs
from bot.pulses.audience import (
    EVERYONE,
    Audience,
    PulseProblem,
    PulseProblems,
    candidates,
    check_reaches_someone,
    parse_audience,
    unknown_values,
    with_full_site_names,
)
from bot.pulses.preview import describe_arrivals, nobody_now
from bot.pulses.schedule import Schedule, ScheduleError, next_fire, parse_days, parse_schedule
from storage.deliveries import DeliveryRepository
from storage.models import Pulse
from storage.pulses import PulseRepository
from storage.states import Anonymity

MAX_PROMPTS = 5
MAX_NAME = 100
MAX_CLOSE_AFTER_DAYS = 60
DEFAULT_WINDOW = ("12:00", "13:00")
Replies = list[OutboundMessage]
T = TypeVar("T")
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class PulseSpec:
    """A pulse as the wellness lead asked for it, before validation."""

    name: str
    prompts: tuple[str, ...] = ()
    rotate_bank: str | None = None
    per_occurrence: int | None = None  # with a bank; None: 1
    per_occurrence_text: str | None = None  # the form's words, when they are not a number
    audience: tuple[str, ...] = (EVERYONE,)
    sample: float | None = None
    schedule: str = "weekly"
    window: str | None = None  # "HH:MM-HH:MM" local; None: 12:00-13:00
    days: str | None = None  # "mon-fri", "mon,wed"; None: the schedule's default
    anchor: date | None = None  # every two weeks counts from here; None: today
    reminder_hours: int | None = 24  # None: no reminder
    close_after_days: int = 7
    anonymity: str = Anonymity.CONFIDENTIAL


@dataclass(frozen=True)
class CheckedPulse:
    """A definition that passed every check, ready to store (or to preview first)."""

    name: str
    prompt_ids: list[str]
    per_occurrence: int
    audience: Audience
    schedule: Schedule
    window: tuple[str, str]
    anchor: date
    spec: PulseSpec


async def check_pulse(
    session: AsyncSession,
    ctx: BotContext,
    organisation_id: int,
    spec: PulseSpec,
    *,
    editing: Pulse | None = None,
) -> CheckedPulse:
    """Every check of a definition, all of them (PulseProblems lists every mistake at
    once): the CLI, the chat form and an edit share this one place."""
    now = ctx.clock.now()
    problems: list[PulseProblem] = []
    name = " ".join(spec.name.split())
    if not name or len(name) > MAX_NAME:
        problems.append(PulseProblem("name", limit=MAX_NAME))
    else:
        same = await PulseRepository(session).by_name(organisation_id, name)
        if same is not None and (editing is None or same.id != editing.id):
            problems.append(PulseProblem("duplicate_name", name=name))
    no_prompts: tuple[list[str], int] = ([], 1)
    prompt_ids, per_occurrence = _gather(problems, lambda: _check_prompts(ctx, spec), no_prompts)
    if spec.per_occurrence_text is not None:
        problems.append(PulseProblem("per_send_not_a_number", value=spec.per_occurrence_text))
    people = await candidates(session, organisation_id)
    audience = _gather(problems, lambda: parse_audience(spec.audience), None)
    if audience is not None:
        audience = with_full_site_names(audience, people)
        unknown = unknown_values(audience, people)
        problems += unknown
        if not unknown and not any(audience.matches(person) for person in people):
            problems.append(PulseProblem("nobody", audience=audience.describe()))
    if spec.sample is not None and not 0 < spec.sample <= 1:
        problems.append(PulseProblem("sample", sample=spec.sample))
    window = _gather(problems, lambda: parse_window(spec.window), None)
    anchor = spec.anchor or (editing.anchor_date if editing else None) or now.date()
    schedule = None
    # Days apart from the schedule, so a bad day and a bad "how often" both show at once.
    days_ok = _gather(problems, lambda: _check_days(spec.days), False)
    days = spec.days if days_ok else None
    if window is not None:
        start, end = window
        schedule = _gather(
            problems,
            lambda: _check_schedule(spec.schedule, start, end, days, anchor, now),
            None,
        )
    _gather(problems, lambda: _check_timing(spec.reminder_hours, spec.close_after_days), None)
    if spec.anonymity not in set(Anonymity):
        problems.append(
            PulseProblem("anonymity", anonymity=spec.anonymity, known=", ".join(Anonymity))
        )
    if len(problems) == 1:
        raise problems[0]
    if problems or audience is None or schedule is None or window is None or not days_ok:
        raise PulseProblems(problems)
    return CheckedPulse(name, prompt_ids, per_occurrence, audience, schedule, window, anchor, spec)


def _gather(problems: list[PulseProblem], check: Callable[[], T], fallback: T) -> T:
    """The check's result, or `fallback` with its problem noted (to report them all)."""
    try:
        return check()
    except PulseProblems as several:
        problems += several.problems
    except PulseProblem as problem:
        problems.append(problem)
    return fallback


async def create_pulse(
    session: AsyncSession, ctx: BotContext, organisation_id: int, spec: PulseSpec
) -> Pulse:
    """Validate the whole definition and store it in the organisation; PulseProblems
    listing every mistake otherwise."""
    checked = await check_pulse(session, ctx, organisation_id, spec)
    return await store_pulse(session, ctx, organisation_id, checked)


async def store_pulse(
    session: AsyncSession,
    ctx: BotContext,
    organisation_id: int,
    checked: CheckedPulse,
    *,
    editing: Pulse | None = None,
) -> Pulse:
    """A checked definition, as a new pulse or over the one being edited."""
    now = ctx.clock.now()
    name, spec, schedule, audience = checked.name, checked.spec, checked.schedule, checked.audience
    prompt_ids, per_occurrence, anchor = checked.prompt_ids, checked.per_occurrence, checked.anchor
    start, end = checked.window
    if editing is not None:
        editing.name = name
        editing.prompt_ids = prompt_ids
        if editing.rotate_bank_id != spec.rotate_bank:
            editing.rotation_index = 0
        editing.rotate_bank_id = spec.rotate_bank
        editing.prompts_per_occurrence = per_occurrence
        editing.audience = audience.to_json()
        editing.sample_fraction = None if spec.sample in (None, 1) else spec.sample
        editing.schedule = schedule.preset.value if schedule.preset else schedule.cron
        editing.send_window_start, editing.send_window_end = start, end
        editing.days_of_week = describe_days(schedule.window.days)
        editing.anchor_date = anchor
        editing.reminder_after_hours = spec.reminder_hours
        editing.close_after_days = spec.close_after_days
        editing.anonymity = spec.anonymity
        editing.updated_at = now
        return editing
    pulse = Pulse(
        organisation_id=organisation_id,
        name=name,
        prompt_ids=prompt_ids,
        rotate_bank_id=spec.rotate_bank,
        prompts_per_occurrence=per_occurrence,
        rotation_index=0,
        audience=audience.to_json(),
        sample_fraction=None if spec.sample in (None, 1) else spec.sample,
        schedule=schedule.preset.value if schedule.preset else schedule.cron,
        send_window_start=start,
        send_window_end=end,
        days_of_week=describe_days(schedule.window.days),
        anchor_date=anchor,
        reminder_after_hours=spec.reminder_hours,
        close_after_days=spec.close_after_days,
        anonymity=spec.anonymity,
        paused=False,
        created_at=now,
        updated_at=now,
    )
    return await PulseRepository(session).add(pulse)


async def list_pulses(session: AsyncSession, organisation_id: int) -> Sequence[Pulse]:
    return await PulseRepository(session).all(organisation_id)


async def find_pulse(session: AsyncSession, organisation_id: int, name: str) -> Pulse:
    pulse = await PulseRepository(session).by_name(organisation_id, name)
    if pulse is None:
        raise PulseProblem("unknown_pulse", name=" ".join(name.split()))
    return pulse


async def set_paused(
    session: AsyncSession, ctx: BotContext, organisation_id: int, name: str, paused: bool
) -> Pulse:
    """Pause (no more occurrences open; open ones run their course) or resume a pulse."""
    pulse = await find_pulse(session, organisation_id, name)
    if pulse.paused != paused:
        pulse.paused = paused
        pulse.updated_at = ctx.clock.now()
    return pulse


async def delete_pulse(
    session: AsyncSession, organisation_id: int, name: str, *, by: Actor, now: datetime
) -> int:
    """Delete the definition; its past occurrences and their answers stay (for reports).
    Returns how many occurrences it had."""
    repository = PulseRepository(session)
    pulse = await find_pulse(session, organisation_id, name)
    kept = len(await repository.occurrences(pulse.id))
    subject = f"pulse:{pulse.id}"
    await repository.delete(pulse)
    await record(
        session,
        Audited.PULSE_DELETED,
        by=by,
        now=now,
        organisation_id=organisation_id,
        subject=subject,
        detail={"pulse": name, "occurrences_kept": kept},
    )
    return kept


def schedule_of(pulse: Pulse) -> Schedule:
    """The pulse's Schedule, for the scheduler's jobs and `next_fire`."""
    start, end = DEFAULT_WINDOW
    return parse_schedule(
        pulse.schedule or "weekly",
        window_start=pulse.send_window_start or start,
        window_end=pulse.send_window_end or end,
        days=pulse.days_of_week,
        anchor=pulse.anchor_date or pulse.created_at.date(),
    )


def parse_window(text: str | None) -> tuple[str, str]:
    """'12:00-13:00' as two 'HH:MM' strings; PulseProblem if it is not two times."""
    if text is None:
        return DEFAULT_WINDOW
    match = _WINDOW.match(text)
    if not match:
        raise PulseProblem("window", window=text)
    try:
        start, end = (time.fromisoformat(part.zfill(5)) for part in match.groups())
    except ValueError:
        raise PulseProblem("window", window=text) from None
    if not start < end:
        raise PulseProblem("window_order", window=text)
    return f"{start:%H:%M}", f"{end:%H:%M}"


def _check_prompts(ctx: BotContext, spec: PulseSpec) -> tuple[list[str], int]:
    """The explicit prompt list (empty when rotating) and how many each occurrence asks."""
    if spec.prompts and spec.rotate_bank:
        raise PulseProblem("prompts_and_bank")
    if spec.rotate_bank:
        bank = ctx.content.banks.get(spec.rotate_bank)
        if bank is None:
            raise PulseProblem(
                "unknown_bank", bank=spec.rotate_bank, known=", ".join(sorted(ctx.content.banks))
            )
        limit = min(MAX_PROMPTS, len(bank.prompts))
        per_occurrence = 1 if spec.per_occurrence is None else spec.per_occurrence
        if not 1 <= per_occurrence <= limit:
            raise PulseProblem("per_occurrence", count=per_occurrence, limit=limit)
        return [], per_occurrence
    prompts = [prompt.strip() for prompt in spec.prompts if prompt.strip()]
    if not prompts:
        raise PulseProblem("no_prompts")
    if len(prompts) > MAX_PROMPTS:
        raise PulseProblem("too_many_prompts", count=len(prompts), limit=MAX_PROMPTS)
    problems = []
    if spec.per_occurrence is not None:  # meaningless beside a list: refused, not ignored
        problems.append(PulseProblem("per_occurrence_with_prompts"))
    for prompt_id in prompts:
        try:
            ctx.content.prompt(prompt_id)
        except KeyError:
            known = ", ".join(p.id for bank in ctx.content.banks.values() for p in bank.prompts)
            problems.append(PulseProblem("unknown_prompt_known", prompt=prompt_id, known=known))
    for prompt_id in sorted({p for p in prompts if prompts.count(p) > 1}, key=prompts.index):
        problems.append(PulseProblem("repeated_prompt", prompt=prompt_id))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise PulseProblems(problems)
    return prompts, len(prompts)


def _check_schedule(
    text: str, start: str, end: str, days: str | None, anchor: date, now: datetime
) -> Schedule:
    try:
        schedule = parse_schedule(
            text, window_start=start, window_end=end, days=days, anchor=anchor
        )
        next_fire(
            schedule, ZoneInfo("UTC"), now
        )  # a schedule that never lands in its window fails here
    except ScheduleError as error:
        raise PulseProblem("schedule", reason=error.reason) from None
    return schedule


def _check_days(days: str | None) -> bool:
    """True when the days read (blank: the schedule's default), else a PulseProblem."""
    if days is None:
        return True
    try:
        parse_days(days)
    except ScheduleError as error:
        raise PulseProblem("days", reason=error.reason) from None
    return True


def _check_timing(reminder_hours: int | None, close_after_days: int) -> None:
    if not 1 <= close_after_days <= MAX_CLOSE_AFTER_DAYS:
        raise PulseProblem("close_after", days=close_after_days, limit=MAX_CLOSE_AFTER_DAYS)
    if reminder_hours is not None and not 1 <= reminder_hours < close_after_days * 24:
        raise PulseProblem("reminder", hours=reminder_hours, close_hours=close_after_days * 24)


# --- In chat, for the wellness lead: `pulses`, `pulse pause|resume|send NAME` ---


async def chat_command(turn: Turn, request: str) -> Replies:
    """`request` is empty for `pulses`, else "pause NAME", "resume NAME" or "send NAME".
    (The route has checked the person may manage pulses.)"""
    if not request.strip():
        return [await _listing(turn)]
    # The form builds on this module's checks: imported here, where it is used.
    from bot.pulses import pulse_form

    verb, _, name = request.strip().partition(" ")
    if verb.lower() in ("new", "create"):
        return await pulse_form.open_new(turn)
    if not name.strip():
        return [OutboundMessage(text=turn.say("pulse.usage"))]
    if verb.lower() == "send":
        return [await _confirm_send(turn, name)]
    if verb.lower() == "edit":
        return await pulse_form.open_edit(turn, name)
    paused = verb.lower() == "pause"
    pulse = await set_paused(turn.session, turn.ctx, turn.organisation_id, name, paused)
    key = "pulse.paused_done" if paused else "pulse.resumed_done"
    return [OutboundMessage(text=turn.say(key, name=pulse.name))]


async def _listing(turn: Turn) -> OutboundMessage:
    found = await list_pulses(turn.session, turn.organisation_id)
    if not found:
        return OutboundMessage(text=turn.say("pulse.list_none"))
    repository = PulseRepository(turn.session)
    lines = [turn.say("pulse.list_header", count=len(found))]
    for pulse in found:
        latest = await repository.occurrences(pulse.id, limit=1)
        rates = await participation.of_occurrences(turn.session, turn.ctx, latest)
        status = turn.say("pulse.status_paused" if pulse.paused else "pulse.status_active")
        last = participation.rate_text(turn.ctx, rates.get(latest[0].id) if latest else None)
        lines.append(turn.say("pulse.list_line", name=pulse.name, status=status, last=last))
    return OutboundMessage(text="\n".join(lines))


async def _confirm_send(turn: Turn, name: str) -> OutboundMessage:
    pulse = await find_pulse(turn.session, turn.organisation_id, name)
    if pulse.paused:
        raise PulseProblem("paused", name=pulse.name)
    audience = Audience.from_json(pulse.audience)
    reached = await check_reaches_someone(turn.session, turn.organisation_id, audience)
    if pulse.sample_fraction is not None:
        reached = max(1, round(reached * pulse.sample_fraction))  # about that many
    latest = await PulseRepository(turn.session).latest_occurrence_id(pulse.id) or 0
    return OutboundMessage(
        text=turn.say("pulse.send_confirm", name=pulse.name, count=reached),
        buttons=(
            Button(
                turn.say("pulse.button.send"),
                actions.PULSE_SEND_CONFIRM,
                f"{pulse.id}:{latest}",
                ButtonStyle.PRIMARY,
            ),
            Button(turn.say("button.cancel"), actions.PULSE_SEND_CANCEL),
        ),
    )


async def send_confirmed(turn: Turn, event: ActionInvoked) -> Replies:
    """The confirmation's button: open the occurrence, unless one opened since it was asked.
    (The route has checked the person may manage pulses.)"""
    pulse_id, _, latest = event.value.partition(":")
    if not (pulse_id.isdigit() and latest.isdigit()):
        raise BadAction(f"malformed pulse confirmation {event.value[:30]!r}")
    opened = await pulse_runs.open_now(
        turn.session,
        turn.ctx,
        turn.organisation_id,
        int(pulse_id),
        by=in_chat(turn.person.id),
        latest_seen=int(latest),
    )
    pulse = await PulseRepository(turn.session).get(int(pulse_id))
    if pulse is None:
        raise PulseProblem("pulse_gone")
    recipients = await DeliveryRepository(turn.session).recipients(opened.occurrence_id)
    # Not just "queued": when they really arrive, and why any wait.
    arrivals = describe_arrivals(turn.say, turn.ctx, pulse, recipients, turn.now)
    # "Sent" only when someone can be asked now; otherwise it is queued, and says so.
    key = "pulse.queued_when" if nobody_now(turn.ctx, pulse, recipients, turn.now) else None
    text = turn.say(
        key or "pulse.sent_when", name=pulse.name, count=opened.queued, arrivals=arrivals
    )
    return [OutboundMessage(text=text, replaces=event.message_ref)]


async def send_cancelled(turn: Turn, event: ActionInvoked) -> Replies:
    return [OutboundMessage(text=turn.say("pulse.send_cancelled"), replaces=event.message_ref)]
