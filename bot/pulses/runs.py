"""Opening occurrences: what a pulse's scheduled job does when it fires, "send now", and
the one function every occurrence opens through (`open_occurrence`).

An occurrence belongs to one organisation and asks only its people: `open_occurrence`
sets the organisation and refuses recipients from another.

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.privacy.audit import SCHEDULER, Actor, Audited, record
from bot.pulses.audience import Audience, PulseProblem, members, sample, zone_of
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.models import Occurrence, Person, Pulse
from storage.people import PeopleRepository
from storage.pulses import PulseRepository

log = structlog.get_logger(__name__)

CONFIDENTIAL = "confidential"
DEFAULT_CLOSE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class OpenedOccurrence:
    occurrence_id: int
    queued: int


async def open_occurrence(
    session: AsyncSession,
    ctx: BotContext,
    organisation_id: int,
    recipients: Sequence[Person],
    prompt_ids: list[str],
    *,
    pulse_id: int | None = None,
    anonymity: str = CONFIDENTIAL,
    close_after: timedelta | None = DEFAULT_CLOSE_AFTER,
    zone: str | None = None,
    key: str | None = None,
) -> OpenedOccurrence | None:
    """Open an occurrence of the organisation asking `prompt_ids`, with one delivery per
    recipient (due now; the outbox decides when each may go), in the caller's
    transaction. With a `key`, None if an occurrence with that key exists already.

    KeyError for a prompt the content lacks (now, not at send time); ValueError for a
    recipient of another organisation: an occurrence never crosses organisations."""
    for prompt_id in prompt_ids:
        ctx.content.prompt(prompt_id)
    people = PeopleRepository(session)
    elsewhere = await people.organisations_of([person.id for person in recipients])
    if elsewhere - {organisation_id}:
        raise ValueError(f"recipients outside organisation {organisation_id}")
    now = ctx.clock.now()
    occurrence_id = await PulseRepository(session).open_occurrence(
        Occurrence(
            organisation_id=organisation_id,
            pulse_id=pulse_id,
            prompt_ids=prompt_ids,
            anonymity=anonymity,
            opened_at=now,
            closes_at=now + close_after if close_after else None,
            closed_at=None,
            zone=zone,
            key=key,
        )
    )
    if occurrence_id is None:
        return None
    deliveries = DeliveryRepository(session)
    queued = 0
    for person in recipients:
        if await deliveries.enqueue(occurrence_id, person.id, due_at=now):
            queued += 1
    log.info("occurrence.opened", occurrence=occurrence_id, queued=queued, pulse=pulse_id)
    return OpenedOccurrence(occurrence_id, queued)


async def ask_now(
    database: Database,
    ctx: BotContext,
    outbox: Outbox,
    recipients: Sequence[Person],
    prompt_ids: list[str],
    *,
    pulse_id: int | None = None,
    anonymity: str = CONFIDENTIAL,
    close_after: timedelta | None = DEFAULT_CLOSE_AFTER,
) -> OpenedOccurrence:
    """`open_occurrence` outside any pulse's schedule (the demo's first questions, say),
    in a transaction of its own, for people who all belong to one organisation; the
    outbox is woken to send it."""
    async with database.transaction() as session:
        found = await PeopleRepository(session).organisations_of([p.id for p in recipients])
        if len(found) != 1:
            raise ValueError(f"recipients must be of one organisation, not {len(found)}")
        opened = await open_occurrence(
            session,
            ctx,
            found.pop(),
            recipients,
            prompt_ids,
            pulse_id=pulse_id,
            anonymity=anonymity,
            close_after=close_after,
        )
    assert opened is not None  # no key: nothing to collide with
    outbox.wake()
    return opened


def occurrence_key(pulse_id: int, zone: str, day: date) -> str:
    return f"pulse:{pulse_id}:{zone}:{day.isoformat()}"


async def zones_of(database: Database, ctx: BotContext, pulse_id: int) -> set[str]:
    """The time zones of the people in the pulse's audience now (empty if it is gone)."""
    async with database.transaction() as session:
        pulse = await PulseRepository(session).get(pulse_id)
        if pulse is None:
            return set()
        people = await members(session, pulse.organisation_id, Audience.from_json(pulse.audience))
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
        audience = await members(session, pulse.organisation_id, Audience.from_json(pulse.audience))
        here = [person for person in audience if zone_of(ctx, person) == zone]
        recipients = sample(here, pulse.sample_fraction, pulse.id, key)
        if not recipients:
            return 0
        sibling = await repository.same_day_occurrence(pulse.id, f":{day.isoformat()}")
        first_today = sibling is None
        prompt_ids = _prompts(ctx, pulse) if sibling is None else list(sibling.prompt_ids)
        opened = await _open_for(session, ctx, pulse, recipients, prompt_ids, zone=zone, key=key)
        if opened is None:
            return 0  # a concurrent firing opened it first
        if first_today:
            _advance(ctx, pulse, now)
        await _audit_send(session, pulse, opened, by=SCHEDULER, now=now, zone=zone)
    outbox.wake()
    log.info("pulse.fired", pulse=pulse_id, zone=zone, day=str(day), queued=opened.queued)
    return opened.queued


