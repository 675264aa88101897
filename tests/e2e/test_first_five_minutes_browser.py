"""Each role's first five minutes in the local chat, in headless Chromium against one real
seeded demo server (started once for the module): a clinician answers and meets no dead
end, a leader finds their ideas and `summary`, the wellness lead creates and sends a pulse.

Each walk ends with a screenshot in the test's tmp directory (or THRIVE_SCREENSHOTS).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.clock import SystemClock
from tests.conftest import WAIT_SECONDS
from tests.e2e.chat_server import CHROMIUM, CHROMIUM_ARGS, Server, answers_of, outbox_drained
from tests.e2e.test_chat_page_browser import AUTONOMY, BREAK_THE_RULES, JOY, bot_message_asking
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """One demo server for the three walks: each role uses its own people."""
    where = tmp_path_factory.mktemp("first-minutes")
    settings = load_settings(database_url=f"sqlite:///{where}/t.db", secret_key="x")
    runtime = await build_runtime(settings, clock=SystemClock())
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    try:
        assert await seed_demo(runtime) == 9
        await outbox_drained(runtime)
        yield Server(f"http://127.0.0.1:{port}", runtime)
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def tab(chromium: Browser) -> AsyncIterator[Page]:
    """A fresh page whose script errors fail the test."""
    context = await chromium.new_context(viewport={"width": 1000, "height": 1400})
    context.set_default_timeout(WAIT_SECONDS * 1000)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        await context.close()
    assert errors == [], errors


async def _open_as(page: Page, server: Server, name: str) -> None:
    await page.goto(f"{server.base_url}/chat")
    option = page.locator("#person option", has_text=name)
    await expect(option).to_have_count(1)
    value = await option.get_attribute("value")
    assert value
    await page.select_option("#person", value=value)


async def _type(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")
    await expect(page.locator("#text")).to_have_value("")


async def _screenshot(page: Page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("THRIVE_SCREENSHOTS", tmp_path))
    # The page makes the folder's file; only the folder itself is made here.
    os.makedirs(folder, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _last_bot(page: Page) -> object:
    return page.locator("li.msg.bot").last


async def test_a_clinicians_first_five_minutes(demo: Server, tab: Page, tmp_path: Path) -> None:
    page = tab
    await _open_as(page, demo, "Maria Santos, RN")
    await expect(bot_message_asking(page, JOY)).to_be_visible()

    # A typed answer shows once: in her own message, not again in the bot's replies.
    await _type(page, "Seeing the same families over years")
    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()
    await expect(page.get_by_text("Seeing the same families over years")).to_have_count(1)

    # A pressed point is named, and the follow-up opens in place, optional.
    scale = bot_message_asking(page, AUTONOMY)
    await scale.get_by_role("button", name="4", exact=True).click()
    await expect(page.get_by_text("Thanks, saved: 4 \u2013 Agree")).to_be_visible()
    comment = page.locator("li.msg.bot form", has_text="Anything to add?")
    await comment.locator("[name=answer]").fill("Control over my schedule")
    await comment.get_by_role("button", name="Send").click()
    await expect(page.get_by_text("Added your comment to 4 \u2013 Agree.")).to_be_visible()

    # The idea prompt, then a closing line: what happens next, and who sees what.
    await expect(bot_message_asking(page, BREAK_THE_RULES)).to_be_visible()
    await _type(page, "Protected time for the in-basket every afternoon")
    await expect(page.get_by_text("That's all for now, thank you.")).to_be_visible()
    await expect(page.get_by_text("This pulse is confidential")).to_be_visible()

    # Small talk gets a small reply, never the offer to send "👍" to the leaders.
    for typed, reply in (
        ("thanks!", "You're welcome!"),
        ("👍", "🙂 Noted."),
        ("hlep", "Did you mean `help`?"),
    ):
        await _type(page, typed)
        await expect(page.locator("li.msg.bot").last).to_contain_text(reply.replace("`", ""))
    await expect(page.get_by_role("button", name="Send this as an idea")).to_have_count(0)
    await _type(page, "unsubscribe")
    await expect(page.locator("li.msg.bot").last).to_contain_text("Paused.")

    await _screenshot(page, tmp_path, "clinician")
    stored = await answers_of(demo.runtime, "maria")
    assert [(r.prompt_id, r.scale_value, r.text) for r in stored][1] == (
        "autonomy-vital",
        4,
        "Control over my schedule",
    )


async def test_a_leaders_first_five_minutes(demo: Server, tab: Page, tmp_path: Path) -> None:
    page = tab
    # A clinician sends an idea, so the leader has one waiting.
    await _open_as(page, demo, "Sam Patel, MA")
    await _type(page, "idea: A second MA on Monday mornings")
    await expect(page.get_by_text("is with your leaders")).to_be_visible()

    await _open_as(page, demo, "Dr Helen Brooks")
    # She is welcomed with what leaders do here, and the idea's card is waiting.
    await expect(page.get_by_text("As a leader, clinicians' ideas arrive here")).to_be_visible()
    card = page.locator("li.msg.bot", has=page.locator(".idea-card")).filter(
        has_text="A second MA on Monday mornings"
    )
    await expect(card).to_contain_text("A second MA on Monday mornings")

    await _type(page, "help")
    await expect(page.locator("li.msg.bot").last).to_contain_text("For leaders:")
    await card.get_by_role("button", name="Review").click()
    await expect(card).to_contain_text("under review")

    await _type(page, "summary")
    await expect(page.locator("li.msg.bot").last).to_contain_text("question by question")
    # A leader's hello is answered with what leaders can do, not an idea offer.
    await _type(page, "hi")
    await expect(page.locator("li.msg.bot").last).to_contain_text("As a leader")
    await expect(page.get_by_role("button", name="Send this as an idea")).to_have_count(0)

    await _screenshot(page, tmp_path, "leader")


async def test_a_wellness_leads_first_five_minutes(demo: Server, tab: Page, tmp_path: Path) -> None:
    page = tab
    await _open_as(page, demo, "Ana Moreno")
    await expect(page.get_by_text("As the wellness lead you run the pulses")).to_be_visible()

    # The demo's pulse is a real one.
    await _type(page, "pulses")
    await expect(page.locator("li.msg.bot").last).to_contain_text("Demo check-in (on)")

    await _type(page, "pulse new")
    form = page.locator("li.msg.bot form").last
    await form.locator("[name=name]").fill("Lunchtime check-in")
    await form.locator("[name=questions]").fill("joy-more,valued")
    await form.locator("[name=audience]").fill("site:Northgate")
    await form.locator("[name=days]").fill("tue-thu")
    await form.get_by_role("button", name="Check it").click()

    # A preview before anything is saved: who, where, and each zone's first send.
    preview = page.locator("li.msg.bot", has_text="Lunchtime check-in would reach:")
    await expect(preview).to_contain_text("3 people at 1 site in 1 time zone; first prompts")
    await expect(preview).to_contain_text("12:00 in Chicago")
    await preview.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Saved Lunchtime check-in.")).to_be_visible()

    await _type(page, "pulse send Lunchtime check-in")
    await page.locator("li.msg.bot").last.get_by_role("button", name="Send now").click()
    # "Sent" when someone can be asked now, "Queued" when nobody can (it runs on real time).
    sent = page.locator(
        "li.msg.bot", has_text=re.compile(r"(Sent|Queued) Lunchtime check-in (to|for) 3 people\.")
    )
    await expect(sent).to_be_visible()
    await _screenshot(page, tmp_path, "wellness-lead")
