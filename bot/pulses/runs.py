"""What a pulse's scheduled job does when it fires, and "send now".

The scheduler holds one job per pulse per time zone present in its audience
(`zones_of`); each firing calls `fire`, which opens one occurrence for that zone's
recipients, keyed (pulse, zone, local day): firing twice, from a restart or a second
replica, opens nothing the second time.

Rotation: all zones of one local day ask the same questions. The pulse's
`rotation_index` is the truth and advances once per local day: the first zone to fire
on a day asks the questions at the index and moves it on; later zones of that day copy
the questions of the day's first occurrence. The pulse row is locked while this
happens, so two replicas firing different zones at once cannot both advance it. (A
position derived from counting past days would need no lock, but "send now" and any
future "skip ahead" would then have nothing to move.) Send-now asks the next questions
too and moves the rotation on, like a scheduled day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.outbox.delivery import OpenedOccurrence, Outbox
from bot.pulses.audience import Audience, PulseProblem, members, sample, zone_of
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.models import Occurrence, Person, Pulse
from storage.pulses import PulseRepository

log = structlog.get_logger(__name__)


def occurrence_key(pulse_id: int, zone: str, day: date) -> str:
    return f"pulse:{pulse_id}:{zone}:{day.isoformat()}"


async def zones_of(database: Database, ctx: BotContext, pulse_id: int) -> set[str]:
    """The time zones of the people in the pulse's audience now (empty if it is gone)."""
    async with database.transaction() as session:
        pulse = await PulseRepository(session).get(pulse_id)
        if pulse is None:
            return set()
        people = await members(session, Audience.from_json(pulse.audience))
        return {zone_of(ctx, person) for person in people}


async def fire(
    database: Database,
    ctx: BotContext,
    outbox: Outbox,
    pulse_id: int,
    zone: str,
    fired_at: datetime,
) -> int:
    """Open the occurrence of `pulse_id` for its audience living in `zone`, for the local
    day of `fired_at`; returns how many prompts were queued. 0, opening nothing, if that
    day's occurrence exists already, the pulse is paused or gone, or nobody there is in
    the audience (or the sample)."""
    if fired_at.tzinfo is None:
        raise ValueError("fire needs an aware datetime")
    day = fired_at.astimezone(ZoneInfo(zone)).date()
    key = occurrence_key(pulse_id, zone, day)
    now = ctx.clock.now()
    async with database.transaction() as session:
        repository = PulseRepository(session)
        pulse = await repository.lock(pulse_id)
        if pulse is None or pulse.paused:
            return 0
        if await repository.occurrence_by_key(key) is not None:
            return 0
        audience = await members(session, Audience.from_json(pulse.audience))
        here = [person for person in audience if zone_of(ctx, person) == zone]
        recipients = sample(here, pulse.sample_fraction, pulse.id, key)
        if not recipients:
            return 0
        sibling = await repository.same_day_occurrence(pulse.id, f":{day.isoformat()}")
        first_today = sibling is None
        prompt_ids = _prompts(ctx, pulse) if sibling is None else list(sibling.prompt_ids)
        occurrence_id = await repository.open_keyed_occurrence(
            _occurrence(pulse, prompt_ids, now, zone=zone, key=key)
        )
        if occurrence_id is None:
            return 0  # a concurrent firing opened it first
        if first_today:
            _advance(ctx, pulse, now)
        queued = await _enqueue(session, occurrence_id, recipients, now)
    outbox.wake()
    log.info("pulse.fired", pulse=pulse_id, zone=zone, day=str(day), queued=queued)
    return queued


async def send_now(
    database: Database, ctx: BotContext, outbox: Outbox, pulse_id: int
) -> OpenedOccurrence:
    """Open an occurrence for the pulse's whole audience now, whatever its schedule.
    Quiet hours, snooze and pauses still apply: the outbox defers or withholds."""
    async with database.transaction() as session:
        opened = await open_now(session, ctx, pulse_id)
    outbox.wake()
    return opened


