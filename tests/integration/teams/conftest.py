"""A real Thrive server with the Teams adapter on (auth on), against a FakeConnector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import SystemClock
from tests.integration.teams.fake_connector import APP_PASSWORD, FakeConnector
from tests.integration.teams.live_teams import APP_ID, LiveTeams
from thrive.server import build_runtime, create_app, start_site
from thrive.settings import load_settings


@pytest.fixture
def channel() -> Iterator[FakeConnector]:
    with FakeConnector(app_id=APP_ID) as fake:
        yield fake


@pytest.fixture
async def live(tmp_path: Path, channel: FakeConnector) -> AsyncIterator[LiveTeams]:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/t.db",
        secret_key="x",
        teams_app_id=APP_ID,
        teams_app_password=APP_PASSWORD,
        teams_openid_metadata_url=channel.metadata_url,
        teams_token_issuer=channel.issuer,
        teams_login_url=channel.login_url,
    )
    runtime = await build_runtime(settings, clock=SystemClock())
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    live = LiveTeams(f"http://127.0.0.1:{port}", runtime, channel, http, runner)
    try:
        yield live
    finally:
        await live.stop()
