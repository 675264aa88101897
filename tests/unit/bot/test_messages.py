"""Messages kept in the outbox (to_body) come back whole (from_body), in today's shape or
in the shape an older version kept; an old idea card is never shown unworded."""

from __future__ import annotations

import pytest

from bot.context import BotContext
from bot.events import MessageRef
from bot.messages import (
    Button,
    ButtonStyle,
    IdeaCard,
    LabelledText,
    OutboundMessage,
    Question,
    from_body,
    one_line,
    summary,
    to_body,
)
from bot.pathway.cards import read_old_card, word_card

OLD_BODY = {
    "text": "New idea #4 from a clinician:",
    "notices": [],
    "buttons": [{"label": "Review", "action_id": "idea.move", "value": "4:submitted:under_review"}],
    "idea": {
        "idea_id": 4,
        "text": "Protected admin time",
        "state": "in progress",
        "votes": 3,
        "submitted_by": None,
        "owner": "Dr Lee",
        "note": None,
    },
    "replaces": None,
}


def test_a_kept_message_comes_back_whole() -> None:
    message = OutboundMessage(
        text="Idea #4 is now declined (Lee).",
        idea=IdeaCard(
            4,
            "Idea #4",
            "declined",
            "Protected admin time",
            facts=("From Ana", "2 votes"),
            notes=(LabelledText("Reason", "No budget"),),
        ),
        buttons=(Button("Review", "idea.move", "4:declined:under_review", ButtonStyle.PRIMARY),),
        notices=("We removed a phone number.",),
        replaces=MessageRef("slack", "C1", "1700000000.1"),
    )
    assert from_body(to_body(message)) == message


def test_an_old_idea_card_is_worded_by_the_reader_it_is_given(ctx: BotContext) -> None:
    message = from_body(OLD_BODY, lambda raw: read_old_card(ctx.say, raw))
    assert message.idea == IdeaCard(
        4,
        "Idea #4",
        "in progress",
        "Protected admin time",
        ("Anonymous", "3 votes", "Led by Dr Lee"),
    )
    assert [b.label for b in message.buttons] == ["Review"]


def test_an_old_idea_card_without_a_reader_is_refused() -> None:
    with pytest.raises(ValueError, match="old shape"):
        from_body(OLD_BODY)


def test_the_card_names_one_vote_and_a_note_only_where_the_state_has_one(
    ctx: BotContext,
) -> None:
    def card(state: str, votes: int) -> IdeaCard:
        return word_card(
            ctx.say, idea_id=1, text="x", state=state, votes=votes, submitted_by="Ana", note="n"
        )

    assert card("submitted", 1).facts == ("From Ana", "1 vote")
    assert card("submitted", 1).notes == ()
    assert card("declined", 0).notes == (LabelledText("Reason", "n"),)
    assert card("needs more info", 0).notes == (LabelledText("Asked", "n"),)
    assert card("needs more info", 0).state == "needs more info"


def test_a_questions_summary_reads_in_order() -> None:
    question = Question("p", "How was today?", "free_text", progress="(2 of 3)", hint="Reply.")
    assert summary(OutboundMessage(text="", question=question)) == "(2 of 3) How was today? Reply."
    reminder = OutboundMessage(text="A gentle reminder:", question=question)
    assert summary(reminder) == "A gentle reminder: (2 of 3) How was today? Reply."


def test_one_line_keeps_the_first_paragraph_and_says_more_follows() -> None:
    text = "Scribes for\nevery clinic\n\nMore from the submitter: outpatients first"
    assert one_line(text, 80) == "Scribes for every clinic …"
    assert one_line("Scribes  for every clinic", 80) == "Scribes for every clinic"
    assert one_line("x" * 100 + "\n\nmore", 10) == "x" * 9 + "…"
