"""The delivery outbox and its dispatcher: every proactive prompt goes through here.

Opening an occurrence writes one delivery row per recipient (unique per
occurrence and person, so opening twice cannot send twice). The dispatcher
claims one due row at a time in its own transaction, checks the person's
wishes at send time (paused, snoozed, quiet hours, gone), sends through the
platform's sender, and records the message ref. A crash before the commit
means at most that one prompt is sent again; nothing is lost.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.context import BotContext
from bot.errors import DeliveryError, RateLimited, RecipientGone, TransientError
from bot.events import ConversationRef, MessageRef
from bot.messages import OutboundMessage, from_body
from bot.prompting import question_message
from storage import notifications
from storage.deliveries import CLOSED, FAILED, PENDING, SENT, WITHHELD, DeliveryRepository
from storage.engine import Database
from storage.models import Delivery, Idea, Notification, Occurrence, Person
from storage.notifications import NotificationRepository

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 300.0
MISSING_ADAPTER_RETRY = timedelta(minutes=5)


class Sender(Protocol):
    """What the outbox needs of an adapter: send one message to a stored conversation."""

    async def send(self, to: ConversationRef, message: OutboundMessage) -> MessageRef: ...

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None: ...

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Post to where `audience` reads on this platform; None if nowhere is set up."""
        ...


@dataclass(frozen=True)
class OpenedOccurrence:
    occurrence_id: int
    queued: int


class Outbox:
    def __init__(self, database: Database, ctx: BotContext, senders: Mapping[str, Sender]) -> None:
        self.database = database
        self.ctx = ctx
        self.senders = dict(senders)
        self._wakeup = asyncio.Event()

    async def open_occurrence(
        self,
        recipients: Iterable[Person],
        prompt_ids: list[str],
        *,
        pulse_id: int | None = None,
        anonymity: str = "confidential",
        close_after: timedelta | None = timedelta(days=7),
    ) -> OpenedOccurrence:
        for prompt_id in prompt_ids:
            self.ctx.content.prompt(prompt_id)  # KeyError now, not at send time
        now = self.ctx.clock.now()
        async with self.database.transaction() as session:
            repository = DeliveryRepository(session)
            occurrence = await repository.open_occurrence(
                Occurrence(
                    pulse_id=pulse_id,
                    prompt_ids=prompt_ids,
                    anonymity=anonymity,
                    opened_at=now,
                    closes_at=now + close_after if close_after else None,
                )
            )
            queued = 0
            for person in recipients:
                if await repository.enqueue(occurrence.id, person.id, due_at=now):
                    queued += 1
        self.wake()
        log.info("occurrence.opened", occurrence=occurrence.id, queued=queued)
        return OpenedOccurrence(occurrence.id, queued)

    def wake(self) -> None:
        self._wakeup.set()

    async def dispatch_due(self, limit: int = 100) -> int:
        """Handle up to `limit` due deliveries; returns how many were handled."""
        handled = 0
        while handled < limit:
            if not (await self._dispatch_one() or await self._announce_one()):
                break
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
            delay = idle_seconds if failures == 0 else _backoff(failures)
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

    async def _dispatch_one(self) -> bool:
        now = self.ctx.clock.now()
        claimed_id: int | None = None
        try:
            async with self.database.transaction() as session:
                repository = DeliveryRepository(session)
                claimed = await repository.claim_due(now, limit=1)
                if not claimed:
                    return False
                delivery = claimed[0]
                claimed_id = delivery.id
                person = await session.get(Person, delivery.person_id)
                assert person is not None  # FK with ON DELETE CASCADE
                await self._deliver(delivery, person, now)
                return True
        except Exception as error:
            if claimed_id is None:
                raise  # nothing claimed: the database itself is in trouble; run() backs off
            # One broken row (say, a prompt removed from a custom bank) must not stop
            # the outbox: it would be claimed first again, forever.
            log.exception("delivery.crashed", delivery=claimed_id)
            await self._mark_failed(claimed_id, f"internal error: {type(error).__name__}")
            return True

    async def _announce_one(self) -> bool:
        """Send one due notification: a card to the leaders, an update of that card, or
        news for one person (an idea's submitter)."""
        now = self.ctx.clock.now()
        async with self.database.transaction() as session:
            claimed = await NotificationRepository(session).claim_due(now, limit=1)
            if not claimed:
                return False
            await self._notify(session, claimed[0], now)
            return True

    async def _notify(self, session: AsyncSession, note: Notification, now: datetime) -> None:
        message = from_body(note.body)
        person = await session.get(Person, note.person_id) if note.person_id else None
        platform = note.platform
        if note.person_id is not None:
            if person is None or person.gone or not person.conversation_ref:
                _fail(note, "recipient gone or never reachable")
                return
            # News can wait for the morning like any prompt; snooze is about questions.
            later = self._quiet_until(person, now)
            if later is not None:
                note.due_at = later
                return
            platform = ConversationRef.from_dict(person.conversation_ref).platform
        sender = self.senders.get(platform)
        if sender is None:
            note.due_at = now + MISSING_ADAPTER_RETRY
            note.last_error = f"no adapter running for {platform}"
            return
        try:
            ref = await _send_notification(sender, note, person, message)
        except DeliveryError as error:
            _after_failed_send(note, error, now)
            return
        note.attempts += 1
        note.state = notifications.SENT if ref is not None else notifications.NOWHERE
        note.message_ref = ref.to_dict() if ref is not None else None
        if ref is not None and message.idea is not None and message.replaces is None:
            # The card just posted is the one every later pathway move updates.
            idea = await session.get(Idea, message.idea.idea_id)
            if idea is not None:
                idea.card_ref = ref.to_dict()

    async def _mark_failed(self, delivery_id: int, reason: str) -> None:
        async with self.database.transaction() as session:
            delivery = await DeliveryRepository(session).get(delivery_id)
            if delivery is not None and delivery.state == PENDING:
                _fail(delivery, reason)

    async def _deliver(self, delivery: Delivery, person: Person, now: datetime) -> None:
        platform = (person.conversation_ref or {}).get("platform", "unknown")
        result = await self._attempt(delivery, person, now)
        metrics.DELIVERIES.labels(platform, result).inc()

    async def _attempt(self, delivery: Delivery, person: Person, now: datetime) -> str:
        """Try one delivery; returns what happened, for the metrics."""
        occurrence = delivery.occurrence
        if occurrence.closed_at is not None or (
            occurrence.closes_at is not None and occurrence.closes_at <= now
        ):
            delivery.state = CLOSED
            return "closed"
        if person.gone:
            _fail(delivery, "recipient gone")
            return "gone"
        if person.paused:
            delivery.state = WITHHELD
            return "withheld"
        later = self._not_before(person, now)
        if later is not None:
            delivery.due_at = later
            return "deferred"
        if not person.conversation_ref:
            _fail(delivery, "no stored conversation for this person")
            return "fatal"
        conversation = ConversationRef.from_dict(person.conversation_ref)
        sender = self.senders.get(conversation.platform)
        if sender is None:
            # The platform's adapter is not configured in this process: try again later.
            delivery.due_at = now + MISSING_ADAPTER_RETRY
            delivery.last_error = f"no adapter running for {conversation.platform}"
            return "no_adapter"
        prompt = self.ctx.content.prompt(occurrence.prompt_ids[delivery.next_index])
        message = question_message(
            self.ctx, prompt, delivery.id, delivery.next_index, len(occurrence.prompt_ids)
        )
        try:
            ref = await sender.send(conversation, message)
        except DeliveryError as error:
            if isinstance(error, RecipientGone):
                person.gone = True  # excluded from what comes next, too
            return _after_failed_send(delivery, error, now)
        delivery.state = SENT
        delivery.sent_at = now
        delivery.attempts += 1
        delivery.message_ref = ref.to_dict()
        delivery.message_key = ref.key
        delivery.last_error = None
        log.info("delivery.sent", delivery=delivery.id, platform=conversation.platform)
        return "sent"

    def _not_before(self, person: Person, now: datetime) -> datetime | None:
        """When the person's wishes allow a prompt, if not now (snooze, quiet hours)."""
        if person.snoozed_until is not None and person.snoozed_until > now:
            return person.snoozed_until
        return self._quiet_until(person, now)

    def _quiet_until(self, person: Person, now: datetime) -> datetime | None:
        if person.quiet_hours_start and person.quiet_hours_end:
            zone = ZoneInfo(person.timezone or self.ctx.default_timezone)
            return quiet_hours_end(
                now,
                zone,
                time.fromisoformat(person.quiet_hours_start),
                time.fromisoformat(person.quiet_hours_end),
            )
        return None