async def open_now(
    session: AsyncSession, ctx: BotContext, pulse_id: int, *, latest_seen: int | None = None
) -> OpenedOccurrence:
    """`send_now` inside the caller's transaction. With `latest_seen` (the pulse's latest
    occurrence id when the wellness lead was asked to confirm, 0 for none), refuses if
    another occurrence opened since: a confirmation pressed twice sends once."""
    now = ctx.clock.now()
    repository = PulseRepository(session)
    pulse = await repository.lock(pulse_id)
    if pulse is None:
        raise PulseProblem("pulse_gone")
    if pulse.paused:
        raise PulseProblem("paused", name=pulse.name)
    if latest_seen is not None and (await repository.latest_occurrence_id(pulse.id) or 0) != (
        latest_seen
    ):
        raise PulseProblem("already_sent", name=pulse.name)
    audience = Audience.from_json(pulse.audience)
    recipients = sample(
        await members(session, audience), pulse.sample_fraction, pulse.id, f"now:{now.isoformat()}"
    )
    if not recipients:
        raise PulseProblem("nobody", audience=audience.describe())
    occurrence = await DeliveryRepository(session).open_occurrence(
        _occurrence(pulse, _prompts(ctx, pulse), now, zone=None, key=None)
    )
    _advance(ctx, pulse, now)
    queued = await _enqueue(session, occurrence.id, recipients, now)
    log.info("pulse.sent_now", pulse=pulse.id, occurrence=occurrence.id, queued=queued)
    return OpenedOccurrence(occurrence.id, queued)


def rotation_prompts(ctx: BotContext, pulse: Pulse, position: int) -> list[str]:
    """What an occurrence asks: the explicit list, or the bank's N questions from
    `position` on, wrapping round the end of the bank."""
    if pulse.rotate_bank_id is None:
        return list(pulse.prompt_ids)
    bank = [prompt.id for prompt in ctx.content.banks[pulse.rotate_bank_id].prompts]
    count = min(pulse.prompts_per_occurrence, len(bank))
    return [bank[(position + offset) % len(bank)] for offset in range(count)]


def next_position(ctx: BotContext, pulse: Pulse, position: int) -> int:
    """Where the rotation stands after an occurrence that started at `position`."""
    if pulse.rotate_bank_id is None:
        return position
    size = len(ctx.content.banks[pulse.rotate_bank_id].prompts)
    return (position + min(pulse.prompts_per_occurrence, size)) % size


def _prompts(ctx: BotContext, pulse: Pulse) -> list[str]:
    """This occurrence's prompts; PulseProblem if the content no longer has them."""
    if pulse.rotate_bank_id is not None and pulse.rotate_bank_id not in ctx.content.banks:
        raise PulseProblem("bank_gone", name=pulse.name, bank=pulse.rotate_bank_id)
    prompt_ids = rotation_prompts(ctx, pulse, pulse.rotation_index)
    for prompt_id in prompt_ids:
        try:
            ctx.content.prompt(prompt_id)
        except KeyError:
            raise PulseProblem("prompt_gone", name=pulse.name, prompt=prompt_id) from None
    return prompt_ids


def _advance(ctx: BotContext, pulse: Pulse, now: datetime) -> None:
    if pulse.rotate_bank_id is not None:
        pulse.rotation_index = next_position(ctx, pulse, pulse.rotation_index)
        pulse.updated_at = now


def _occurrence(
    pulse: Pulse, prompt_ids: list[str], now: datetime, *, zone: str | None, key: str | None
) -> Occurrence:
    return Occurrence(
        pulse_id=pulse.id,
        prompt_ids=prompt_ids,
        anonymity=pulse.anonymity,
        opened_at=now,
        closes_at=now + timedelta(days=pulse.close_after_days),
        closed_at=None,
        zone=zone,
        key=key,
    )


async def _enqueue(
    session: AsyncSession, occurrence_id: int, recipients: list[Person], now: datetime
) -> int:
    deliveries = DeliveryRepository(session)
    queued = 0
    for person in recipients:
        if await deliveries.enqueue(occurrence_id, person.id, due_at=now):
            queued += 1
    return queued