async def send_now(
    database: Database,
    ctx: BotContext,
    outbox: Outbox,
    organisation_id: int,
    pulse_id: int,
    *,
    by: Actor,
) -> OpenedOccurrence:
    """Open an occurrence for the pulse's whole audience now, whatever its schedule.
    Quiet hours, snooze and pauses still apply: the outbox defers or withholds."""
    async with database.transaction() as session:
        opened = await open_now(session, ctx, organisation_id, pulse_id, by=by)
    outbox.wake()
    return opened


async def open_now(
    session: AsyncSession,
    ctx: BotContext,
    organisation_id: int,
    pulse_id: int,
    *,
    by: Actor,
    latest_seen: int | None = None,
) -> OpenedOccurrence:
    """`send_now` inside the caller's transaction, for a pulse of `organisation_id` (the
    one asking; another's pulse is as good as gone). With `latest_seen` (the pulse's
    latest occurrence id when the wellness lead was asked to confirm, 0 for none),
    refuses if another occurrence opened since: a confirmation pressed twice sends once."""
    now = ctx.clock.now()
    repository = PulseRepository(session)
    pulse = await repository.lock(pulse_id)
    if pulse is None or pulse.organisation_id != organisation_id:
        raise PulseProblem("pulse_gone")
    if pulse.paused:
        raise PulseProblem("paused", name=pulse.name)
    if latest_seen is not None and (await repository.latest_occurrence_id(pulse.id) or 0) != (
        latest_seen
    ):
        raise PulseProblem("already_sent", name=pulse.name)
    audience = Audience.from_json(pulse.audience)
    everyone = await members(session, organisation_id, audience)
    recipients = sample(everyone, pulse.sample_fraction, pulse.id, f"now:{now.isoformat()}")
    if not recipients:
        raise PulseProblem("nobody", audience=audience.describe())
    opened = await _open_for(session, ctx, pulse, recipients, _prompts(ctx, pulse))
    assert opened is not None  # no key: nothing to collide with
    _advance(ctx, pulse, now)
    await _audit_send(session, pulse, opened, by=by, now=now)
    log.info("pulse.sent_now", pulse=pulse.id, occurrence=opened.occurrence_id)
    return opened


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


async def _open_for(
    session: AsyncSession,
    ctx: BotContext,
    pulse: Pulse,
    recipients: Sequence[Person],
    prompt_ids: list[str],
    *,
    zone: str | None = None,
    key: str | None = None,
) -> OpenedOccurrence | None:
    """`open_occurrence` for one of the pulse's occurrences."""
    return await open_occurrence(
        session,
        ctx,
        pulse.organisation_id,
        recipients,
        prompt_ids,
        pulse_id=pulse.id,
        anonymity=pulse.anonymity,
        close_after=timedelta(days=pulse.close_after_days),
        zone=zone,
        key=key,
    )


async def _audit_send(
    session: AsyncSession,
    pulse: Pulse,
    opened: OpenedOccurrence,
    *,
    by: Actor,
    now: datetime,
    zone: str | None = None,
) -> None:
    """A pulse went out: to how many (not to whom), for which occurrence."""
    detail: dict[str, object] = {"pulse": pulse.name, "queued": opened.queued}
    if zone is not None:
        detail["zone"] = zone
    await record(
        session,
        Audited.PULSE_SENT,
        by=by,
        now=now,
        organisation_id=pulse.organisation_id,
        subject=f"occurrence:{opened.occurrence_id}",
        detail=detail,
    )
