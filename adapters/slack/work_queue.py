"""The work behind Slack's acks, queued so that it gives way to the acks themselves.

Slack needs its ack within 3 s or it retries and shows the person an error; a
reply that arrives a second late is fine. So the slow part of each request
(the database, users.info, the replies) runs here, on a few worker coroutines,
and before each of its steps a job waits for its turn: one step of one job at a
time, and only while no inbound Slack request is being handled. Never longer
than `max_wait` after it was queued, though: under a steady stream of requests
the work still moves. At shutdown the queue is drained (bounded), not dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Coroutine, Generator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger(__name__)

WORKERS = 8  # jobs mostly wait on Slack's Web API, so a few run side by side
MAX_WAIT_SECONDS = 1.0
# Work starts only after this long without a request: requests come in bursts, and
# the next one of a burst is often already on the wire (or in the socket buffer).
QUIET_SECONDS = 0.002

Job = Coroutine[Any, Any, None]


class RequestGate:
    """Counts the inbound requests being handled, and hands queued work its turns: one
    step of one job at a time, and only once no request has been in flight for `quiet`
    seconds."""

    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.in_flight = 0
        self.quiet = quiet
        self._last_request = float("-inf")  # loop time the last request was answered
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._busy = False  # a job holds the turn (its step is running)
        self._scheduled = False  # a _grant is due on the next loop pass
        self._open = False

    @contextmanager
    def handling(self) -> Iterator[None]:
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._last_request = asyncio.get_running_loop().time()
            self._schedule()

    def open(self) -> None:
        """Stop holding work back (at shutdown, when only the work is left)."""
        self._open = True
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)
        self._waiting.clear()

    async def turn(self, deadline: float) -> bool:
        """Wait for this job's turn to run one step, or until `deadline` (loop time).
        True if the turn is held: the caller gives it back with `step_done()`."""
        if self._open:
            return False
        if not (self.in_flight or self._busy or self._waiting) and self._quiet_for() <= 0:
            self._busy = True
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except TimeoutError:
            pass  # overdue: the step runs without a turn
        except BaseException:
            if _granted(waiter):  # given a turn we will not take: pass it on
                self.step_done()
            raise
        return _granted(waiter) and not self._open

    def step_done(self) -> None:
        self._busy = False
        self._schedule()

    def _schedule(self) -> None:
        # Never right now: a request that arrived meanwhile goes first.
        if self._waiting and not self._scheduled and not self.in_flight:
            self._scheduled = True
            asyncio.get_running_loop().call_later(max(0.0, self._quiet_for()), self._grant)

    def _quiet_for(self) -> float:
        """Seconds until the quiet after the last request is long enough (<= 0: it is)."""
        return self._last_request + self.quiet - asyncio.get_running_loop().time()

    def _grant(self) -> None:
        self._scheduled = False
        if self.in_flight or self._busy:
            return
        if self._quiet_for() > 0:  # another request came and went meanwhile
            self._schedule()
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # done: the job's wait timed out or was cancelled
                waiter.set_result(None)
                self._busy = True
                return


def _granted(waiter: asyncio.Future[None]) -> bool:
    return waiter.done() and not waiter.cancelled()


class _GivingWay:
    """Runs a coroutine, taking a turn from the gate before each of its steps until
    `deadline`. A step is the code between two awaits that really suspend (a database
    round trip, an HTTP call), so an ack waits for at most the one step already running.
    """

    def __init__(self, job: Job, gate: RequestGate, deadline: float) -> None:
        self._job = job
        self._gate = gate
        self._deadline = deadline

    def __await__(self) -> Generator[Any, None, None]:
        loop = asyncio.get_running_loop()
        error: BaseException | None = None
        while True:
            holding = False
            if error is None and loop.time() < self._deadline:
                try:
                    holding = yield from self._gate.turn(self._deadline).__await__()
                except BaseException as cancelled:  # passed on to the job below
                    error = cancelled
            try:
                waiting_on = self._job.send(None) if error is None else self._job.throw(error)
            except StopIteration:
                return
            finally:
                if holding:
                    self._gate.step_done()
            try:
                yield waiting_on  # the Task waits on the job's future for us
                error = None
            except BaseException as cancelled:
                error = cancelled


@dataclass(frozen=True)
class _Queued:
    job: Job
    deadline: float  # loop time after which the job no longer gives way


class WorkQueue:
    """FIFO jobs on `workers` coroutines; failures are logged, never lost silently."""

    def __init__(
        self,
        gate: RequestGate,
        *,
        workers: int = WORKERS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        self.gate = gate
        self.max_wait = max_wait
        self.submitted = 0
        self.finished = 0  # failed ones included
        self.failed = 0
        self._workers = workers
        self._jobs: asyncio.Queue[_Queued] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._closed = False

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return self.submitted - self.finished

    def submit(self, job: Job) -> None:
        if self._closed:  # a request still in flight after the drain: nobody would run it
            log.warning("slack.work_after_shutdown")
            job.close()
            return
        loop = asyncio.get_running_loop()
        if not self._tasks:  # started here: the queue is built before the loop runs
            self._tasks = {loop.create_task(self._work()) for _ in range(self._workers)}
        self._jobs.put_nowait(_Queued(job, loop.time() + self.max_wait))
        self.submitted += 1

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 (a bounded shutdown)
        """Finish every queued job, no longer giving way, then stop the workers.
        Jobs unfinished after `timeout` seconds are cancelled, and counted in the log."""
        self._closing = True
        self.gate.open()
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._jobs.join()
        self._closed = True
        unfinished, never_started = self.pending, self._jobs.qsize()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        while not self._jobs.empty():
            self._jobs.get_nowait().job.close()  # no "never awaited" warning
        if unfinished:
            log.warning("slack.work_unfinished", jobs=unfinished, never_started=never_started)

    async def _work(self) -> None:
        while True:
            queued = await self._jobs.get()
            try:
                if self._closing:
                    await queued.job
                else:
                    await _GivingWay(queued.job, self.gate, queued.deadline)
            except Exception:  # a job must never take a worker down
                self.failed += 1
                log.exception("slack.work_failed")
            finally:
                self.finished += 1
                self._jobs.task_done()
