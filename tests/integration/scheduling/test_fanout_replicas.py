"""A big fan-out through real `thrive serve` processes on one PostgreSQL database.

Everyone is in the local web chat, whose sends are rows in `local_chat_messages` (one per
message shown), so "each person was prompted exactly once" is a count in SQL. Two replicas
share the work without sending anything twice; after a `kill -9` mid-fan-out nobody is
lost, and only prompts the dead process was sending, or had sent and was recording, can
go out twice (bot.outbox.delivery: at most concurrency + behind, never a batch).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from adapters.local.adapter import LOCAL_PLATFORM, LOCAL_WORKSPACE, conversation_for
from bot.catalog import sync_content
from bot.clock import SystemClock
from bot.context import BotContext
from bot.outbox.delivery import SEND_CONCURRENCY, Outbox
from bot.pulses.runs import ask_now
from prompts import Content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Person
from storage.people import PeopleRepository
from tests.cli.thrive_process import clean_env, read_url, start_thrive, stop
from tests.integration.many_people import add_reachable_people

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RECIPIENTS = 2_000
PROMPT = "joy-more"
SECRET = "fanout-replicas"
RATE = 200  # messages per second per process (THRIVE_SEND_RATE is per process)
LEASE_SECONDS = 3  # THRIVE_OUTBOX_LEASE_SECONDS in the crash tests: re-sent soon after
FINISH_WITHIN = 45.0  # seconds for the whole fan-out to be recorded (it takes ~5-12 s)
POLL = 0.02
# What a crash can leave sent but unrecorded at the default concurrency: on the wire, and
# sent with the record being written (Outbox.most_resent).
MOST_RESENT = 2 * SEND_CONCURRENCY


def _raw(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@dataclass
class Server:
    name: str
    process: asyncio.subprocess.Process
    port: int

    @property
    def running(self) -> bool:
        return self.process.returncode is None


class Fleet:
    """`thrive serve` processes on one database, each with the local web chat on."""

    def __init__(self, tmp_path: Path, url: str, **settings: str) -> None:
        self.tmp_path = tmp_path
        self.env = clean_env(
            THRIVE_DATABASE_URL=url,
            THRIVE_SECRET_KEY=SECRET,
            THRIVE_PORT="0",
            THRIVE_LOCAL_CHAT="true",
            THRIVE_LOG_FORMAT="json",
            # clean_env drops the test defaults from tests/conftest.py: the servers run on
            # the real clock, at whatever hour CI runs.
            THRIVE_QUIET_HOURS="off",
            THRIVE_QUIET_WEEKENDS="false",
            THRIVE_SEND_RATE=str(RATE),
            **settings,
        )
        self.servers: list[Server] = []

    async def start(self, name: str) -> Server:
        process = await start_thrive(self.tmp_path, f"{name}.log", "serve", env=self.env)
        assert process.stdout is not None
        try:
            port, _lines = await read_url(process.stdout)
        except BaseException:
            process.kill()
            await process.wait()
            raise
        server = Server(name, process, port)
        self.servers.append(server)
        return server

    async def kill_9(self, server: Server) -> None:
        server.process.send_signal(signal.SIGKILL)  # no clean shutdown: a crash
        await server.process.wait()

    async def close(self) -> None:
        for server in self.servers:
            if server.running:
                assert await stop(server.process, signal.SIGTERM) == 0, self.log(server)

    def log(self, server: Server) -> str:
        return (self.tmp_path / f"{server.name}.log").read_text()[-3000:]


@pytest.fixture
async def database(own_postgres_url: str, content: Content) -> AsyncIterator[Database]:
    """The test's own database, migrated (so servers started together do not race to)."""
    found = Database(own_postgres_url)
    await upgrade(found)
    await sync_content(found, content)
    yield found
    await found.dispose()


