"""Shared fixtures: real databases (SQLite file or PostgreSQL), a settable clock, content."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.catalog import sync_content
from bot.clock import FixedClock
from bot.context import BotContext
from prompts import Content, load_content
from storage.engine import Database
from storage.migrate import upgrade

DEFAULT_TEST_PG = "postgresql://postgres@127.0.0.1:5432/test"
# How long a test waits for what a live server does: a bound polled until it happens,
# never a sleep (under `make test` two workers share the cores).
WAIT_SECONDS = 15.0

# Servers started by tests (in process or as `thrive serve` subprocesses) run on the real
# clock, at whatever hour and day CI runs: the organisation's quiet hours and weekends
# would hold their prompts back. Those rules are tested with an injected clock instead.
os.environ.setdefault("THRIVE_QUIET_HOURS", "off")
os.environ.setdefault("THRIVE_QUIET_WEEKENDS", "false")


def postgres_url() -> str:
    """The test database; under pytest-xdist each worker has its own (`test_gw0`, ...),
    since every PostgreSQL test empties the database it starts with."""
    url = os.environ.get("THRIVE_TEST_DATABASE_URL", DEFAULT_TEST_PG)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


async def _create_database(raw: str) -> None:
    """Create `raw`'s database unless it exists (an xdist worker's own)."""
    url = make_url(raw).set(drivername="postgresql")
    try:
        admin = await asyncpg.connect(
            url.set(database="postgres").render_as_string(hide_password=False), timeout=5
        )
    except (OSError, asyncpg.PostgresError):
        return  # the first PostgreSQL test says so, with the URL to fix
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database):
            await admin.execute(f'CREATE DATABASE "{url.database}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await admin.close()


@pytest.fixture(scope="session", autouse=True)
def _worker_database() -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        asyncio.run(_create_database(postgres_url()))


async def reset_postgres(url: str) -> None:
    """Empty the test database's public schema, so every test starts from nothing."""
    raw = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        connection = await asyncpg.connect(raw, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(
            f"PostgreSQL tests need a server at {raw} (set THRIVE_TEST_DATABASE_URL): {error}"
        )
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def clock() -> FixedClock:
    # A Monday afternoon in New York, away from any DST change.
    return FixedClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))


@pytest.fixture
def ctx(content: Content, clock: FixedClock) -> BotContext:
    return BotContext(content, clock, secret_key="test-secret", default_timezone="America/New_York")


async def _migrated(url: str, content: Content) -> Database:
    database = Database(url)
    await upgrade(database)
    await sync_content(database, content)
    return database


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Path:
    """One SQLite file migrated to head with the default content, made once per run:
    each test copies it instead of running every migration again (a third of a second
    each, a few minutes over the suite). Migrations themselves are tested from empty in
    tests/unit/migrations and tests/storage."""
    path = tmp_path_factory.mktemp("template") / "thrive.db"

    async def make() -> None:
        database = await _migrated(f"sqlite:///{path}", content)
        await database.dispose()

    asyncio.run(make())
    return path


def _copied(template: Path, path: Path) -> Database:
    return Database(sqlite_url_from(template, path))


def sqlite_url_from(template: Path, path: Path) -> str:
    """The URL of the SQLite file `path`, copied from the migrated template first unless
    it exists (a test that restarts its server keeps its data)."""
    if not path.exists():
        for suffix in ("", "-wal"):
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{path}{suffix}")
    return f"sqlite:///{path}"


@pytest.fixture
async def sqlite_db(tmp_path: Path, migrated_sqlite_file: Path) -> AsyncIterator[Database]:
    """A migrated SQLite file with the default content loaded."""
    database = _copied(migrated_sqlite_file, tmp_path / "thrive.db")
    yield database
    await database.dispose()


@pytest.fixture
async def postgres_db(content: Content) -> AsyncIterator[Database]:
    """The real PostgreSQL test database, emptied and migrated."""
    await reset_postgres(postgres_url())
    database = await _migrated(postgres_url(), content)
    yield database
    await database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    content: Content,
    migrated_sqlite_file: Path,
) -> AsyncIterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = _copied(migrated_sqlite_file, tmp_path / "thrive.db")
    else:
        url = postgres_url()
        await reset_postgres(url)
        database = await _migrated(url, content)
    yield database
    await database.dispose()
