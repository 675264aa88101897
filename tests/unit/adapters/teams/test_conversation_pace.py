"""Writes into one Teams conversation keep to every sliding window, timed from when
they finished; other conversations never wait for it; a long wait, or any wait for a
caller that must not sleep, is handed back as ConversationBusy."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.teams import conversation_pace
from adapters.teams.conversation_pace import ConversationPace
from bot.errors import ConversationBusy, RateLimited

SMALL_LIMITS = ((3, 0.2), (4, 0.4))


def _busiest(arrivals: list[float], seconds: float) -> int:
    return max(sum(1 for t in arrivals if start <= t < start + seconds) for start in arrivals)


async def _write(
    pace: ConversationPace, conversation: str, log: list[float], takes: float = 0.0
) -> None:
    async with pace.write(conversation):
        await asyncio.sleep(takes)  # the platform call
        log.append(time.monotonic())


async def test_a_burst_into_one_conversation_stays_within_every_window() -> None:
    pace = ConversationPace(SMALL_LIMITS)
    arrivals: list[float] = []

    await asyncio.gather(*(_write(pace, "19:leaders", arrivals) for _ in range(10)))

    assert len(arrivals) == 10
    assert _busiest(arrivals, 0.2) <= 3
    assert _busiest(arrivals, 0.4) <= 4
    # Each window is used, not waited out whole: ten writes take about 0.9 s (not 4).
    assert arrivals[-1] - arrivals[0] < 2.0


async def test_one_writer_after_another_is_spaced_from_when_each_finished() -> None:
    """A write that took long (slow network) still counts from when it was done, so
    the next ones cannot bunch up behind it."""
    pace = ConversationPace(((2, 0.3),))
    finished: list[float] = []

    for takes in (0.2, 0.0, 0.0, 0.0):
        await _write(pace, "19:leaders", finished, takes)

    assert _busiest(finished, 0.3) <= 2


async def test_other_conversations_do_not_wait_for_a_busy_one() -> None:
    pace = ConversationPace(((1, 5.0),))
    arrivals: list[float] = []
    started = time.monotonic()

    await asyncio.gather(*(_write(pace, f"a:chat-{n}", arrivals) for n in range(50)))

    assert len(arrivals) == 50
    assert max(arrivals) - started < 1.0  # none waited for the 5 s window


async def test_a_wait_longer_than_the_cap_is_busy_and_takes_no_place() -> None:
    pace = ConversationPace(((1, 60.0),))
    async with pace.write("19:leaders"):
        pass

    with pytest.raises(ConversationBusy) as raised:
        async with pace.write("19:leaders"):
            pytest.fail("a write past the cap must not go")
    assert isinstance(raised.value, RateLimited)
    assert 59.0 < raised.value.retry_after <= 61.0

    # The refused write took no place: the wait is no longer than before.
    with pytest.raises(ConversationBusy) as again:
        async with pace.write("19:leaders"):
            pass
    assert again.value.retry_after <= raised.value.retry_after


async def test_a_caller_that_must_not_sleep_is_told_at_once() -> None:
    pace = ConversationPace(((1, 0.5),))
    async with pace.write("a:chat-1"):
        pass
    started = time.monotonic()

    with pytest.raises(ConversationBusy) as raised:
        async with pace.write("a:chat-1", may_wait=False):
            pass

    assert time.monotonic() - started < 0.25
    assert 0.0 < raised.value.retry_after <= 0.6


async def test_a_write_cancelled_while_waiting_gives_its_place_back() -> None:
    pace = ConversationPace(((1, 0.3),))
    async with pace.write("19:leaders"):
        pass
    waiting = asyncio.create_task(_write(pace, "19:leaders", []))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    arrivals: list[float] = []
    started = time.monotonic()

    await _write(pace, "19:leaders", arrivals)

    # It waited for the first write's window only, not for the cancelled one's too.
    assert arrivals[0] - started < 0.5


async def test_logs_of_quiet_conversations_are_dropped() -> None:
    pace = ConversationPace(((1, 0.01),))
    for n in range(conversation_pace.SWEEP_EVERY - 1):
        async with pace.write(f"a:chat-{n}"):
            pass
    assert pace.tracked() == conversation_pace.SWEEP_EVERY - 1
    await asyncio.sleep(0.05)

    async with pace.write("a:chat-last"):
        pass

    assert pace.tracked() == 1


@pytest.mark.parametrize("limits", [(), ((0, 1.0),), ((7, 0.0),)])
def test_limits_that_allow_nothing_are_refused(limits: tuple[tuple[int, float], ...]) -> None:
    with pytest.raises(ValueError):
        ConversationPace(limits)
