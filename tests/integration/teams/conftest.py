"""A real Thrive server with the Teams adapter on (auth on), against a FakeConnector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import sqlite_url_from
from tests.integration.teams.fake_connector import FakeConnector
from tests.integration.teams.live_teams import APP_ID, LiveTeams, start_live


@pytest.fixture
def channel() -> Iterator[FakeConnector]:
    with FakeConnector(app_id=APP_ID) as fake:
        yield fake


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite_file: Path) -> str:
    return sqlite_url_from(migrated_sqlite_file, tmp_path / "t.db")


@pytest.fixture
async def live(database_url: str, channel: FakeConnector) -> AsyncIterator[LiveTeams]:
    live = await start_live(database_url, channel)
    try:
        yield live
    finally:
        await live.stop()
