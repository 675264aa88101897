"""Who runs the scheduler: one replica per PostgreSQL database (an advisory lock on its own
connection, taken over when the holder's connection ends), one process per SQLite file."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from thrive.leader_lock import (
    AdvisoryLock,
    Leadership,
    SQLiteFileLock,
    SQLiteInUse,
    lead,
    sqlite_path,
)

TAKEOVER_SECONDS = 30.0  # what the issue allows; with a 0.2 s retry it takes well under 1 s
RETRY = 0.2


async def terminate(url: str, backend_pid: int | None) -> None:
    """End a session from outside, as a crash or a network cut would end it."""
    assert backend_pid is not None
    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", backend_pid)
    finally:
        await connection.close()


class Replica:
    """One would-be leader: records when it is elected and deposed into a shared log."""

    def __init__(self, name: str, url: str, log: list[str], leading: dict[str, bool]) -> None:
        self.name = name
        self.everyone = leading
        self.lock = AdvisoryLock(url, check_seconds=0.2, check_timeout=1.0)
        self.log = log
        self.stop = asyncio.Event()
        self.leading = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(
            lead(
                self.lock,
                on_elected=self._elected,
                on_deposed=self._deposed,
                stop=self.stop,
                retry_seconds=RETRY,
            )
        )

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await self.task

    async def _elected(self) -> None:
        assert not any(self.everyone.values()), f"two leaders at once: {self.log}"
        self.everyone[self.name] = True
        self.leading = True
        self.log.append(f"{self.name} elected")

    async def _deposed(self) -> None:
        if self.leading:
            self.log.append(f"{self.name} deposed")
        self.everyone[self.name] = False
        self.leading = False


async def eventually(condition: Callable[[], bool], what: str, within: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():
        if loop.time() - started > within:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.02)
    return loop.time() - started


@pytest.mark.postgres
async def test_only_one_lock_holder_and_the_lock_frees_when_its_session_ends(
    own_postgres_url: str,
) -> None:
    url = own_postgres_url.replace("postgresql://", "postgresql+asyncpg://")
    # Checks far apart: only asyncpg's word that the session ended can be this quick.
    first, second = AdvisoryLock(url, check_seconds=60), AdvisoryLock(url, check_seconds=60)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        lost = asyncio.create_task(first.wait_lost())
        await asyncio.sleep(0.3)
        assert not lost.done()  # a healthy connection keeps the lock

        await terminate(own_postgres_url, first.backend_pid)
        await asyncio.wait_for(lost, 2.0)
        assert await second.try_acquire()
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.postgres
async def test_one_replica_leads_and_another_takes_over_when_its_connection_dies(
    own_postgres_url: str,
) -> None:
    url = own_postgres_url.replace("postgresql://", "postgresql+asyncpg://")
    log: list[str] = []
    leading: dict[str, bool] = {}
    replicas = [Replica(name, url, log, leading) for name in ("a", "b")]
    for replica in replicas:
        replica.start()
    try:
        await eventually(lambda: any(r.leading for r in replicas), "a leader", 5.0)
        await asyncio.sleep(3 * RETRY)  # followers have asked again meanwhile: still one
        [leader] = [r for r in replicas if r.leading]
        assert log == [f"{leader.name} elected"]

        await terminate(own_postgres_url, leader.lock.backend_pid)
        took = await eventually(
            lambda: len([line for line in log if line.endswith("elected")]) == 2,
            "a new leader",
            TAKEOVER_SECONDS,
        )
        # The old leader stepped down before anyone was elected again (checked in _elected).
        assert log[:2] == [f"{leader.name} elected", f"{leader.name} deposed"]
        assert took < 5.0
    finally:
        for replica in replicas:
            await replica.close()
    assert not any(leading.values())


async def test_a_follower_keeps_asking_while_the_database_is_unreachable() -> None:
    lock = AdvisoryLock("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    stop = asyncio.Event()
    elected: list[bool] = []

    async def on_elected() -> None:
        elected.append(True)

    async def on_deposed() -> None:
        pass

    task = asyncio.create_task(
        lead(lock, on_elected=on_elected, on_deposed=on_deposed, stop=stop, retry_seconds=0.05)
    )
    await asyncio.sleep(0.3)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2.0)
    assert elected == []


def test_a_second_holder_of_a_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "thrive.db"
    first, second = SQLiteFileLock(database), SQLiteFileLock(database)
    first.acquire()
    with pytest.raises(SQLiteInUse) as refused:
        second.acquire()
    assert str(refused.value) == (
        f"SQLite is single-process: another thrive serve (pid {os.getpid()}) "
        f"is using {database}; use PostgreSQL to run several"
    )
    first.release()
    assert not first.path.exists()  # no lock file left behind
    second.acquire()
    second.release()


def test_only_sqlite_files_are_locked(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/t.db") == tmp_path / "t.db"
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("postgresql+asyncpg://postgres@127.0.0.1/test") is None


async def test_a_second_app_on_the_same_sqlite_file_fails_to_start(tmp_path: Path) -> None:
    events: list[str] = []

    def recorder(event: str) -> Callable[[], Awaitable[None]]:
        async def record() -> None:
            events.append(event)

        return record

    url = f"sqlite+aiosqlite:///{tmp_path}/thrive.db"
    apps = []
    for _ in range(2):
        app = web.Application()
        app.cleanup_ctx.append(Leadership(url, recorder("elected"), recorder("deposed")).lifecycle)
        apps.append(web.AppRunner(app))
    await apps[0].setup()
    try:
        with pytest.raises(SQLiteInUse, match="SQLite is single-process"):
            await apps[1].setup()
        assert events == ["elected"]  # the first process schedules without any lock server
    finally:
        await apps[0].cleanup()
    assert events == ["elected", "deposed"]
    await apps[1].setup()  # the file is free again
    await apps[1].cleanup()
