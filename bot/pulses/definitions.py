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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
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
    check_reaches_someone,
    parse_audience,
)
from bot.pulses.schedule import Schedule, ScheduleError, next_fire, parse_schedule
from storage.models import Pulse
from storage.pulses import PulseRepository
from storage.states import Anonymity

MAX_PROMPTS = 5
MAX_NAME = 100
MAX_CLOSE_AFTER_DAYS = 60
DEFAULT_WINDOW = ("12:00", "13:00")
Replies = list[OutboundMessage]
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class PulseSpec:
    """A pulse as the wellness lead asked for it, before validation."""

    name: str
    prompts: tuple[str, ...] = ()
    rotate_bank: str | None = None
    per_occurrence: int = 1
    audience: tuple[str, ...] = (EVERYONE,)
    sample: float | None = None
    schedule: str = "weekly"
    window: str | None = None  # "HH:MM-HH:MM" local; None: 12:00-13:00
    days: str | None = None  # "mon-fri", "mon,wed"; None: the schedule's default
    anchor: date | None = None  # every two weeks counts from here; None: today
    reminder_hours: int | None = 24  # None: no reminder
    close_after_days: int = 7
    anonymity: str = Anonymity.CONFIDENTIAL


async def create_pulse(
    session: AsyncSession, ctx: BotContext, organisation_id: int, spec: PulseSpec
) -> Pulse:
    """Validate the whole definition and store it in the organisation; PulseProblem at
    the first mistake."""
    now = ctx.clock.now()
    repository = PulseRepository(session)
    name = " ".join(spec.name.split())
    if not name or len(name) > MAX_NAME:
        raise PulseProblem("name", limit=MAX_NAME)
    if await repository.by_name(organisation_id, name) is not None:
        raise PulseProblem("duplicate_name", name=name)
    prompt_ids, per_occurrence = _check_prompts(ctx, spec)
    audience = parse_audience(spec.audience)
    await check_reaches_someone(session, organisation_id, audience)
    if spec.sample is not None and not 0 < spec.sample <= 1:
        raise PulseProblem("sample", sample=spec.sample)
    start, end = parse_window(spec.window)
    anchor = spec.anchor or now.astimezone(UTC).date()
    schedule = _check_schedule(spec.schedule, start, end, spec.days, anchor, now)
    _check_timing(spec.reminder_hours, spec.close_after_days)
    if spec.anonymity not in set(Anonymity):
        raise PulseProblem("anonymity", anonymity=spec.anonymity, known=", ".join(Anonymity))
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
    return await repository.add(pulse)


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
        if not 1 <= spec.per_occurrence <= limit:
            raise PulseProblem("per_occurrence", count=spec.per_occurrence, limit=limit)
        return [], spec.per_occurrence
    prompts = [prompt.strip() for prompt in spec.prompts if prompt.strip()]
    if not prompts:
        raise PulseProblem("no_prompts")
    if len(prompts) > MAX_PROMPTS:
        raise PulseProblem("too_many_prompts", count=len(prompts), limit=MAX_PROMPTS)
    for prompt_id in prompts:
        try:
            ctx.content.prompt(prompt_id)
        except KeyError:
            raise PulseProblem("unknown_prompt", prompt=prompt_id) from None
        if prompts.count(prompt_id) > 1:
            raise PulseProblem("repeated_prompt", prompt=prompt_id)
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
    verb, _, name = request.strip().partition(" ")
    if not name.strip():
        return [OutboundMessage(text=turn.say("pulse.usage"))]
    if verb.lower() == "send":
        return [await _confirm_send(turn, name)]
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
    text = turn.say("pulse.sent", name=pulse.name if pulse else "", count=opened.queued)
    return [OutboundMessage(text=text, replaces=event.message_ref)]


async def send_cancelled(turn: Turn, event: ActionInvoked) -> Replies:
    return [OutboundMessage(text=turn.say("pulse.send_cancelled"), replaces=event.message_ref)]