async def _send_notification(
    sender: Sender, note: Notification, person: Person | None, message: OutboundMessage
) -> MessageRef | None:
    if person is not None:
        assert person.conversation_ref is not None  # checked by the caller
        return await sender.send(ConversationRef.from_dict(person.conversation_ref), message)
    if message.replaces is not None:
        await sender.update(message.replaces, message)
        return message.replaces
    return await sender.announce(note.workspace, note.audience, message)


def quiet_hours_end(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """The UTC moment quiet hours end if `now` falls inside them (which may span midnight)."""
    local = now.astimezone(zone)
    current = local.time()
    inside = start <= current < end if start <= end else (current >= start or current < end)
    if not inside:
        return None
    end_day = local.date()
    if current >= end:  # spans midnight and we are before it: ends tomorrow
        end_day += timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


class OutboxRow(Protocol):
    """What a prompt delivery and an announcement have in common as outbox rows."""

    id: int
    state: str
    due_at: datetime
    attempts: int
    last_error: str | None


def _after_failed_send(row: OutboxRow, error: DeliveryError, now: datetime) -> str:
    """The same bookkeeping for every outbox row: wait out a rate limit, back off from a
    transient error (giving up after MAX_ATTEMPTS), give up on the rest. Returns what
    happened, for the metrics."""
    if isinstance(error, RateLimited):
        row.due_at = now + timedelta(seconds=max(error.retry_after, 1.0))
        row.last_error = f"rate limited, retry after {error.retry_after}s"
        return "rate_limited"
    if isinstance(error, TransientError):
        row.attempts += 1
        row.last_error = f"transient: {error}"
        if row.attempts >= MAX_ATTEMPTS:
            _fail(row, f"gave up after {row.attempts} attempts: {error}")
        else:
            row.due_at = now + timedelta(seconds=_backoff(row.attempts))
        return "transient"
    if isinstance(error, RecipientGone):
        _fail(row, f"recipient gone: {error}")
        return "gone"
    _fail(row, f"fatal: {error}")
    return "fatal"


def _fail(row: OutboxRow, reason: str) -> None:
    row.state = FAILED  # the same word in deliveries and notifications
    row.last_error = reason
    log.warning(f"{type(row).__name__.lower()}.failed", id=row.id, reason=reason)


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, so retries from many rows don't align."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


__all__ = ["PENDING", "OpenedOccurrence", "Outbox", "Sender", "quiet_hours_end"]
