"""The local web chat page in headless Chromium, against the real seeded server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Request, Route, expect

from tests.e2e.chat_server import Server, answers_of, ideas_of

pytestmark = pytest.mark.browser

JOY = "What parts of your job bring you joy that you wish you could experience more?"
AUTONOMY = "Do you agree that autonomy is a vital component of work to buffer against burnout?"
BREAK_THE_RULES = "break all the rules"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def open_chat_as(page: Page, server: Server, name: str) -> None:
    await page.goto(f"{server.base_url}/chat")
    option = page.locator("#person option", has_text=name)
    await expect(option).to_have_count(1)
    value = await option.get_attribute("value")
    assert value
    await page.select_option("#person", value=value)


def bot_message_asking(page: Page, question: str) -> Locator:
    return page.locator("li.msg.bot").filter(has=page.locator(".question", has_text=question))


def posts_to(page: Page, path_end: str) -> list[Request]:
    """Every POST to a URL ending in `path_end` the page makes from now on, aborted ones too."""
    posted: list[Request] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(path_end):
            posted.append(request)

    page.on("request", record)
    return posted


async def test_the_message_box_is_hidden_until_a_person_is_picked(
    page: Page, server: Server
) -> None:
    await page.goto(f"{server.base_url}/chat")
    await expect(page.locator("#person option").nth(1)).to_be_attached()

    await expect(page.locator("#composer")).to_be_hidden()
    await expect(page.locator("#text")).to_be_hidden()

    await open_chat_as(page, server, "Dr Amara Okafor")
    await expect(page.locator("#text")).to_be_visible()


async def test_a_new_user_answers_the_guide_questions_and_submits_an_idea(
    page: Page, server: Server, tmp_path: Path
) -> None:
    await open_chat_as(page, server, "Dr Amara Okafor")
    await expect(bot_message_asking(page, JOY)).to_be_visible()

    await page.locator("#text").fill("Seeing patients I have known for years")
    await page.locator("#text").press("Enter")

    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()
    await expect(page.locator("#text")).to_have_value("")
    # The question turned into an "Answered" line without a reload, its buttons gone.
    first = page.locator("li.msg.bot").first
    await expect(first).to_contain_text("✓ Answered")
    # The answer shows once, in her own message.
    await expect(page.get_by_text("Seeing patients I have known for years")).to_have_count(1)
    await expect(first.get_by_role("button")).to_have_count(0)

    scale = bot_message_asking(page, AUTONOMY)
    await expect(scale).to_be_visible()
    await scale.get_by_role("button", name="4", exact=True).click()

    await expect(page.get_by_text("Thanks, saved: 4 \u2013 Agree")).to_be_visible()
    await expect(bot_message_asking(page, BREAK_THE_RULES)).to_be_visible()
    await expect(page.locator("#status")).to_have_text("")

    # Words typed right after the press answer the comment box's "What makes you say
    # that?", not the idea question asked below it (which stays open).
    await page.locator("#text").fill("Because I can set my own schedule")
    await page.locator("#text").press("Enter")
    await expect(page.get_by_text("Added your comment to 4 \u2013 Agree.")).to_be_visible()
    assert await ideas_of(server.runtime, "amara") == []

    # The last question is the idea prompt: the answer becomes an idea for the leaders.
    await page.locator("#text").fill("Protected time for charting every afternoon")
    await page.locator("#text").press("Enter")

    await expect(
        page.get_by_text(re.compile(r"Your idea #\d+ is with your leaders"))
    ).to_be_visible()
    await expect(page.locator("#text")).to_have_value("")
    await expect(page.locator("#status")).to_have_text("")

    screenshot = tmp_path / "chat.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    stored = await answers_of(server.runtime, "amara")
    assert [(r.prompt_id, r.text, r.scale_value) for r in stored] == [
        ("joy-more", "Seeing patients I have known for years", None),
        ("autonomy-vital", "Because I can set my own schedule", 4),
        ("break-the-rules", "Protected time for charting every afternoon", None),
    ]
    ideas = await ideas_of(server.runtime, "amara")
    assert [(idea.text, idea.response_id) for idea in ideas] == [
        ("Protected time for charting every afternoon", stored[2].id)
    ]


async def test_pressing_enter_twice_quickly_sends_the_answer_once(
    page: Page, server: Server
) -> None:
    await open_chat_as(page, server, "Jordan Lee, NP")
    await expect(bot_message_asking(page, JOY)).to_be_visible()
    posted = posts_to(page, "/messages")

    await page.locator("#text").fill("Mentoring new nurses")
    await page.locator("#text").focus()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Enter")

    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()
    await expect(page.locator("#text")).to_be_enabled()
    await expect(page.locator("#text")).to_have_value("")
    for request in posted:  # whatever was sent has been answered before we count
        await request.response()
    assert len(posted) == 1, [request.post_data for request in posted]
    await expect(page.locator("li.msg.person", has_text="Mentoring new nurses")).to_have_count(1)
    stored = await answers_of(server.runtime, "jordan")
    assert [(r.prompt_id, r.text) for r in stored] == [("joy-more", "Mentoring new nurses")]


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

    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()
    stored = await answers_of(server.runtime, "maria")
    assert [(r.prompt_id, r.text) for r in stored] == [("joy-more", "Teaching medical students")]


async def test_a_lost_answer_is_retried_with_the_same_id_and_stored_once(
    page: Page, server: Server
) -> None:
    await open_chat_as(page, server, "Sam Patel, MA")
    await expect(bot_message_asking(page, JOY)).to_be_visible()
    posted = posts_to(page, "/messages")
    lost = 0

    async def lose_the_first_answer(route: Route) -> None:
        # The server gets and handles the first send; its answer never reaches the page.
        nonlocal lost
        if lost:
            await route.continue_()
            return
        lost += 1
        await route.fetch()
        await route.abort("internetdisconnected")

    await page.route("**/chat/api/people/*/messages", lose_the_first_answer)
    await page.locator("#text").fill("Quiet mornings before clinic")
    await page.locator("#text").press("Enter")

    await expect(page.locator("#status")).to_have_text("Could not reach Thrive; try again.")
    await expect(page.locator("#text")).to_be_enabled()
    await expect(page.locator("#text")).to_have_value("Quiet mornings before clinic")
    await page.locator("#send").click()

    await expect(page.locator("#text")).to_have_value("")
    await expect(page.locator("#status")).to_have_text("")
    for request in posted:
        await request.response()
    ids = [(request.post_data_json or {}).get("client_message_id") for request in posted]
    assert len(ids) == 2 and ids[0] == ids[1], ids
    stored = await answers_of(server.runtime, "sam")
    assert [(r.prompt_id, r.text) for r in stored] == [("joy-more", "Quiet mornings before clinic")]


async def test_message_ids_work_without_crypto_random_uuid(page: Page, server: Server) -> None:
    # Plain HTTP off loopback is not a secure context: browsers leave randomUUID out there.
    await page.add_init_script("delete Crypto.prototype.randomUUID;")
    await open_chat_as(page, server, "Grace Kim, RN")
    await expect(bot_message_asking(page, JOY)).to_be_visible()
    assert await page.evaluate("typeof crypto.randomUUID") == "undefined"
    posted = posts_to(page, "/messages")

    await page.locator("#text").fill("Time with my team")
    await page.locator("#text").press("Enter")

    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()
    assert len(posted) == 1
    sent_id = (posted[0].post_data_json or {}).get("client_message_id")
    assert isinstance(sent_id, str) and UUID.match(sent_id), sent_id


async def test_a_double_click_on_a_scale_button_sends_one_action(
    page: Page, server: Server
) -> None:
    await open_chat_as(page, server, "Dr Li Wei")
    await page.locator("#text").fill("Solving a hard diagnosis")
    await page.locator("#text").press("Enter")
    scale = bot_message_asking(page, AUTONOMY)
    await expect(scale).to_be_visible()
    actions = posts_to(page, "/actions")

    # Two clicks in the same moment, as a double click or an impatient second press.
    await scale.get_by_role("button", name="3", exact=True).evaluate(
        "button => { button.click(); button.click(); }"
    )

    await expect(
        page.get_by_text("Thanks, saved: 3 \u2013 Neither agree nor disagree")
    ).to_be_visible()
    for request in actions:
        await request.response()
    assert len(actions) == 1, [request.post_data for request in actions]
    stored = await answers_of(server.runtime, "wei")
    assert [(r.prompt_id, r.scale_value) for r in stored] == [
        ("joy-more", None),
        ("autonomy-vital", 3),
    ]


async def test_forget_me_clears_the_page_as_well_as_the_answers(page: Page, server: Server) -> None:
    await open_chat_as(page, server, "Dr Amara Okafor")
    await expect(bot_message_asking(page, JOY)).to_be_visible()
    await page.locator("#text").fill("Teaching the residents")
    await page.locator("#text").press("Enter")
    await expect(page.get_by_text("Thanks, saved.")).to_be_visible()

    await page.locator("#text").fill("forget me")
    await page.locator("#text").press("Enter")
    await page.get_by_role("button", name="Yes, delete them").click()

    done = "Done. Answers deleted: 1. This chat's history went with them where I could remove it."
    await expect(page.get_by_text(done)).to_be_visible()
    await expect(page.locator("li.msg")).to_have_count(1)
    assert await answers_of(server.runtime, "amara") == []
    # A reload shows the same: nothing of what she wrote is kept.
    await page.reload()
    await open_chat_as(page, server, "Dr Amara Okafor")
    await expect(page.locator("li.msg")).to_have_count(1)
    await expect(page.get_by_text("Teaching the residents")).to_have_count(0)


async def test_a_leaders_decline_form_shows_the_idea_apart_from_its_title_and_cancels(
    page: Page, server: Server
) -> None:
    await open_chat_as(page, server, "Dr Amara Okafor")
    await page.locator("#text").fill("idea: a float nurse on Mondays")
    await page.locator("#text").press("Enter")
    await expect(page.get_by_text("is with your leaders")).to_be_visible()

    await open_chat_as(page, server, "Dr Helen Brooks")
    card = page.locator("li.msg.bot").filter(has=page.locator(".idea-card")).last
    await card.get_by_role("button", name="Decline").click()
    form = page.locator("li.msg.bot form").last
    title = form.locator("strong", has_text=re.compile(r"^Decline idea #\d+$"))
    intro = form.get_by_text("The idea: a float nurse on Mondays")
    label = form.locator("label", has_text="Why? The submitter will read this.")
    for part in (title, intro, label):
        await expect(part).to_be_visible()
    # Title, idea and label each on a line of their own, not run together.
    title_box, intro_box, label_box = [await part.bounding_box() for part in (title, intro, label)]
    assert title_box and intro_box and label_box
    assert title_box["y"] < intro_box["y"] < label_box["y"]

    await form.get_by_role("button", name="Cancel").click()
    await expect(page.locator("li.msg.bot form")).to_have_count(0)
    await expect(card.get_by_role("button", name="Decline")).to_be_visible()
    assert [idea.state for idea in await ideas_of(server.runtime, "amara")] == ["submitted"]
