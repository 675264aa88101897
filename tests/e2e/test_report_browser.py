"""The HTML report in headless Chromium, opened from a file with every request outside
it refused: it renders the heat-map and four charts, logs no console error and asks
the network for nothing (a report must open on a laptop on a train)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, Request, Route

from bot.context import BotContext
from bot.reports.html_report import to_html
from storage.engine import Database
from tests.unit.bot.reports.report_data import known_report

pytestmark = pytest.mark.browser


async def test_the_html_report_renders_offline_with_its_charts(
    browser: Browser, sqlite_db: Database, ctx: BotContext, tmp_path: Path
) -> None:
    report = await known_report(sqlite_db, ctx, by="site")
    path = tmp_path / "report.html"
    path.write_text(to_html(report, ctx.say), encoding="utf-8")

    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    left: list[str] = []

    async def refuse_the_network(route: Route, request: Request) -> None:
        if request.url.startswith(("file://", "data:")):
            await route.continue_()
        else:
            left.append(request.url)
            await route.abort()

    await context.route("**/*", refuse_the_network)
    try:
        await page.goto(path.as_uri())
        title = ctx.say("report.title", organisation="Riverside")
        assert await page.locator("h1").inner_text() == title
        matrix = page.locator("table.matrix")
        assert await matrix.locator("tr.question").count() == 2
        north = matrix.locator('tr.group[data-group="North"] td[data-figure="respondents"]')
        assert await north.inner_text() == "12"
        east = matrix.locator('tr.group[data-group="East"] td[data-figure="respondents"]')
        assert await east.inner_text() == ctx.say("report.hidden", minimum=5)
        charts = page.locator("figure img")
        assert await charts.count() == 4
        widths = await charts.evaluate_all("images => images.map(image => image.naturalWidth)")
        assert all(width > 200 for width in widths), widths
        # Kept where THRIVE_REPORT_SCREENSHOT says, for a person to look at.
        shot = os.environ.get("THRIVE_REPORT_SCREENSHOT") or str(tmp_path / "report.png")
        assert len(await page.screenshot(path=shot, full_page=True)) > 20_000
    finally:
        await context.close()
    assert errors == [], errors
    assert left == [], left
