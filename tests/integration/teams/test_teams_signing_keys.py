"""The channel's signing keys are fetched off the event loop: while a slow metadata
host keeps the first requests waiting, the server still answers everything else,
and the keys are fetched once for all of them."""

from __future__ import annotations

import asyncio
import time

from tests.integration.teams.live_teams import LiveTeams, personal_message

SLOW_METADATA_SECONDS = 1.0


async def test_a_slow_metadata_host_stalls_nothing_else_and_is_asked_once(
    live: LiveTeams,
) -> None:
    live.channel.metadata_delay = SLOW_METADATA_SECONDS
    token = live.channel.mint(service_url=live.channel.url)
    longest_stall = 0.0
    done = asyncio.Event()

    async def watch_the_loop() -> None:
        """The server shares this event loop: a blocking fetch would stall this too."""
        nonlocal longest_stall
        while not done.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            longest_stall = max(longest_stall, time.monotonic() - before)

    watcher = asyncio.create_task(watch_the_loop())
    turns = [
        live.post(personal_message(live.channel.url, "help", user=f"29:user-{n}"), token)
        for n in range(3)
    ]
    statuses = await asyncio.gather(*turns)
    done.set()
    await watcher

    assert statuses == [201, 201, 201]
    assert longest_stall < SLOW_METADATA_SECONDS / 2
    assert live.channel.metadata_fetches == 1
    assert len(await live.replies(3)) == 3
