"""The recorder's group commit: sends finished close together share one write, a write
waits only briefly for company, a "sending" mark is never held back, and senders are
held once too many records are outstanding."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from bot.events import ConversationRef
from bot.messages import OutboundMessage
from bot.outbox.recording import PlannedSend, Recorder

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _plan(n: int) -> PlannedSend:
    return PlannedSend(
        n,
        ConversationRef("local", "local", f"p{n}"),
        OutboundMessage(text="hello"),
        reminder=False,
        note="",
        attempts=0,
        person_id=n,
        claimed_at=NOW,
        lease_until=NOW,
    )


class Writes:
    def __init__(self, seconds: float = 0.0) -> None:
        self.groups: list[list[int]] = []
        self.seconds = seconds

    async def __call__(self, plans: list[PlannedSend]) -> None:
        await asyncio.sleep(self.seconds)
        self.groups.append([plan.delivery_id for plan in plans])


async def test_sends_finished_together_share_one_write() -> None:
    writes = Writes()
    recorder = Recorder(writes, gather=5, linger=1.0)
    for n in range(5):
        recorder.add(_plan(n))
    await recorder.idle()
    assert writes.groups == [[0, 1, 2, 3, 4]]
    assert recorder.pending == 0


async def test_a_lone_send_is_written_after_the_linger_not_later() -> None:
    writes = Writes()
    recorder = Recorder(writes, gather=10, linger=0.05)
    started = time.monotonic()
    await recorder.add(_plan(1))
    took = time.monotonic() - started
    assert writes.groups == [[1]]
    assert 0.04 <= took < 0.5


async def test_a_sending_mark_is_written_at_once() -> None:
    writes = Writes()
    recorder = Recorder(writes, gather=10, linger=5.0)
    started = time.monotonic()
    await asyncio.wait_for(recorder.record(_plan(7)), timeout=1.0)
    assert writes.groups == [[7]]
    assert time.monotonic() - started < 1.0


async def test_a_sender_waits_while_too_many_records_are_outstanding() -> None:
    writes = Writes(seconds=0.05)
    recorder = Recorder(writes, gather=2, linger=1.0)
    for n in range(4):
        recorder.add(_plan(n))
    assert recorder.pending == 4
    await recorder.room(1)
    assert recorder.pending <= 1
    await recorder.idle()
    assert sorted(n for group in writes.groups for n in group) == [0, 1, 2, 3]


async def test_after_a_failed_write_plans_are_kept_to_be_written_later() -> None:
    async def broken(_plans: list[PlannedSend]) -> None:
        raise ConnectionError("the database went away")

    recorder = Recorder(broken, gather=1)
    await recorder.add(_plan(1))
    recorder.add(_plan(2))
    await recorder.idle()
    await recorder.room(0)  # never blocks once writing has failed
    assert isinstance(recorder.failure, ConnectionError)
    assert [plan.delivery_id for plan in recorder.unrecorded] == [1, 2]


async def test_the_last_sends_of_a_fan_out_are_written_without_lingering() -> None:
    """Once the senders are done nothing more is coming: waiting for company would only
    hold the fan-out's end back by the whole linger."""
    writes = Writes()
    recorder = Recorder(writes, gather=10, linger=30.0)
    recorder.add(_plan(1))
    recorder.add(_plan(2))
    await asyncio.wait_for(recorder.idle(), timeout=5)
    assert writes.groups == [[1, 2]]
    assert recorder.pending == 0
