"""A real Thrive server with the Slack adapter on, pointed at a FakeSlack on loopback;
or the FakeSlack alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import SystemClock
from tests.conftest import sqlite_url_from
from tests.integration.slack.fake_slack import FakeSlack
from tests.integration.slack.live_slack import SIGNING_SECRET, LiveSlack
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API alone, for tests of a client against it."""
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def live(tmp_path: Path, migrated_sqlite_file: Path) -> AsyncIterator[LiveSlack]:
    async with FakeSlack() as slack:
        settings = load_settings(
            database_url=sqlite_url_from(migrated_sqlite_file, tmp_path / "t.db"),
            secret_key="x",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=slack.token,
            slack_api_url=slack.base_url,
            slack_leaders_channel="C0LEADERS",
        )
        runtime = await build_runtime(settings, clock=SystemClock())
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        live = LiveSlack(f"http://127.0.0.1:{port}", runtime, slack, http, runner)
        try:
            yield live
        finally:
            await live.stop()
