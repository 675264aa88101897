"""kill -9 of the only server mid Slack fan-out on SQLite, then a restart: nobody is
missed, nobody gets the prompt three times, and only what the dead server had in
progress goes twice (kill_points.py says where it is killed)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from prompts import Content
from storage.engine import Database
from tests.conftest import sqlite_url_from
from tests.integration.scheduling.kill_points import (
    LEASE_SECONDS,
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

pytestmark = pytest.mark.slow

RECIPIENTS = 80


@pytest.mark.parametrize("point", [MID_BATCH, RIGHT_AFTER_A_SEND])
async def test_kill_9_and_a_restart_resend_only_what_was_in_progress(
    point: str, tmp_path: Path, migrated_sqlite_file: Path, content: Content
) -> None:
    path = tmp_path / "thrive.db"
    url = sqlite_url_from(migrated_sqlite_file, path)
    database = Database(url)
    try:
        people = await add_slack_people(database, RECIPIENTS, with_dm=True)
        async with KillingSlack(point) as slack:
            fleet = Fleet(tmp_path, url, slack)
            try:
                only = await fleet.start("only", VICTIM_TOKEN)
                fleet.kill_on_cue(only)
                await open_fan_out(database, content, people)
                await until_killed(slack)
                await only.process.wait()
                await fleet.start("restarted", SURVIVOR_TOKEN)
                took = await until_everyone_prompted(slack, RECIPIENTS)

                found = prompted(slack)
                print(
                    f"\nkill -9 {point} (after {slack.killed_after} prompts), restart after "
                    f"a {LEASE_SECONDS} s lease: everyone prompted {took:.1f} s later; "
                    f"twice: {found.twice} (at most {MOST_RESENT}); three times: {found.thrice}"
                )
                assert found.people == RECIPIENTS
                assert found.thrice == 0
                assert found.twice == found.extra <= MOST_RESENT
            finally:
                await fleet.close()
        with closing(sqlite3.connect(path)) as connection:
            states = dict(connection.execute("SELECT state, count(*) FROM deliveries GROUP BY 1"))
        assert states == {"sent": RECIPIENTS}
    finally:
        await database.dispose()


async def until_killed(slack: KillingSlack, within: float = 30.0) -> None:
    started = time.monotonic()
    while slack.killed_after is None:
        assert time.monotonic() - started < within, "the server never reached the kill point"
        await asyncio.sleep(0.02)