@pytest.fixture
async def sql(own_postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(_raw(own_postgres_url))
    yield connection
    await connection.close()


async def add_people(database: Database, count: int) -> list[Person]:
    """`count` local-chat clinicians, as `thrive demo` makes them (no quiet hours)."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace(LOCAL_PLATFORM, LOCAL_WORKSPACE, now=now)
        user_ids = [f"clin{n:05d}" for n in range(count)]
        return await add_reachable_people(session, workspace.id, user_ids, conversation_for, now)


async def open_occurrence(database: Database, content: Content, people: list[Person]) -> None:
    """What a pulse firing does: one delivery row per person; the servers send them."""
    ctx = BotContext(content, SystemClock(), SECRET, "UTC")
    opened = await ask_now(database, ctx, Outbox(database, ctx, {}), people, [PROMPT])
    assert opened.queued == len(people)


async def prompts_shown(sql: asyncpg.Connection) -> int:
    """Prompt messages in the local chat (what people see), duplicates included."""
    count: int = await sql.fetchval("SELECT count(*) FROM local_chat_messages WHERE sender='bot'")
    return count


async def until_shown(sql: asyncpg.Connection, at_least: int, within: float) -> int:
    deadline = time.monotonic() + within
    while (shown := await prompts_shown(sql)) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {shown} prompts shown after {within}s")
        await asyncio.sleep(POLL)
    return shown


async def until_all_sent(sql: asyncpg.Connection, within: float = FINISH_WITHIN) -> float:
    """Seconds until every delivery is recorded in a final state; fails after `within`."""
    started = time.monotonic()
    # "sending": in flight when a replica died, due again when its lease runs out.
    unsent = "SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending')"
    while await sql.fetchval(unsent):
        if time.monotonic() - started > within:
            states = await sql.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")
            raise AssertionError(f"not all recorded within {within}s: {states}")
        await asyncio.sleep(POLL)
    return time.monotonic() - started


@dataclass(frozen=True)
class Outcome:
    states: dict[str, int]
    never: int  # people with no prompt at all
    twice: int  # people prompted more than once
    extra: int  # prompts beyond one per person
    wrong: int  # bot messages that are not the prompt


async def outcome(sql: asyncpg.Connection, prompt_text: str) -> Outcome:
    states = await sql.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")
    per_person = await sql.fetch(
        """
        SELECT p.id, count(m.id) AS shown
        FROM people p LEFT JOIN local_chat_messages m ON m.person_id = p.id AND m.sender = 'bot'
        GROUP BY p.id
        """
    )
    wrong = await sql.fetchval(
        "SELECT count(*) FROM local_chat_messages"
        " WHERE sender = 'bot' AND coalesce(body->'question'->>'text', '') <> $1",
        prompt_text,
    )
    return Outcome(
        states={str(row["state"]): int(row["count"]) for row in states},
        never=sum(1 for row in per_person if row["shown"] == 0),
        twice=sum(1 for row in per_person if row["shown"] > 1),
        extra=sum(row["shown"] - 1 for row in per_person if row["shown"] > 1),
        wrong=int(wrong),
    )


async def sent_by(server: Server) -> float:
    """What the process's /metrics says it sent (each process counts its own)."""
    url = f"http://127.0.0.1:{server.port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith("thrive_deliveries_total{") and 'result="sent"' in line:
            assert 'platform="local"' in line, line  # nobody else is configured
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def prompt_text(content: Content) -> str:
    return content.prompt(PROMPT).text


async def test_two_replicas_share_a_fan_out_and_prompt_everyone_once(
    tmp_path: Path,
    own_postgres_url: str,
    database: Database,
    sql: asyncpg.Connection,
    content: Content,
) -> None:
    people = await add_people(database, RECIPIENTS)
    fleet = Fleet(tmp_path, own_postgres_url)
    try:
        first, second = await asyncio.gather(fleet.start("first"), fleet.start("second"))
        await open_occurrence(database, content, people)
        took = await until_all_sent(sql)

        found = await outcome(sql, prompt_text(content))
        shares = [await sent_by(first), await sent_by(second)]
        print(
            f"\n{RECIPIENTS} prompts through 2 replicas at {RATE}/s each: {took:.1f} s; "
            f"sent by each: {shares[0]:.0f} + {shares[1]:.0f}"
        )
        assert found == Outcome(states={"sent": RECIPIENTS}, never=0, twice=0, extra=0, wrong=0)
        assert sum(shares) == RECIPIENTS
        assert all(share > 0 for share in shares), "one replica did all the work"
    finally:
        await fleet.close()


async def test_kill_9_of_one_replica_mid_fan_out_loses_nobody_and_resends_only_what_was_in_progress(
    tmp_path: Path,
    own_postgres_url: str,
    database: Database,
    sql: asyncpg.Connection,
    content: Content,
) -> None:
    people = await add_people(database, RECIPIENTS)
    fleet = Fleet(
        tmp_path,
        own_postgres_url,
        THRIVE_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    try:
        victim, survivor = await asyncio.gather(fleet.start("victim"), fleet.start("survivor"))
        started = time.monotonic()
        await open_occurrence(database, content, people)
        await until_shown(sql, int(RECIPIENTS * 0.3), FINISH_WITHIN)
        await fleet.kill_9(victim)
        shown_at_kill = await prompts_shown(sql)
        assert 0.2 * RECIPIENTS <= shown_at_kill <= 0.6 * RECIPIENTS, shown_at_kill

        await until_all_sent(sql)
        took = time.monotonic() - started
        found = await outcome(sql, prompt_text(content))
        print(
            f"\nkill -9 of one of 2 replicas at {shown_at_kill}/{RECIPIENTS} shown: "
            f"finished in {took:.1f} s; prompted twice: {found.twice} "
            f"(at most {MOST_RESENT}); never prompted: {found.never}"
        )
        assert survivor.running
        assert found.states == {"sent": RECIPIENTS}
        assert found.never == 0  # nobody lost
        assert found.twice == found.extra <= MOST_RESENT  # only what the victim had in progress
        assert found.wrong == 0
    finally:
        await fleet.close()


async def test_kill_9_of_the_only_server_mid_fan_out_and_a_restart_finish_it(
    tmp_path: Path,
    own_postgres_url: str,
    database: Database,
    sql: asyncpg.Connection,
    content: Content,
) -> None:
    people = await add_people(database, RECIPIENTS)
    fleet = Fleet(
        tmp_path,
        own_postgres_url,
        THRIVE_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    try:
        only = await fleet.start("only")
        started = time.monotonic()
        await open_occurrence(database, content, people)
        await until_shown(sql, int(RECIPIENTS * 0.3), FINISH_WITHIN)
        await fleet.kill_9(only)
        shown_at_kill = await prompts_shown(sql)
        assert 0.2 * RECIPIENTS <= shown_at_kill <= 0.6 * RECIPIENTS, shown_at_kill
        await asyncio.sleep(0.5)
        assert await prompts_shown(sql) == shown_at_kill  # nobody is sending now

        await fleet.start("restarted")
        await until_all_sent(sql)
        took = time.monotonic() - started
        found = await outcome(sql, prompt_text(content))
        print(
            f"\nkill -9 of the only server at {shown_at_kill}/{RECIPIENTS} shown, then a "
            f"restart: finished in {took:.1f} s; prompted twice: {found.twice} "
            f"(at most {MOST_RESENT}); never prompted: {found.never}"
        )
        assert found.states == {"sent": RECIPIENTS}
        assert found.never == 0
        assert found.twice == found.extra <= MOST_RESENT
        assert found.wrong == 0
    finally:
        await fleet.close()
