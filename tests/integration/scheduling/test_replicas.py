"""Two real `thrive serve` processes on one PostgreSQL database: one runs the scheduler;
after `kill -9` of that one, the other takes over (the issue allows 30 s)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.cli.thrive_process import clean_env, read_url, start_thrive, stop
from thrive.leader_lock import LEADER_RETRY_SECONDS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LEADING = "scheduler.leading"
TAKEOVER_SECONDS = 30.0


async def log_says(path: Path, line: str, within: float) -> float:
    """Seconds until the process's log contains `line`; fails after `within`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while line not in await asyncio.to_thread(path.read_text):
        if loop.time() - started > within:
            raise AssertionError(f"{path.name} has no {line!r} after {within}s")
        await asyncio.sleep(0.1)
    return loop.time() - started


async def test_one_replica_schedules_and_another_takes_over_after_kill_9(
    tmp_path: Path, own_postgres_url: str
) -> None:
    env = clean_env(
        THRIVE_DATABASE_URL=own_postgres_url,
        THRIVE_SECRET_KEY="replicas",
        THRIVE_PORT="0",
        THRIVE_LOG_FORMAT="json",
    )
    first = await start_thrive(tmp_path, "first.log", "serve", env=env)
    second: asyncio.subprocess.Process | None = None
    try:
        assert first.stdout is not None
        await read_url(first.stdout)
        await log_says(tmp_path / "first.log", LEADING, 10.0)

        # Started only now: two first-time migrations of one database would race.
        second = await start_thrive(tmp_path, "second.log", "serve", env=env)
        assert second.stdout is not None
        await read_url(second.stdout)
        await asyncio.sleep(1.0)  # it asked for the lock at start, and was told no
        assert LEADING not in (tmp_path / "second.log").read_text()

        first.send_signal(signal.SIGKILL)  # no clean shutdown: only the socket closes
        await first.wait()
        took = await log_says(tmp_path / "second.log", LEADING, TAKEOVER_SECONDS)
        assert took < LEADER_RETRY_SECONDS + 3
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
        if second is not None and second.returncode is None:
            assert await stop(second, signal.SIGTERM) == 0
