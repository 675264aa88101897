"""Who may run the scheduler: on PostgreSQL the one replica holding an advisory lock, on
SQLite the one process holding a lock file next to the database."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = structlog.get_logger(__name__)

# "thrive" in ASCII, then 1: the advisory lock held by the replica running the scheduler.
SCHEDULER_LOCK_KEY = 0x7468726976650001
# How often a follower asks for the lock: it takes over this long after the leader dies.
LEADER_RETRY_SECONDS = 5.0
# How often the leader checks its lock connection; with the timeout, well under the retry
# plus PostgreSQL's keepalive detection below, so a cut-off leader stops before a follower
# can take over.
LEADER_CHECK_SECONDS = 2.0
LEADER_CHECK_TIMEOUT = 2.0
# The server drops a silent leader (host gone, no FIN) after about 10 + 5 x 3 s.
_KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5"}


class SQLiteInUse(RuntimeError):
    """Another process serves this SQLite file; the message says what to do."""


class SQLiteFileLock:
    """An exclusive flock on `<database>.lock`, held while this process serves the file.

    The kernel drops it when the process dies, so a crash never leaves it stuck.
    """

    def __init__(self, database_path: Path) -> None:
        self.database_path = database_path
        self.path = Path(f"{database_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        for _ in range(3):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip()
                os.close(fd)
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise SQLiteInUse(
                    f"SQLite is single-process: another thrive serve{who} is using "
                    f"{self.database_path}; use PostgreSQL to run several"
                ) from None
            if self._still_named(fd):
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                self._fd = fd
                return
            os.close(fd)  # the last holder unlinked it as we opened it: lock the new file
        raise SQLiteInUse(f"could not lock {self.path}: it keeps being replaced")

    def release(self) -> None:
        if self._fd is None:
            return
        # Unlink while still locked: whoever opened the old file sees it is gone (above).
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def _still_named(self, fd: int) -> bool:
        try:
            named = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL; None for PostgreSQL and in-memory databases."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection of its own, held until released or broken.

    PostgreSQL releases a session's advisory locks when its connection ends, so a leader
    that dies (even by kill -9) frees the lock for a follower.
    """

    def __init__(
        self,
        database_url: str,
        key: int = SCHEDULER_LOCK_KEY,
        *,
        check_seconds: float = LEADER_CHECK_SECONDS,
        check_timeout: float = LEADER_CHECK_TIMEOUT,
    ) -> None:
        connect_args: dict[str, Any] = {}
        if make_url(database_url).drivername == "postgresql+asyncpg":
            settings = {**_KEEPALIVES, "application_name": "thrive scheduler lock"}
            connect_args["server_settings"] = settings
        self._engine = create_async_engine(
            database_url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args=connect_args,
        )
        self.key = key
        self._check_seconds = check_seconds
        self._check_timeout = check_timeout
        self._connection: AsyncConnection | None = None
        self._broken = asyncio.Event()
        self.backend_pid: int | None = None

    async def try_acquire(self) -> bool:
        """True if this process now holds the lock; False if another session does."""
        if self._connection is None:
            self._connection = await self._engine.connect()
            self._broken = asyncio.Event()
            await self._listen_for_termination(self._connection)
        row = await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key), pg_backend_pid()"), {"key": self.key}
        )
        held, self.backend_pid = row.one()
        return bool(held)

    async def wait_lost(self) -> None:
        """Return once the lock's connection is broken (the lock is then no longer ours)."""
        while not self._broken.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._broken.wait(), self._check_seconds)
                return
            if not await self._alive():
                return

    async def release(self) -> None:
        """Unlock (if the connection still works) and close the connection."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # broken already: closing is all that is left
                await asyncio.wait_for(
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}),
                    self._check_timeout,
                )
            with contextlib.suppress(Exception):
                await connection.close()

    async def dispose(self) -> None:
        await self.release()
        await self._engine.dispose()

    async def _alive(self) -> bool:
        if self._connection is None:
            return False
        try:
            await asyncio.wait_for(self._connection.execute(text("SELECT 1")), self._check_timeout)
        except Exception as error:  # any failure means the lock may be gone
            log.warning("scheduler.lock_check_failed", error=repr(error))
            return False
        return True

    async def _listen_for_termination(self, connection: AsyncConnection) -> None:
        """asyncpg tells us the moment the server ends the session; others wait for a check."""
        raw: Any = (await connection.get_raw_connection()).driver_connection
        listen = getattr(raw, "add_termination_listener", None)
        if listen is not None:
            listen(lambda _connection: self._broken.set())


async def lead(
    lock: AdvisoryLock,
    *,
    on_elected: Callable[[], Awaitable[None]],
    on_deposed: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    retry_seconds: float = LEADER_RETRY_SECONDS,
) -> None:
    """Ask for the lock until `stop`; while held, run `on_elected`, and `on_deposed` the
    moment it is lost or `stop` is set, before anyone else can hold it."""
    try:
        while not stop.is_set():
            try:
                elected = await lock.try_acquire()
            except Exception as error:  # database unreachable: a follower keeps asking
                log.warning("scheduler.lock_unavailable", error=repr(error))
                await lock.release()
                elected = False
            if elected:
                await _hold(lock, on_elected, on_deposed, stop)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), retry_seconds)
    finally:
        await lock.dispose()


async def _hold(
    lock: AdvisoryLock,
    on_elected: Callable[[], Awaitable[None]],
    on_deposed: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
) -> None:
    log.info("scheduler.leading", lock_key=lock.key, backend_pid=lock.backend_pid)
    lost = asyncio.ensure_future(lock.wait_lost())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await on_elected()
        await asyncio.wait({lost, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except Exception:
        log.exception("scheduler.start_failed")  # let go: another replica may do better
    finally:
        was_lost = lost.done() and not stop.is_set()
        lost.cancel()
        stopping.cancel()
        await on_deposed()
        await lock.release()
    if was_lost:
        log.warning("scheduler.leadership_lost", lock_key=lock.key)


class Leadership:
    """For the app's lifetime: hold a SQLite file alone, and run `on_elected` ... `on_deposed`
    while this process may schedule (always on SQLite; on PostgreSQL while it holds the
    advisory lock). Without callbacks only the SQLite file is held."""

    def __init__(
        self,
        database_url: str,
        on_elected: Callable[[], Awaitable[None]] | None = None,
        on_deposed: Callable[[], Awaitable[None]] | None = None,
        *,
        retry_seconds: float = LEADER_RETRY_SECONDS,
    ) -> None:
        self.database_url = database_url
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._retry_seconds = retry_seconds
        self._stop = asyncio.Event()
        self._leading: asyncio.Task[None] | None = None

    async def lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        path = sqlite_path(self.database_url)
        file_lock = SQLiteFileLock(path) if path is not None else None
        if file_lock is not None:
            await asyncio.to_thread(file_lock.acquire)
        try:
            await self._begin(sqlite=self.database_url.startswith("sqlite"))
            yield
        finally:
            await self.stop()
            if file_lock is not None:
                await asyncio.to_thread(file_lock.release)

    async def stop(self) -> None:
        """Stop scheduling here; idempotent, so the app can call it before its other parts
        (the outbox, the database) shut down."""
        self._stop.set()
        leading, self._leading = self._leading, None
        if leading is not None:
            await leading
        elif self._on_deposed is not None:
            await self._on_deposed()

    async def _begin(self, *, sqlite: bool) -> None:
        if self._on_elected is None or self._on_deposed is None:
            return
        if sqlite:
            await self._on_elected()  # one process per SQLite file: it leads
            return
        lock = AdvisoryLock(self.database_url)
        self._leading = asyncio.create_task(
            lead(
                lock,
                on_elected=self._on_elected,
                on_deposed=self._on_deposed,
                stop=self._stop,
                retry_seconds=self._retry_seconds,
            )
        )
