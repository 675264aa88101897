"""kill -9 of a replica at chosen points of a Slack fan-out, on PostgreSQL: two
`thrive serve` processes share the fan-out; one is killed (kill_points.py says where);
the other finishes it. Nobody is missed, nobody gets the prompt three times, and the
prompts sent twice are only those the dead one had in progress (on the wire, or sent
and being recorded), never a batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from prompts import Content
from storage.engine import Database
from tests.integration.scheduling.kill_points import (
    BEFORE_FIRST_SEND,
    EARLY,
    MID_BATCH,
    MOST_RESENT,
    RIGHT_AFTER_A_SEND,
    SURVIVOR_TOKEN,
    VICTIM_TOKEN,
    Fleet,
    KillingSlack,
    add_slack_people,
    open_fan_out,
    prompted,
    until_everyone_prompted,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Enough that the survivor cannot claim them all before the victim first looks: each
# polls the outbox once a second, and at RATE a process claims two batches at once and
# then one a second (with 120 the victim sometimes found nothing left, under load).
RECIPIENTS = 200


@pytest.fixture
async def sql(own_postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(own_postgres_url)
    yield connection
    await connection.close()


@pytest.mark.parametrize("point", [EARLY, MID_BATCH, BEFORE_FIRST_SEND, RIGHT_AFTER_A_SEND])
async def test_kill_9_of_a_replica_resends_only_what_it_had_in_progress(
    point: str,
    tmp_path: Path,
    own_postgres_url: str,
    own_postgres_db: Database,
    sql: asyncpg.Connection,
    content: Content,
) -> None:
    people = await add_slack_people(own_postgres_db, RECIPIENTS, with_dm=point != BEFORE_FIRST_SEND)
    async with KillingSlack(point) as slack:
        fleet = Fleet(tmp_path, own_postgres_url, slack)
        try:
            victim, survivor = await asyncio.gather(
                fleet.start("victim", VICTIM_TOKEN), fleet.start("survivor", SURVIVOR_TOKEN)
            )
            fleet.kill_on_cue(victim)
            await open_fan_out(own_postgres_db, content, people)
            took = await until_everyone_prompted(slack, RECIPIENTS)
            await asyncio.sleep(0.5)  # a late double would show by now

            found = prompted(slack)
            states = dict(await sql.fetch("SELECT state, count(*) FROM deliveries GROUP BY 1"))
            print(
                f"\nkill -9 {point} (after {slack.killed_after} of the victim's prompts): "
                f"everyone prompted in {took:.1f} s; twice: {found.twice} "
                f"(at most {MOST_RESENT}); three times: {found.thrice}"
            )
            assert slack.killed_after is not None, "the victim never reached the kill point"
            assert not victim.running and survivor.running
            assert found.people == RECIPIENTS  # nobody missed
            assert found.thrice == 0
            assert found.twice == found.extra <= MOST_RESENT
            assert states == {"sent": RECIPIENTS}
        finally:
            await fleet.close()
