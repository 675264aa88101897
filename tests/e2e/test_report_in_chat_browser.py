"""A leader types `report` in the local web chat page: the summary shows and its chart
is drawn as an image the browser decoded, with nothing fetched from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect

from adapters.local.adapter import LOCAL_PLATFORM, LOCAL_WORKSPACE
from tests.e2e.chat_server import Server
from tests.e2e.test_chat_page_browser import open_chat_as
from tests.integration.report_answers import seed_recent_answers

pytestmark = pytest.mark.browser


async def test_the_report_chart_is_drawn_in_the_chat(page: Page, server: Server) -> None:
    database = server.runtime.database
    await seed_recent_answers(database, LOCAL_PLATFORM, LOCAL_WORKSPACE, datetime.now(UTC))
    say = server.runtime.ctx.say
    await open_chat_as(page, server, "Dr Helen Brooks")

    await page.locator("#text").fill("report")
    await page.locator("#text").press("Enter")

    chart = page.locator("li.msg.bot img.chart")
    await expect(chart).to_be_visible()
    assert await chart.get_attribute("alt") == say("report.chat.chart_alt", days=30)
    assert await chart.evaluate("image => image.complete && image.naturalWidth") > 300
    header = say("report.chat.header", days=30, minimum=5)
    message = page.locator("li.msg.bot").filter(has=page.locator("img.chart"))
    await expect(message).to_contain_text(header)
