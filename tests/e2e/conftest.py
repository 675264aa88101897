"""Fixtures for the browser tests: a real seeded server on loopback and headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.clock import SystemClock
from tests.conftest import WAIT_SECONDS
from tests.e2e.chat_server import CHROMIUM, CHROMIUM_ARGS, Server, outbox_drained
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

# Playwright's assertions wait 5 s by default, apart from the context's timeout.
expect.set_options(timeout=WAIT_SECONDS * 1000)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    """The real app on a free loopback port, with the demo organisation's prompts delivered."""
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/t.db", secret_key="x")
    runtime = await build_runtime(settings, clock=SystemClock())
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    try:
        assert await seed_demo(runtime) == 9
        await outbox_drained(runtime)
        yield Server(f"http://127.0.0.1:{port}", runtime)
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page whose script errors fail the test."""
    context = await browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(WAIT_SECONDS * 1000)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        await context.close()
    assert errors == [], errors
