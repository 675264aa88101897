"""The channel's signing keys are fetched off the event loop: while a slow metadata
host keeps the first requests waiting, the server still answers everything else,
and the keys are fetched once for all of them."""

from __future__ import annotations

from tests.integration.loop_watch import watching_the_loop
from tests.integration.teams.live_teams import LiveTeams

SLOW_METADATA_SECONDS = 1.0


async def test_a_slow_metadata_host_stalls_nothing_else_and_is_asked_once(
    live: LiveTeams,
) -> None:
    live.channel.metadata_delay = SLOW_METADATA_SECONDS
    async with watching_the_loop() as watch:
        statuses = await live.helps_at_once(3)

    assert statuses == [201, 201, 201]
    assert watch.longest_stall < SLOW_METADATA_SECONDS / 2
    assert live.channel.metadata_fetches == 1
    assert len(await live.replies(3)) == 3
