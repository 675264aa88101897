"""Recording what each send did, as soon as it is done.

A finished send joins the next write; a write starts the moment the previous one ends
(group commit), so under load a write carries all the sends that finished meanwhile and
idle it carries one. The dispatcher (bot.outbox.delivery) holds each prompt's place
until its write is done, so what a crash can leave sent but unrecorded stays bounded."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot import metrics
from bot.errors import DeliveryError, RateLimited, RecipientGone
from bot.events import ConversationRef, MessageRef
from bot.messages import OutboundMessage, fill
from bot.outbox.rows import after_failed_send, fail
from storage.states import DeliveryState

log = structlog.get_logger(__name__)


@dataclass
class PlannedSend:
    """A claimed prompt (or reminder) to send, with what recording it will need."""

    delivery_id: int
    conversation: ConversationRef
    # What is sent: the message itself, or (with a `target`) a prompt's template that
    # each of a fan-out's deliveries fills in (see `message`).
    template: OutboundMessage
    reminder: bool
    note: str  # stored as the delivery's reason (e.g. the zone was unknown)
    attempts: int
    person_id: int
    claimed_at: datetime
    lease_until: datetime  # past this another dispatcher may send it: we must not
    reminder_due_at: datetime | None = None
    failed_at: datetime | None = None  # when the platform said no (a 429's wait starts here)
    sent_at: datetime | None = None
    ref: MessageRef | None = None
    error: DeliveryError | None = None
    crashed: str | None = None
    released: bool = False  # never sent: the claim is given back
    # About to be posted: recorded as "sending" first, so that a reply which beats the
    # send's record is taken as an answer.
    sending: bool = False
    # Written as "sending" already (in its claim, or just before its turn).
    marked: bool = False
    target: str = ""  # this delivery's action target, for TARGET in the template

    @property
    def message(self) -> OutboundMessage:
        """This delivery's own message (built here only for an adapter that cannot lay
        out a template once for a whole fan-out)."""
        if not self.target:
            return self.template
        return fill(self.template, self.target, self.delivery_id)


@dataclass
class Delivery:
    """The delivery as rows.after_failed_send sees it, for a plan that failed (named so
    that its log line reads "delivery.failed", as ever)."""

    id: int
    state: str
    due_at: datetime
    attempts: int
    last_error: str | None


def outcome(plan: PlannedSend, now: datetime) -> tuple[dict[str, Any], str]:
    """The delivery's columns after this send, and what happened (for the metrics)."""
    change: dict[str, Any] = {"id": plan.delivery_id}
    if plan.sending:
        return change | {"state": DeliveryState.SENDING, "sent_at": now}, "sending"
    if plan.released:
        if plan.reminder:
            return change | {"reminder_due_at": plan.claimed_at}, "released"
        # Perhaps marked "sending" already: not asked after all.
        return change | {
            "due_at": plan.claimed_at,
            "state": DeliveryState.PENDING,
            "sent_at": None,
        }, "released"
    if plan.ref is not None:
        change |= {"message_ref": plan.ref.to_dict(), "message_key": plan.ref.key}
        sent_at = plan.sent_at or now
        if plan.reminder:
            return change | {"reminded_at": sent_at, "reminder_due_at": None}, "reminded"
        change |= {
            "state": DeliveryState.SENT,
            "attempts": plan.attempts + 1,
            "last_error": None,
            "reason": plan.note or None,
        }
        # Indexed columns are written only when they change (each costs an index update
        # per row): a prompt marked "sending" holds the moment it was asked as its
        # `sent_at` already, and has no reminder time until it is sent.
        if not plan.marked:
            change["sent_at"] = sent_at
        if plan.reminder_due_at is not None:
            change["reminder_due_at"] = plan.reminder_due_at
        return change, "sent"
    failed_at = plan.failed_at or now
    if plan.reminder:
        # Only a rate limit is worth waiting for: a reminder is not worth a retry storm.
        if isinstance(plan.error, RateLimited):
            wait = timedelta(seconds=max(plan.error.retry_after, 1.0))
            return change | {"reminder_due_at": failed_at + wait}, "rate_limited"
        reason = f"reminder not sent: {plan.error or plan.crashed}"
        return change | {"reminder_due_at": None, "reason": reason}, "reminder_failed"
    row = Delivery(plan.delivery_id, DeliveryState.PENDING, failed_at, plan.attempts, None)
    if plan.crashed is not None:
        fail(row, f"internal error: {plan.crashed}")
        result = "crashed"
    else:
        assert plan.error is not None
        result = after_failed_send(row, plan.error, failed_at)
    change |= {
        "state": row.state,
        "sent_at": None,  # not on the person's screen after all
        "due_at": row.due_at,
        "attempts": row.attempts,
        "last_error": row.last_error,
    }
    return change, result


