"""The queue behind Slack's acks: every job runs, work gives way to requests in flight
(but not for longer than its bound), and shutdown drains it."""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from adapters.slack.work_queue import RequestGate, WorkQueue

SETTLE = 0.05  # long enough for queued work on an otherwise idle loop


async def _until(check: object, timeout: float = 2.0) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_every_job_runs_in_order_and_a_failure_stops_nothing() -> None:
    queue = WorkQueue(RequestGate(), workers=1)
    done: list[int] = []

    async def job(n: int) -> None:
        await asyncio.sleep(0)
        if n == 2:
            raise RuntimeError("job 2 fails")
        done.append(n)

    for n in range(5):
        queue.submit(job(n))
    with capture_logs() as logs:
        await _until(lambda: queue.pending == 0)

    assert done == [0, 1, 3, 4]
    assert (queue.submitted, queue.finished, queue.failed) == (5, 5, 1)
    assert [entry["event"] for entry in logs] == ["slack.work_failed"]
    await queue.drain(1.0)


async def test_work_waits_while_a_request_is_handled_then_runs() -> None:
    gate = RequestGate()
    queue = WorkQueue(gate, max_wait=10.0)
    done: list[str] = []

    async def job() -> None:
        done.append("started")
        await asyncio.sleep(0.01)  # a round trip: the next step gives way again
        done.append("finished")

    with gate.handling():
        queue.submit(job())
        await asyncio.sleep(SETTLE)
        assert done == []  # not even started while Slack waits for its ack
    await _until(lambda: done == ["started", "finished"])
    await queue.drain(1.0)


async def test_a_job_under_way_pauses_between_steps_while_a_request_is_handled() -> None:
    gate = RequestGate()
    queue = WorkQueue(gate, max_wait=10.0)
    steps: list[int] = []
    started = asyncio.Event()

    async def job() -> None:
        steps.append(1)
        started.set()
        await asyncio.sleep(0.01)
        steps.append(2)

    queue.submit(job())
    await started.wait()
    with gate.handling():
        await asyncio.sleep(SETTLE)
        assert steps == [1]
    await _until(lambda: steps == [1, 2])
    await queue.drain(1.0)


async def test_work_never_waits_longer_than_its_bound_under_a_stream_of_requests() -> None:
    gate = RequestGate()
    queue = WorkQueue(gate, max_wait=0.1)
    done = asyncio.Event()

    async def job() -> None:
        await asyncio.sleep(0)
        done.set()

    with gate.handling():  # a request always in flight
        queue.submit(job())
        await asyncio.wait_for(done.wait(), timeout=1.0)
    await queue.drain(1.0)


async def test_shutdown_drains_the_queue_even_with_requests_in_flight() -> None:
    gate = RequestGate()
    queue = WorkQueue(gate, workers=2, max_wait=60.0)
    done: list[int] = []

    async def job(n: int) -> None:
        await asyncio.sleep(0.001)
        done.append(n)

    with gate.handling():  # still held: drain must not wait for it
        for n in range(20):
            queue.submit(job(n))
        await queue.drain(5.0)

    assert sorted(done) == list(range(20))
    assert queue.pending == 0


async def test_shutdown_is_bounded_and_counts_what_it_could_not_finish() -> None:
    queue = WorkQueue(RequestGate(), workers=1)
    stuck = asyncio.Event()

    async def forever() -> None:
        await stuck.wait()

    queue.submit(forever())
    queue.submit(forever())  # never started: closed, not left un-awaited
    with capture_logs() as logs:
        await queue.drain(0.05)

    [unfinished] = logs
    assert unfinished["event"] == "slack.work_unfinished"
    assert (unfinished["jobs"], unfinished["never_started"]) == (2, 1)
    assert queue.finished == 1  # the running one was cancelled


async def test_work_submitted_after_shutdown_is_refused_not_left_hanging() -> None:
    queue = WorkQueue(RequestGate())
    await queue.drain(0.1)
    ran: list[str] = []

    async def late() -> None:
        ran.append("late")

    with capture_logs() as logs:
        queue.submit(late())
        await asyncio.sleep(SETTLE)

    assert ran == []
    assert [entry["event"] for entry in logs] == ["slack.work_after_shutdown"]
