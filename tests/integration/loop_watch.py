"""How long the event loop stood still: a live server in a test shares the test's
loop, so a blocking call in it (a fetch on the loop) stalls this watcher too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

TICK_SECONDS = 0.01


@dataclass
class LoopWatch:
    longest_stall: float = 0.0


@asynccontextmanager
async def watching_the_loop() -> AsyncIterator[LoopWatch]:
    watch = LoopWatch()
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            before = time.monotonic()
            await asyncio.sleep(TICK_SECONDS)
            watch.longest_stall = max(watch.longest_stall, time.monotonic() - before)

    ticker = asyncio.create_task(tick())
    try:
        yield watch
    finally:
        done.set()
        await ticker
