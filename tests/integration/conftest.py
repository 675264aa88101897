"""Fixtures: a real Thrive server on a loopback port (optionally seeded with the demo
organisation) and an HTTP client to it. Helpers live in live_chat.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import SystemClock
from tests.conftest import WAIT_SECONDS, sqlite_url_from
from tests.integration.live_chat import ChatFactory, LiveChat
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

DEMO_CLINICIANS = ("amara", "jordan", "maria", "sam", "wei", "chris", "fatima", "tomas", "grace")


@pytest.fixture
async def start_chat(migrated_sqlite_file: Path) -> AsyncIterator[ChatFactory]:
    """Starts servers whose SQLite file lives in a given directory; stops them all after."""
    started: list[LiveChat] = []

    async def start(directory: Path, *, demo: bool = True) -> LiveChat:
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        url = sqlite_url_from(migrated_sqlite_file, directory / "t.db")
        settings = load_settings(database_url=url, secret_key="x")
        runtime = await build_runtime(settings, clock=SystemClock(), demo=demo)
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS * 2))
        chat = LiveChat(f"http://127.0.0.1:{port}", runtime, http, runner)
        started.append(chat)
        return chat

    yield start
    for chat in reversed(started):
        await chat.stop()


@pytest.fixture
async def live_chat(tmp_path: Path, start_chat: ChatFactory) -> LiveChat:
    """The server with the demo organisation seeded and its first prompts delivered."""
    chat = await start_chat(tmp_path)
    assert await seed_demo(chat.runtime) == 9
    # Wait until the outbox has delivered every first prompt, so tests start from rest.
    for person in DEMO_CLINICIANS:
        await chat.wait_for_question(person, "joy-more")
    return chat
