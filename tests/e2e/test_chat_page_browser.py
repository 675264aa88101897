"""The local web chat page in headless Chromium, against the real seeded server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.chat_server import Server, answers_of

pytestmark = pytest.mark.browser

JOY = "What parts of your job bring you joy that you wish you could experience more?"
AUTONOMY = "Do you agree that autonomy is a vital component of work to buffer against burnout?"


async def open_chat_as(page: Page, server: Server, name: str) -> None:
    await page.goto(f"{server.base_url}/chat")
    option = page.locator("#person option", has_text=name)
    await expect(option).to_have_count(1)
    value = await option.get_attribute("value")
    assert value
    await page.select_option("#person", value=value)


def bot_message_asking(page: Page, question: str) -> Locator:
    return page.locator("li.msg.bot").filter(has=page.locator(".question", has_text=question))


async def test_a_clinician_answers_by_typing_and_by_pressing_a_scale_button(
    page: Page, server: Server, tmp_path: Path
) -> None:
    await open_chat_as(page, server, "Dr Amara Okafor")
    await expect(bot_message_asking(page, JOY)).to_be_visible()

    await page.locator("#text").fill("Seeing patients I have known for years")
    await page.locator("#text").press("Enter")

    await expect(
        page.get_by_text("Thanks, saved: Seeing patients I have known for years")
    ).to_be_visible()
    await expect(page.locator("#text")).to_have_value("")
    # The question turned into an "Answered" line without a reload, its buttons gone.
    first = page.locator("li.msg.bot").first
    await expect(first).to_contain_text("✓ Answered: Seeing patients I have known for years")
    await expect(first.get_by_role("button")).to_have_count(0)

    scale = bot_message_asking(page, AUTONOMY)
    await expect(scale).to_be_visible()
    await scale.get_by_role("button", name="4", exact=True).click()

    await expect(page.get_by_text("Thanks, saved: 4")).to_be_visible()
    await expect(page.locator(".question", has_text="break all the rules")).to_be_visible()
    await expect(page.locator("#status")).to_have_text("")

    screenshot = tmp_path / "chat.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    stored = await answers_of(server.runtime, "amara")
    assert [(r.prompt_id, r.text, r.scale_value) for r in stored] == [
        ("joy-more", "Seeing patients I have known for years", None),
        ("autonomy-vital", None, 4),
    ]


async def test_the_answer_button_opens_an_inline_form_that_records_the_answer(
    page: Page, server: Server
) -> None:
    await open_chat_as(page, server, "Maria Santos, RN")
    question = bot_message_asking(page, JOY)
    await expect(question).to_be_visible()

    await question.get_by_role("button", name="Answer", exact=True).click()

    form = page.locator("li.msg.bot form")
    await expect(form).to_be_visible()
    await form.locator("[name=answer]").fill("Teaching medical students")
    await form.get_by_role("button", name="Send").click()

    await expect(page.get_by_text("Thanks, saved: Teaching medical students")).to_be_visible()
    stored = await answers_of(server.runtime, "maria")
    assert [(r.prompt_id, r.text) for r in stored] == [("joy-more", "Teaching medical students")]
