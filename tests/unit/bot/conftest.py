"""Fixtures for the core's tests: a recording platform and a chat over a real SQLite file."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import sync_content
from bot.context import BotContext
from prompts import Content
from storage.engine import Database
from storage.migrate import upgrade
from tests.unit.bot.dispatch_harness import ChatHarness, RecordingSender


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Path:
    """A SQLite file migrated and loaded with the default content, once per test run."""
    path = tmp_path_factory.mktemp("migrated") / "thrive.db"

    async def build() -> None:
        database = Database(f"sqlite:///{path}")
        await upgrade(database)
        await sync_content(database, content)
        await database.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
async def sqlite_db(tmp_path: Path, migrated_sqlite_file: Path) -> AsyncIterator[Database]:
    """The shared `sqlite_db` (a migrated SQLite file with the default content), but a copy
    of one migrated file instead of migrating afresh: these tests open many databases."""
    for suffix in ("", "-wal", "-shm"):
        source = migrated_sqlite_file.with_name(migrated_sqlite_file.name + suffix)
        if source.exists():
            shutil.copyfile(source, tmp_path / f"thrive.db{suffix}")
    database = Database(f"sqlite:///{tmp_path / 'thrive.db'}")
    yield database
    await database.dispose()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def chat(sqlite_db: Database, ctx: BotContext, sender: RecordingSender) -> ChatHarness:
    return ChatHarness(sqlite_db, ctx, sender)
