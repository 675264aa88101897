"""The local chat keeps what it drew; what an older version drew (an unworded idea card,
a question inside its message's text) is drawn worded and once."""

from __future__ import annotations

from typing import Any

from adapters.local.renderer import brought_up_to_date
from bot.context import BotContext

OLD_CARD: dict[str, Any] = {
    "text": "Idea #9 is now declined (Dr Lee).",
    "question": None,
    "buttons": [],
    "form": None,
    "notices": [],
    "idea": {
        "id": 9,
        "text": "Standing desks",
        "state": "declined",
        "votes": 0,
        "submitted_by": "Wei",
        "owner": None,
        "note": "No room",
    },
}
OLD_QUESTION: dict[str, Any] = {
    "text": "(1 of 3) What brings you joy? Reply here, or press Answer.",
    "question": {
        "prompt_id": "joy-more",
        "text": "What brings you joy?",
        "kind": "free_text",
        "follow_up": None,
        "options": [],
    },
    "buttons": [],
    "form": None,
    "notices": [],
    "idea": None,
}


def test_an_old_idea_card_is_drawn_worded(ctx: BotContext) -> None:
    idea = brought_up_to_date(OLD_CARD, ctx.say)["idea"]
    assert idea == {
        "id": 9,
        "title": "Idea #9",
        "state": "declined",
        "text": "Standing desks",
        "facts": ["From Wei", "0 votes"],
        "notes": [{"label": "Reason", "text": "No room"}],
    }


def test_an_old_question_keeps_its_text_and_is_not_shown_twice(ctx: BotContext) -> None:
    drawn = brought_up_to_date(OLD_QUESTION, ctx.say)
    assert drawn["text"] == OLD_QUESTION["text"]
    assert drawn["question"]["text"] == "" and drawn["question"]["prompt_id"] == "joy-more"


def test_a_current_message_is_left_as_it_is(ctx: BotContext) -> None:
    current = {**OLD_CARD, "idea": None, "text": "Thanks"}
    assert brought_up_to_date(current, ctx.say) == current