def gone_people(plans: list[PlannedSend]) -> set[int]:
    return {plan.person_id for plan in plans if isinstance(plan.error, RecipientGone)}


def count(plans: list[PlannedSend], results: list[str]) -> None:
    tally: Counter[tuple[str, str]] = Counter()
    for plan, result in zip(plans, results, strict=True):
        if result != "sending":  # counted once the platform has answered
            tally[plan.conversation.platform, result] += 1
    for (platform, result), n in tally.items():
        metrics.deliveries(platform, result).inc(n)


class Recorder:
    """Group commit of finished sends: `add` hands a plan over to be written with the
    next write, which starts the moment the previous one ends, so under load a write
    carries every send that finished meanwhile and idle it carries one. `record` waits
    for the plan's write; `room` waits until at most so many plans are left unwritten.
    After a write has failed (the database went away) plans are kept in `unrecorded`,
    to be written before anything new is claimed."""

    def __init__(
        self,
        write: Callable[[list[PlannedSend]], Awaitable[None]],
        *,
        gather: int = 1,
        linger: float = 0.0,
    ) -> None:
        self._write = write
        # A write waits up to `linger` seconds for `gather` plans: one commit per send
        # cost more than the send itself, and sends come faster than commits at low
        # concurrency. Whoever waits for a write (a "sending" mark) does not wait longer.
        self.gather = gather
        self.linger = linger
        self._enough: asyncio.Future[None] | None = None
        self._urgent = False
        self._closing = False  # no more plans will come
        self._waiting: list[PlannedSend] = []
        self._written: asyncio.Future[None] | None = None  # the waiting plans' write
        self._progress: asyncio.Future[None] | None = None  # the next write to end
        self._writing: asyncio.Task[None] | None = None
        self.pending = 0  # handed over, not yet written
        self.failure: BaseException | None = None
        self.unrecorded: list[PlannedSend] = []

    def add(self, plan: PlannedSend) -> asyncio.Future[None]:
        """Hand the plan over; the future is done once it is written (or kept)."""
        loop = asyncio.get_running_loop()
        if self.failure is not None:
            self.unrecorded.append(plan)
            done = loop.create_future()
            done.set_result(None)
            return done
        self._waiting.append(plan)
        self.pending += 1
        if self._enough is not None and len(self._waiting) >= self.gather:
            self._wake()
        if self._written is None:
            self._written = loop.create_future()
        if self._writing is None:
            self._writing = asyncio.create_task(self._drain())
        return self._written

    async def record(self, plan: PlannedSend) -> None:
        written = self.add(plan)
        self._urgent = True
        self._wake()
        await asyncio.shield(written)

    def _wake(self) -> None:
        if self._enough is not None and not self._enough.done():
            self._enough.set_result(None)

    async def room(self, most: int) -> None:
        """Until no more than `most` plans handed over are still unwritten."""
        while self.pending > most and self.failure is None:
            if self._progress is None:
                self._progress = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._progress)

    async def _drain(self) -> None:
        try:
            while self._waiting and self.failure is None:
                # One turn first: sends finishing in this turn join this write.
                await asyncio.sleep(0)
                if (
                    len(self._waiting) < self.gather
                    and not (self._urgent or self._closing)
                    and self.linger
                ):
                    self._enough = asyncio.get_running_loop().create_future()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._enough, self.linger)
                    self._enough = None
                self._urgent = False
                group, self._waiting = self._waiting, []
                written, self._written = self._written, None
                try:
                    await self._write(group)
                except Exception as error:
                    log.warning("outbox.record_failed", count=len(group), error=repr(error))
                    self.failure = error
                    self.unrecorded += group + self._waiting
                    self._waiting = []
                    if self._written is not None:
                        self._written.set_result(None)
                        self._written = None
                    self.pending = 0
                else:
                    self.pending -= len(group)
                if written is not None:
                    written.set_result(None)
                if self._progress is not None:
                    self._progress.set_result(None)
                    self._progress = None
        finally:
            self._writing = None

    async def idle(self) -> None:
        """Until every plan handed over is written (or kept as unrecorded). Nothing more
        is coming: what waits is written at once, not after lingering for company (the
        last of every fan-out waited the whole linger)."""
        self._closing = True
        self._wake()
        while self._writing is not None:
            await asyncio.shield(self._writing)
