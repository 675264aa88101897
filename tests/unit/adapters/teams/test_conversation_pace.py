"""Writes into one Teams conversation keep to every sliding window; other
conversations never wait for it; a long wait is handed back as RateLimited."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.teams import conversation_pace
from adapters.teams.conversation_pace import ConversationPace
from bot.errors import RateLimited

SMALL_LIMITS = ((3, 0.2), (4, 0.4))


def _busiest(arrivals: list[float], seconds: float) -> int:
    return max(sum(1 for t in arrivals if start <= t < start + seconds) for start in arrivals)


async def _write(pace: ConversationPace, conversation: str, log: list[float]) -> None:
    await pace.acquire(conversation)
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


async def test_other_conversations_do_not_wait_for_a_busy_one() -> None:
    pace = ConversationPace(((1, 5.0),))
    arrivals: list[float] = []
    started = time.monotonic()

    await asyncio.gather(*(_write(pace, f"a:chat-{n}", arrivals) for n in range(50)))

    assert len(arrivals) == 50
    assert max(arrivals) - started < 1.0  # none waited for the 5 s window


async def test_a_wait_longer_than_the_cap_is_raised_as_rate_limited_and_not_counted() -> None:
    pace = ConversationPace(((1, 60.0),))
    await pace.acquire("19:leaders")

    with pytest.raises(RateLimited) as raised:
        await pace.acquire("19:leaders")
    assert 59.0 < raised.value.retry_after <= 61.0

    # The refused write took no place in the window: the wait is no longer than before.
    with pytest.raises(RateLimited) as again:
        await pace.acquire("19:leaders")
    assert again.value.retry_after <= raised.value.retry_after


async def test_logs_of_quiet_conversations_are_dropped() -> None:
    pace = ConversationPace(((1, 0.01),))
    for n in range(conversation_pace.SWEEP_EVERY - 1):
        await pace.acquire(f"a:chat-{n}")
    assert pace.tracked() == conversation_pace.SWEEP_EVERY - 1
    await asyncio.sleep(0.05)

    await pace.acquire("a:chat-last")

    assert pace.tracked() == 1


@pytest.mark.parametrize("limits", [(), ((0, 1.0),), ((7, 0.0),)])
def test_limits_that_allow_nothing_are_refused(limits: tuple[tuple[int, float], ...]) -> None:
    with pytest.raises(ValueError):
        ConversationPace(limits)
