"""Engine and session setup: one async engine per process, SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

DEFAULT_SQLITE_PATH = Path("thrive.db")


def async_url(database_url: str | None) -> str:
    """Turn a configured URL into one with an async driver.

    Unset means the embedded default, a SQLite file in the working directory.
    Plain `postgresql://` and `sqlite://` URLs get the async drivers we ship.
    """
    if not database_url:
        return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    url = make_url(database_url)
    driver = url.drivername
    if driver in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    elif driver == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    elif driver not in ("postgresql+asyncpg", "postgresql+psycopg", "sqlite+aiosqlite"):
        raise ValueError(f"unsupported database driver {driver!r}: use sqlite or postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[object, object], None]:
    def on_connect(dbapi_connection: object, _record: object) -> None:
        _set_pragmas(dbapi_connection, busy_timeout_ms)

    return on_connect


def _set_pragmas(dbapi_connection: object, busy_timeout_ms: int) -> None:
    # SQLite ignores ON DELETE CASCADE unless this is switched on per connection.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # WAL lets the web chat read while the outbox writes (a no-op for :memory:).
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL stays safe from corruption and skips an fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """The engine plus a session factory; `transaction()` is the unit of work."""

    def __init__(self, database_url: str | None, *, busy_timeout_ms: int = 5000) -> None:
        url = async_url(database_url)
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A failed statement's message would carry its parameters (people's words) into
        # the log: never.
        kwargs: dict[str, object] = {"hide_parameters": True}
        if self.is_sqlite and (":memory:" in url or url.endswith("sqlite+aiosqlite://")):
            # An in-memory database exists per connection: share one.
            kwargs |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            sync_engine: Engine = self.engine.sync_engine
            event.listen(sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite lets one connection write at a time; the rest sleep and poll (busy
        # timeout) or fail "database is locked". One server owns the file (see
        # thrive/leader_lock.py), so its transactions take turns here instead: at 10
        # concurrent requests that cut the slowest from seconds to a few hundred ms.
        self._one_at_a_time = asyncio.Lock() if self.is_sqlite else None
        self._holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any error."""
        async with self._turn(), self.sessions() as session, session.begin():
            yield session

    @property
    def shares_one_connection(self) -> bool:
        """An in-memory SQLite database: every session uses the same connection."""
        return isinstance(self.engine.pool, StaticPool)

    def turn(self) -> AbstractAsyncContextManager[None]:
        """Its turn to write, for work on a connection of its own (SQLite: one at a time)."""
        return self._turn()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        # A transaction opened inside another by the same task must not wait for itself.
        if self._one_at_a_time is None or (task is not None and task is self._holder):
            yield
            return
        async with self._one_at_a_time:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT (both have ON CONFLICT DO NOTHING, but in their own module)."""
    return pg_insert if dialect_name(session) == "postgresql" else sqlite_insert


def dialect_name(session: AsyncSession) -> str:
    """'sqlite' or 'postgresql': the few statements that differ ask this."""
    return session.get_bind().dialect.name
