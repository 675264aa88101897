"""The delivery outbox and its dispatcher: every proactive prompt goes through here.

Opening an occurrence (bot.pulses.runs.open_occurrence) writes one delivery row per
recipient (unique per occurrence and person, so opening twice cannot send twice). The
dispatcher works in batches:

1. claim: one transaction takes the due rows (SKIP LOCKED on PostgreSQL, so replicas
   share the work), decides each at send time (bot.outbox.send_check: closed, gone, paused,
   quiet hours, weekends, the pulse's window, the fatigue cap) and leases the ones to
   send by moving their due time a lease ahead;
2. send: concurrently, within each workspace's rate (bot.outbox.send_limits);
3. record: one transaction stores what each send did.

A crash between 1 and 3 leaves the leased rows to come due again when the lease ends:
at most the prompts in flight are sent twice, and none is lost. Reminders (at most one,
to non-responders) go the same way; closing occurrences is swept here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from bot import metrics
from bot.context import BotContext
from bot.errors import ConversationBusy, DeliveryError, RateLimited, RecipientGone
from bot.events import ConversationRef, MessageRef
from bot.local_time import resolve_zone
from bot.messages import OutboundMessage
from bot.outbox.notifier import MISSING_ADAPTER_RETRY, Sender, send_one_notification
from bot.outbox.rows import after_failed_send, backoff, fail
from bot.outbox.send_check import (
    CLOSE,
    DEFER,
    FAIL,
    SEND,
    SKIP,
    WITHHOLD,
    verdict,
    window_of,
    wishes_of,
)
from bot.outbox.send_limits import SendLimits
from bot.outbox.send_rules import reminder_due
from bot.pulses.prompting import question_message
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.models import Delivery, Occurrence, Person, Pulse
from storage.states import DeliveryState

log = structlog.get_logger(__name__)

LEASE = timedelta(seconds=60)
BATCH_SIZE = 100
# The pipeline holds at most two batches unrecorded (one on the wire, one being recorded):
# all that a dispatcher killed mid-send can leave to be sent again.
MAX_UNRECORDED = 2 * BATCH_SIZE
SEND_CONCURRENCY = 10


@dataclass
class _Planned:
    """A claimed prompt (or reminder) to send, with what recording it will need."""

    delivery_id: int
    conversation: ConversationRef
    message: OutboundMessage
    reminder: bool
    note: str  # stored as the delivery's reason (e.g. the zone was unknown)
    attempts: int = 0
    person_id: int = 0
    failed_at: datetime | None = None  # when the platform said no (a 429's wait starts here)
    reminder_due_at: datetime | None = None
    ref: MessageRef | None = None
    error: DeliveryError | None = None
    crashed: str | None = None


@dataclass
class _Batch:
    now: datetime
    handled: int = 0
    planned: list[_Planned] = field(default_factory=list)


def _forget(in_flight: dict[int, list[datetime]], recorded: _Batch) -> None:
    """Recorded prompts are in the database now; the cap finds them there."""
    for plan in recorded.planned:
        times = in_flight.get(plan.person_id)
        if times:
            times.remove(recorded.now)
            if not times:
                del in_flight[plan.person_id]


class Outbox:
    def __init__(
        self,
        database: Database,
        ctx: BotContext,
        senders: Mapping[str, Sender],
        *,
        limits: SendLimits | None = None,
        lease: timedelta = LEASE,
        batch_size: int = BATCH_SIZE,
        concurrency: int = SEND_CONCURRENCY,
    ) -> None:
        self.database = database
        self.ctx = ctx
        self.senders = dict(senders)
        self.limits = limits or SendLimits()
        self.lease = lease
        self.batch_size = batch_size
        self.concurrency = concurrency
        self._wakeup = asyncio.Event()
        # Batches sent while the database went away, waiting to be recorded.
        self._unrecorded: list[_Batch] = []

    def wake(self) -> None:
        self._wakeup.set()

    async def dispatch_due(self, limit: int = 100_000) -> int:
        """Handle due prompts, reminders and notifications (up to about `limit`);
        returns how many rows were handled."""
        await self._record_unrecorded()  # raises while the database is still away
        async with self.database.transaction() as session:
            closed = await DeliveryRepository(session).close_due(self.ctx.clock.now())
        if closed:
            log.info("occurrences.closed", count=closed)
        handled = await self._dispatch_prompts(limit)
        while handled < limit and await send_one_notification(
            self.database, self.ctx, self.senders
        ):
            handled += 1
        return handled

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Dispatch until `stop` is set; back off while the database is unreachable."""
        failures = 0
        while not stop.is_set():
            try:
                handled = await self.dispatch_due()
                failures = 0
            except Exception:  # the loop must survive anything; the log has the details
                failures += 1
                log.exception("outbox.dispatch_failed", consecutive=failures)
                handled = 0
            if handled:
                continue
            delay = idle_seconds if failures == 0 else backoff(failures)
            self._wakeup.clear()
            waiters = {
                asyncio.ensure_future(self._wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            }
            _done, pending = await asyncio.wait(
                waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    # --- batches: claim and decide, send, record ---

    async def _dispatch_prompts(self, limit: int) -> int:
        """Batches in a pipeline: while one batch is on the wire, the previous one is
        recorded and the next one claimed, so the database work hides behind the network.
        Prompts claimed but not yet recorded count toward the fatigue cap in memory."""
        handled = 0
        in_flight: dict[int, list[datetime]] = {}
        batch = await self._claim(self.ctx.clock.now(), self._size(limit, 0), in_flight)
        previous: _Batch | None = None
        while batch.handled or previous is not None:
            sending = asyncio.create_task(self._send_all(batch.planned, batch.now))
            try:
                if previous is not None:
                    await self._record(previous.planned, previous.now)
                    _forget(in_flight, previous)
                    previous = None
                handled += batch.handled
                upcoming = _Batch(now=batch.now)
                if batch.handled and handled < limit:
                    upcoming = await self._claim(
                        self.ctx.clock.now(), self._size(limit, handled), in_flight
                    )
            except Exception:
                # The database went away: what went out is kept to be recorded when it is
                # back (before anything new is claimed), so it is not sent again.
                await sending
                self._unrecorded += [b for b in (previous, batch) if b is not None and b.planned]
                raise
            await sending
            previous = batch if batch.handled else None
            batch = upcoming
        return handled

    async def _record_unrecorded(self) -> None:
        while self._unrecorded:
            batch = self._unrecorded[0]
            await self._record(batch.planned, batch.now)
            self._unrecorded.pop(0)

    def _size(self, limit: int, handled: int) -> int:
        return max(1, min(self.batch_size, limit - handled))

    async def _claim(
        self, now: datetime, size: int, in_flight: dict[int, list[datetime]] | None = None
    ) -> _Batch:
        async with self.database.transaction() as session:
            repository = DeliveryRepository(session)
            rows = [(d, False) for d in await repository.claim_due(now, size)]
            if len(rows) < size:
                rows += [(d, True) for d in await repository.claim_reminders(now, size - len(rows))]
            if not rows:
                return _Batch(now=now)
            person_ids = list({delivery.person_id for delivery, _ in rows})
            # Only the person's own columns decide a send: not their roles or workspace.
            found = await session.scalars(
                select(Person)
                .where(Person.id.in_(person_ids))
                .options(raiseload(Person.roles), raiseload(Person.workspace))
            )
            people = {person.id: person for person in found}
            pulse_ids = {d.occurrence.pulse_id for d, _ in rows if d.occurrence.pulse_id}
            pulses = {
                pulse.id: pulse
                for pulse in await session.scalars(select(Pulse).where(Pulse.id.in_(pulse_ids)))
            }
            since = now - self.ctx.fatigue_cap.period
            recent = await repository.recent_prompt_times(person_ids, since)
            for person_id, times in (in_flight or {}).items():
                recent.setdefault(person_id, []).extend(times)
            batch = _Batch(now=now, handled=len(rows))
            for delivery, is_reminder in rows:
                person = people[delivery.person_id]
                pulse = pulses.get(delivery.occurrence.pulse_id or 0)
                try:
                    planned = self._decide(
                        delivery, person, pulse, recent[person.id], now, is_reminder
                    )
                except Exception as error:  # one broken row must not hold up the others
                    log.exception("delivery.crashed", delivery=delivery.id)
                    fail(delivery, f"internal error: {type(error).__name__}")
                    continue
                if planned is not None:
                    batch.planned.append(planned)
                    recent[person.id].append(now)  # the cap counts this one from now on
                    planned.person_id = person.id
                    if in_flight is not None:
                        in_flight.setdefault(person.id, []).append(now)
            return batch

    def _decide(
        self,
        delivery: Delivery,
        person: Person,
        pulse: Pulse | None,
        recent: Sequence[datetime],
        now: datetime,
        is_reminder: bool,
    ) -> _Planned | None:
        """Apply the verdict to the row; the plan to send, if it goes now."""
        found = verdict(self.ctx, delivery, person, pulse, recent, now)
        if is_reminder and found.action != SEND:
            # The one reminder waits or is dropped; the prompt itself stays as it is.
            delivery.reminder_due_at = found.until if found.action == DEFER else None
            delivery.reason = f"reminder: {found.reason}"
            return None
        if found.action != SEND:
            _settle(delivery, found.action, found.until, found.reason)
            metrics.DELIVERIES.labels(_platform(person), found.action).inc()
            return None
        assert person.conversation_ref is not None  # verdict fails a person without one
        conversation = ConversationRef.from_dict(person.conversation_ref)
        if conversation.platform not in self.senders:
            # That platform's adapter is not configured in this process: try again later.
            delivery.due_at = now + MISSING_ADAPTER_RETRY
            delivery.last_error = f"no adapter running for {conversation.platform}"
            return None
        occurrence = delivery.occurrence
        prompt = self.ctx.content.prompt(occurrence.prompt_ids[delivery.next_index])
        message = question_message(
            self.ctx, prompt, delivery.id, delivery.next_index, len(occurrence.prompt_ids)
        )
        if is_reminder:
            message = replace(message, text=self.ctx.say("prompt.reminder"))  # said first
            delivery.reminder_due_at = now + self.lease
        else:
            delivery.due_at = now + self.lease  # the lease: due again only if we crash
        return _Planned(
            delivery.id,
            conversation,
            message,
            reminder=is_reminder,
            note=found.reason,
            attempts=delivery.attempts,
            reminder_due_at=None
            if is_reminder
            else self._reminder_at(person, pulse, occurrence, now),
        )

    def _reminder_at(
        self, person: Person, pulse: Pulse | None, occurrence: Occurrence, now: datetime
    ) -> datetime | None:
        if pulse is None or not pulse.reminder_after_hours:
            return None
        zone, _ = resolve_zone(person.timezone, self.ctx.default_timezone)
        return reminder_due(
            now,
            pulse.reminder_after_hours,
            zone=zone,
            wishes=wishes_of(self.ctx, person),
            window=window_of(pulse),
            closes=occurrence.closes_at,
        )

    async def _send_all(self, planned: list[_Planned], now: datetime) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def send(plan: _Planned) -> None:
            to = plan.conversation
            async with gate:
                await self.limits.acquire(to.platform, to.workspace)
                # The clock now, not the batch's: a batch can take longer than a Retry-After.
                moment = self.ctx.clock.now()
                paused = self.limits.paused_until(to.platform, to.workspace, moment)
                if paused is not None:  # a 429 came back for this workspace: wait it out
                    wait = (paused - moment).total_seconds()
                    plan.error, plan.failed_at = RateLimited(wait, "workspace paused"), moment
                    return
                try:
                    sender = self.senders[to.platform]
                    plan.ref = await sender.send(to, plan.message, paced=True)
                except DeliveryError as error:
                    plan.error, plan.failed_at = error, self.ctx.clock.now()
                    # A 429 holds the whole workspace; a busy conversation only this row.
                    if isinstance(error, RateLimited) and not isinstance(error, ConversationBusy):
                        until = plan.failed_at + timedelta(seconds=max(error.retry_after, 1.0))
                        self.limits.pause(to.platform, to.workspace, until)
                except Exception as error:  # a bug in an adapter: that row fails alone
                    log.exception("delivery.send_crashed", delivery=plan.delivery_id)
                    plan.crashed = type(error).__name__

        await asyncio.gather(*(send(plan) for plan in planned))

    async def _record(self, planned: list[_Planned], now: datetime) -> None:
        # The common case, a first prompt sent, is one executemany UPDATE by primary key;
        # reminders and failures (few) go through the ORM one by one.
        sent = [p for p in planned if p.ref is not None and not p.reminder]
        others = [p for p in planned if p.ref is None or p.reminder]
        async with self.database.transaction() as session:
            if sent:
                await session.execute(update(Delivery), [_sent_row(p, now) for p in sent])
            if others:
                rows = await session.scalars(
                    select(Delivery).where(Delivery.id.in_([p.delivery_id for p in others]))
                )
                deliveries = {d.id: d for d in rows.unique()}
                for plan in others:
                    result = await _record_one(session, deliveries[plan.delivery_id], plan, now)
                    metrics.DELIVERIES.labels(plan.conversation.platform, result).inc()
        for plan in sent:
            metrics.DELIVERIES.labels(plan.conversation.platform, "sent").inc()


def _sent_row(plan: _Planned, now: datetime) -> dict[str, object]:
    assert plan.ref is not None
    return {
        "id": plan.delivery_id,
        "state": DeliveryState.SENT,
        "sent_at": now,
        "attempts": plan.attempts + 1,
        "message_ref": plan.ref.to_dict(),
        "message_key": plan.ref.key,
        "last_error": None,
        "reason": plan.note or None,
        "reminder_due_at": plan.reminder_due_at,
    }


async def _record_one(
    session: AsyncSession, delivery: Delivery, plan: _Planned, now: datetime
) -> str:
    """Store what one send did; returns it, for the metrics."""
    if plan.ref is not None:
        delivery.message_ref = plan.ref.to_dict()
        delivery.message_key = plan.ref.key
        if plan.reminder:
            delivery.reminded_at = now
            delivery.reminder_due_at = None
            return "reminded"
        delivery.state = DeliveryState.SENT
        delivery.sent_at = now
        delivery.attempts += 1
        delivery.last_error = None
        delivery.reason = plan.note or None
        delivery.reminder_due_at = plan.reminder_due_at
        return "sent"
    if isinstance(plan.error, RecipientGone):
        person = await session.get(Person, delivery.person_id)
        if person is not None:
            person.gone = True  # excluded from what comes next, too
    if plan.reminder:
        # Only a rate limit is worth waiting for: a reminder is not worth a retry storm.
        if isinstance(plan.error, RateLimited):
            failed_at = plan.failed_at or now
            delivery.reminder_due_at = failed_at + timedelta(
                seconds=max(plan.error.retry_after, 1.0)
            )
            return "rate_limited"
        delivery.reminder_due_at = None
        delivery.reason = f"reminder not sent: {plan.error or plan.crashed}"
        return "reminder_failed"
    if plan.crashed is not None:
        fail(delivery, f"internal error: {plan.crashed}")
        return "crashed"
    assert plan.error is not None
    return after_failed_send(delivery, plan.error, plan.failed_at or now)


def _settle(delivery: Delivery, action: str, until: datetime | None, reason: str) -> None:
    """A prompt that does not go now: where it stays, and why."""
    delivery.reason = reason or None
    if action == DEFER:
        assert until is not None
        delivery.due_at = until
    elif action == WITHHOLD:
        delivery.state = DeliveryState.WITHHELD
    elif action == CLOSE:
        delivery.state = DeliveryState.CLOSED
    elif action == SKIP:
        delivery.state = DeliveryState.SKIPPED
    elif action == FAIL:
        fail(delivery, reason)


def _platform(person: Person) -> str:
    return str((person.conversation_ref or {}).get("platform", "unknown"))


__all__ = ["Outbox", "Sender"]
