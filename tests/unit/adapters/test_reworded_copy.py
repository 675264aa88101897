"""An organisation rewords the bot in its own content directory (THRIVE_CONTENT_DIR), and
what Slack and Teams show changes with it: the idea card's labels, a question's progress
and hint, a form's buttons and errors. The renderers add no words of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.local.page import page_html
from adapters.local.renderer import render
from adapters.slack.blocks import render_message, render_modal
from adapters.teams.cards import render_card
from bot.clock import FixedClock
from bot.context import BotContext
from bot.messages import OutboundMessage
from bot.pathway.cards import word_card
from prompts import load_content
from tests.unit.adapters.renderer_cases import answer_form, question

REWORDED = {
    "idea.card.title": "Proposal {number}",
    "idea.card.from": "Sent by {name}",
    "idea.card.anonymous": "Name withheld",
    "idea.card.votes": "{count} supporters",
    "idea.card.led_by": "Owner: {name}",
    "idea.card.reason": "Why not",
    "idea.state.declined": "not taken forward",
    "prompt.progress": "Question {position} of {total}",
    "prompt.hint_text": "Write a line back.",
    "prompt.hint_choice": "Choose one option.",
    "button.cancel": "Close",
    "button.submit": "Submit",
    "form.required": "This one is needed.",
    "form.pick_one": "Choose one first.",
    "chat.page_title": "Wellbeing chat",
    "chat.unreachable": "The server is away; retry soon.",
}
OLD_WORDS = ("Idea #", "From ", "Anonymous", "votes", "Led by", "Reason", "(1 of 3)", "Cancel")


@pytest.fixture
def reworded(tmp_path: Path, clock: FixedClock) -> BotContext:
    lines = ["kind: copy", "messages:"] + [
        f"  {key}: {json.dumps(text)}" for key, text in REWORDED.items()
    ]
    (tmp_path / "copy.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return BotContext(load_content(tmp_path), clock, secret_key="test-secret")


def _card(ctx: BotContext, submitted_by: str | None) -> OutboundMessage:
    idea = word_card(
        ctx.say,
        idea_id=17,
        text="Scribes in every clinic",
        state="declined",
        votes=3,
        submitted_by=submitted_by,
        owner="Dr Lee",
        note="Funding ended",
    )
    return OutboundMessage(text="", idea=idea)


def _all_text(rendered: Any) -> str:
    return json.dumps(rendered, ensure_ascii=False).replace("\\u200b", "")


def test_slack_shows_the_organisations_words(reworded: BotContext) -> None:
    shown = _all_text(render_message(_card(reworded, "Dr Okafor")))
    for words in ["*Proposal 17* · not taken forward", "Sent by Dr Okafor", "3 supporters"]:
        assert words in shown
    assert "Owner: Dr Lee" in shown and "Why not: Funding ended" in shown
    assert "Name withheld" in _all_text(render_message(_card(reworded, None)))

    asked = _all_text(render_message(question(reworded, "joy-more", 0, 3)))
    assert "Question 1 of 3 Write a line back." in asked
    modal = render_modal(answer_form(reworded))
    assert (modal["submit"]["text"], modal["close"]["text"]) == ("Submit", "Close")
    for old in OLD_WORDS:
        assert old not in shown + asked + _all_text(modal)


def test_teams_shows_the_organisations_words(reworded: BotContext) -> None:
    shown = _all_text(render_card(_card(reworded, "Dr Okafor")))
    for words in ["Proposal 17 · not taken forward", "Sent by Dr Okafor · 3 supporters"]:
        assert words in shown
    assert "Owner: Dr Lee" in shown and "Why not: Funding ended" in shown
    assert "Name withheld" in _all_text(render_card(_card(reworded, None)))

    asked = render_card(question(reworded, "joy-more", 0, 3))
    assert "Question 1 of 3 Write a line back." in _all_text(asked)
    (text_box,) = [n for n in asked["body"] if n["type"] == "Input.Text"]
    assert text_box["errorMessage"] == "This one is needed."
    form = render_card(answer_form(reworded))
    assert "This one is needed." in _all_text(form)
    choice = _all_text(render_card(question(reworded, "scope-happy", 0, 1)))
    assert "Choose one option." in choice
    for old in OLD_WORDS:
        assert old not in shown + _all_text(asked) + _all_text(form)


def test_the_local_chat_shows_the_organisations_words(reworded: BotContext) -> None:
    drawn = render(_card(reworded, None))["idea"]
    assert (drawn["title"], drawn["state"]) == ("Proposal 17", "not taken forward")
    assert drawn["facts"] == ["Name withheld", "3 supporters", "Owner: Dr Lee"]
    assert drawn["notes"] == [{"label": "Why not", "text": "Funding ended"}]
    page = page_html(reworded.say)
    assert "<title>Wellbeing chat</title>" in page
    assert "The server is away; retry soon." in page  # the script's words, in data-words
