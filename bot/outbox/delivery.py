"""The delivery outbox and its dispatcher: every proactive prompt goes through here.

Opening an occurrence (bot.pulses.runs.open_occurrence) writes one delivery row per
recipient (unique per occurrence and person, so opening twice cannot send twice). The
dispatcher streams them:

1. claim: one transaction takes a small batch of due rows (SKIP LOCKED on PostgreSQL, so
   replicas share the work), decides each at send time (bot.outbox.send_check: closed,
   gone, paused, quiet hours, weekends, the pulse's window, the fatigue cap) and leases
   the ones to send: their due time moves ahead by what sending them (and what is queued
   before them) takes at the workspace's rate, plus a little grace. The batch is sized
   so that a lease stays short: a dead replica's claims go to a live one quickly;
2. send: `concurrency` senders take the claimed prompts in turn, within each
   workspace's rate (bot.outbox.send_limits), and never once a prompt's lease has run
   out. A prompt is written as "sending" before it goes (it is a question the person may
   answer from then on: a quick reply can beat the record): in its claim where no rate
   paces the platform (the batch goes out at once), else when a sender takes it;
3. record: each send is written as soon as it returns, grouped with whatever else
   finished meanwhile (bot.outbox.recording); a sender takes its next prompt only while
   no more than `behind` sent prompts wait for their record.

So a crash at any instant can leave sent but unrecorded only the prompts in progress:
at most `concurrency` on the wire plus `behind` being recorded (`most_resent`), never a
batch. Those are sent again when their lease ends, and none is lost. Reminders (at most
one, to non-responders) go the same way; closing occurrences is swept here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot.context import BotContext
from bot.errors import ConversationBusy, DeliveryError, RateLimited
from bot.outbox.deciding import Planner
from bot.outbox.notifier import Sender, TemplateSender, send_one_notification
from bot.outbox.recording import PlannedSend, Recorder, count, gone_people, outcome
from bot.outbox.rows import backoff
from bot.outbox.send_limits import SendLimits
from storage.deliveries import DeliveryRepository
from storage.dispatch import SendLog, claiming
from storage.engine import Database
from storage.states import DeliveryState

log = structlog.get_logger(__name__)

# The longest a claim is held (THRIVE_OUTBOX_LEASE_SECONDS); at a limited rate a claim
# is held only as long as sending it takes, plus a grace (LEASE_GRACE, or half a short
# lease) for the database and the network.
LEASE = timedelta(seconds=20)
LEASE_GRACE = timedelta(seconds=3)
BATCH_SIZE = 100
SEND_CONCURRENCY = 10
# Sent prompts that may wait for their record while others go out, at least: a write
# takes longer than a send at low concurrency, so it must carry several.
SEND_BEHIND = 10
# The longest a finished send waits for others to share its record's commit.
RECORD_LINGER = 0.05
# Rows decided between two turns of the event loop: deciding a whole batch at once held
# up sends that were due, which then reached the platform bunched.
DECIDE_BETWEEN_TURNS = 10


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
        behind: int | None = None,
    ) -> None:
        self.database = database
        self.ctx = ctx
        self.senders = dict(senders)
        self._fillers = {
            platform: sender
            for platform, sender in self.senders.items()
            if isinstance(sender, TemplateSender)
        }
        self.limits = limits or SendLimits()
        self.lease = lease
        self.batch_size = batch_size
        self.concurrency = concurrency
        # Sent prompts that may wait for their record while as many others go out (the
        # write overlaps the next sends): a crash re-sends at most concurrency + behind.
        self.behind = max(concurrency, SEND_BEHIND) if behind is None else behind
        self._wakeup = asyncio.Event()
        # Sent while the database was away, waiting to be recorded before anything new.
        self._unrecorded: list[PlannedSend] = []
        # Claimed, not yet sent, per workspace: a new claim's lease waits behind them.
        self._queued: dict[tuple[str, str], int] = {}
        self._send_log = SendLog(database)
        # Claimed, not yet sent, at or below which the next claim starts (see `_ahead`).
        self._claim_below = batch_size
        # Claimed in this pass and not yet recorded, per person: the fatigue cap counts them.
        self._in_flight: dict[int, list[datetime]] = {}

    @property
    def _grace(self) -> timedelta:
        return min(LEASE_GRACE, self.lease / 2)

    @property
    def most_resent(self) -> int:
        """The most prompts a crash at any instant can leave sent but unrecorded (each is
        sent again when its lease ends): those on the wire and those whose record is
        being written."""
        return self.concurrency + self.behind

    def wake(self) -> None:
        self._wakeup.set()

    async def close(self) -> None:
        """Give back the connection the outbox claims and records on: a fan-out does so
        when it ends, one cut short (its task dropped mid-send) leaves it open."""
        await self._send_log.close()

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

    # --- the stream: claim and decide, send, record ---

    async def _dispatch_prompts(self, limit: int) -> int:
        """Claims batch after batch, the next while earlier ones still wait to go out (so
        the database work hides behind the network; see `_ahead`), while `concurrency` senders
        take the claimed prompts in turn. Claimed but unrecorded prompts count toward the
        fatigue cap in memory."""
        handled = 0
        self._in_flight = {}
        # Half of what may wait: sends go on while the gathered group is written.
        recorder = Recorder(self._record, gather=max(1, self.behind // 2), linger=RECORD_LINGER)
        waiting: asyncio.Queue[PlannedSend | None] = asyncio.Queue()
        hungry = asyncio.Event()  # few enough wait: time to claim the next batch
        senders = [
            asyncio.create_task(self._sender(waiting, hungry, recorder))
            for _ in range(self.concurrency)
        ]
        try:
            while handled < limit and recorder.failure is None:
                size = self._size(limit, handled)
                claimed, planned = await self._claim(size)
                handled += claimed
                if not claimed:
                    break
                for plan in planned:
                    waiting.put_nowait(plan)
                self._claim_below = self._ahead(size)
                while waiting.qsize() > self._claim_below and recorder.failure is None:
                    hungry.clear()
                    await hungry.wait()
        finally:
            # Whatever went out is recorded (or kept to be) before this returns or raises.
            for _ in senders:
                waiting.put_nowait(None)
            await asyncio.gather(*senders, return_exceptions=True)
            await recorder.idle()
            self._unrecorded += recorder.unrecorded
            await self._send_log.close()  # its connection goes back between fan-outs
        if recorder.failure is not None:
            raise recorder.failure
        return handled

    async def _sender(
        self,
        waiting: asyncio.Queue[PlannedSend | None],
        hungry: asyncio.Event,
        recorder: Recorder,
    ) -> None:
        """Sends one claimed prompt after another. Each sender holds one prompt at a time
        until it is recorded, but for `behind` records still being written."""
        while (plan := await waiting.get()) is not None:
            if waiting.qsize() <= self._claim_below:
                hungry.set()
            to = plan.conversation
            try:
                await self._send(plan, recorder)
            finally:
                self._queued[to.platform, to.workspace] -= 1
            await recorder.room(self.behind)

    async def _record_unrecorded(self) -> None:
        if self._unrecorded:
            await self._record(self._unrecorded)
            self._unrecorded = []

    def _size(self, limit: int, handled: int) -> int:
        """A batch small enough that its lease stays short: at the slowest configured
        rate, about half a lease of sending (the next batch queues behind it)."""
        size = min(self.batch_size, limit - handled)
        rates = self._rates()
        if rates:
            seconds = (self.lease - self._grace).total_seconds() / 2
            size = min(size, int(min(rates) * seconds))
        return max(1, size)

    def _ahead(self, size: int) -> int:
        """Claimed prompts still waiting when the next claim starts. Where a rate paces
        the sends, one batch (half a lease of sending: a second would outlast its lease).
        Where none does, two: a claim (its reads, decisions and writes, each a turn of a
        busy event loop) takes about as long as sending a batch, and senders with nothing
        to send waste the moment."""
        return size if self._rates() else 2 * size

    def _rates(self) -> list[float]:
        """The send rate of each platform that has one."""
        return [rate for p in self.senders if (rate := self.limits.rate(p)) is not None]

    def _lease_until(self, now: datetime, planned: Sequence[PlannedSend]) -> datetime:
        """Now plus what sending these takes behind what is already queued, per workspace
        at its rate; with no rate, the configured lease."""
        longest = 0.0
        fresh: dict[tuple[str, str], int] = {}
        for plan in planned:
            key = (plan.conversation.platform, plan.conversation.workspace)
            fresh[key] = fresh.get(key, 0) + 1
        for key, count_here in fresh.items():
            rate = self.limits.rate(key[0])
            if rate is None:
                return now + self.lease
            longest = max(longest, (self._queued.get(key, 0) + count_here) / rate)
        return now + min(self.lease, timedelta(seconds=longest) + self._grace)

    async def _claim(self, size: int) -> tuple[int, list[PlannedSend]]:
        """(rows handled, prompts to send): decisions and leases written in the claim's
        own transaction. Prompts to platforms without a rate go out at once, so they are
        marked "sending" in that transaction too; paced ones when their turn comes."""
        async with claiming(self.database, self._send_log) as repository:
            now = self.ctx.clock.now()
            rows = await repository.claim(now, size)
            if not rows:
                return 0, []
            pulses = await repository.pulses(
                {row.occurrence.pulse_id for row in rows if row.occurrence.pulse_id}
            )
            since = now - self.ctx.fatigue_cap.period
            recent = await repository.recent_prompt_times(
                {row.person_id for row in rows},
                since,
                claimed={row.id for row in rows if not row.reminder},
            )
            for person_id, times in self._in_flight.items():
                if person_id in recent:
                    recent[person_id].extend(times)
            planner = Planner(self.ctx, self.senders, now)
            changes: list[dict[str, Any]] = []
            planned: list[PlannedSend] = []
            for index, row in enumerate(rows):
                if index and index % DECIDE_BETWEEN_TURNS == 0:
                    await asyncio.sleep(0)  # let paced sends go on time meanwhile
                pulse = pulses.get(row.occurrence.pulse_id or 0)
                try:
                    plan = planner.plan(row, pulse, recent[row.person_id], changes)
                except Exception as error:  # one broken row must not hold up the others
                    log.exception("delivery.crashed", delivery=row.id)
                    reason = f"internal error: {type(error).__name__}"
                    changes.append(
                        {"id": row.id, "state": DeliveryState.FAILED, "last_error": reason}
                    )
                    continue
                if plan is not None:
                    planned.append(plan)
                    recent[row.person_id].append(now)  # the cap counts this one from now on
            lease_until = self._lease_until(now, planned)
            at_once: list[int] = []
            for plan in planned:
                plan.lease_until = lease_until
                if not plan.reminder and self.limits.rate(plan.conversation.platform) is None:
                    plan.marked = True
                    at_once.append(plan.delivery_id)
            await repository.write(changes)
            held = {
                False: await repository.lease(
                    at_once, lease_until, reminder=False, sending_since=now
                ),
                True: set(),
            }
            for reminder in (False, True):
                ids = [
                    plan.delivery_id
                    for plan in planned
                    if plan.reminder is reminder and not plan.marked
                ]
                held[reminder] |= await repository.lease(ids, lease_until, reminder=reminder)
            # A row that changed since it was read (answered, say) is not ours to send.
            planned = [plan for plan in planned if plan.delivery_id in held[plan.reminder]]
        # Committed: from here these are ours until the lease ends.
        for plan in planned:
            self._in_flight.setdefault(plan.person_id, []).append(now)
            key = (plan.conversation.platform, plan.conversation.workspace)
            self._queued[key] = self._queued.get(key, 0) + 1
        return len(rows), planned

    async def _send(self, plan: PlannedSend, recorder: Recorder) -> None:
        """Send one prompt and hand it to the recorder (which the sender waits for)."""
        to = plan.conversation
        if not plan.marked and not await self._mark(plan, recorder):
            return
        if recorder.failure is None:
            await self.limits.acquire(to.platform, to.workspace)
        if recorder.failure is not None:
            # The database went away: nothing more goes out until what went is recorded;
            # this claim is given back (due again) once it is back.
            plan.released = True
            recorder.add(plan)
            return
        # The clock now, not the claim's: a batch can take longer than a Retry-After.
        moment = self.ctx.clock.now()
        if moment >= plan.lease_until:
            # Another dispatcher may have it by now: it is theirs (or ours) to send when it
            # comes due again. Nothing to record.
            log.info("delivery.lease_ran_out", delivery=plan.delivery_id)
            return
        paused = self.limits.paused_until(to.platform, to.workspace, moment)
        if paused is not None:  # a 429 came back for this workspace: wait it out
            wait = (paused - moment).total_seconds()
            plan.error, plan.failed_at = RateLimited(wait, "workspace paused"), moment
        else:
            await self._post(plan)
        recorder.add(plan)

    async def _mark(self, plan: PlannedSend, recorder: Recorder) -> bool:
        """Write the prompt as "sending" before its turn at the platform's pace: asked
        from now on, so a reply that comes before the send's record is an answer to it
        (the record will not overwrite that answer). False if the write failed: the plan
        is kept as released, and not sent."""
        if plan.reminder:  # a reminder's question is open already
            return True
        plan.sending = True
        await recorder.record(plan)
        plan.sending = False
        if recorder.failure is not None:
            plan.released = True  # kept in `unrecorded`: given back, unsent
            return False
        plan.marked = True
        return True

    async def _post(self, plan: PlannedSend) -> None:
        to = plan.conversation
        try:
            filler = self._fillers.get(to.platform)
            if filler is not None and plan.target:
                plan.ref = await filler.send_filled(
                    to, plan.template, plan.target, plan.delivery_id, paced=True
                )
            else:
                plan.ref = await self.senders[to.platform].send(to, plan.message, paced=True)
            plan.sent_at = self.ctx.clock.now()
        except DeliveryError as error:
            plan.error, plan.failed_at = error, self.ctx.clock.now()
            # A 429 holds the whole workspace; a busy conversation only this row.
            if isinstance(error, RateLimited) and not isinstance(error, ConversationBusy):
                until = plan.failed_at + timedelta(seconds=max(error.retry_after, 1.0))
                self.limits.pause(to.platform, to.workspace, until)
        except Exception as error:  # a bug in an adapter: that row fails alone
            log.exception("delivery.send_crashed", delivery=plan.delivery_id)
            plan.crashed = type(error).__name__

    async def _record(self, planned: list[PlannedSend]) -> None:
        now = self.ctx.clock.now()
        changes, results = [], []
        for plan in planned:
            change, result = outcome(plan, now)
            changes.append(change)
            results.append(result)
        await self._send_log.write(changes, gone_people(planned))
        count(planned, results)
        for plan in planned:
            if not plan.sending:
                _forget(self._in_flight, plan)  # in the database now: the cap finds it there


def _forget(in_flight: dict[int, list[datetime]], plan: PlannedSend) -> None:
    """A recorded prompt is in the database now; the cap finds it there."""
    times = in_flight.get(plan.person_id)
    if times:
        times.remove(plan.claimed_at)
        if not times:
            del in_flight[plan.person_id]


__all__ = ["Outbox", "Sender"]
