"""The Adaptive Card renderer: golden files (golden/, see renderer_cases) for the
messages the core really sends, and the rules every card keeps (a known structure,
Teams' size, neutral markdown, and every action read back by the parser as the action
the core asked for)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.teams.card_forms import (
    CHOICE_INPUT,
    field_id,
    parse_execute,
    parse_submission,
)
from adapters.teams.cards import MAX_PAYLOAD_BYTES, render_activity, render_card
from bot import actions
from bot.context import MAX_MESSAGE_LENGTH, BotContext
from bot.messages import (
    Button,
    Form,
    FormField,
    IdeaCard,
    LabelledText,
    Option,
    OutboundMessage,
    Question,
)
from tests.unit.adapters.renderer_cases import (
    DELIVERY,
    JOY,
    answer_form,
    answer_saved,
    assert_matches_golden,
    golden_files,
    idea_card,
    idea_card_on_the_pathway,
    question,
)

GOLDEN_DIR = Path(__file__).parent / "golden"

Card = dict[str, Any]


# --- the messages -----------------------------------------------------------------------


def many_choices(ctx: BotContext) -> OutboundMessage:
    """More options than fit as buttons: a choice list and a Send button."""
    options = tuple(Option(f"site-{n}", f"Site {n}") for n in range(1, 9))
    question = Question(
        "site",
        "Where do you mostly work?",
        "choice",
        options,
        option_action_id=actions.ANSWER_OPTION,
        option_value_prefix=JOY.value() + ":",
        delivery_id=DELIVERY,
        send_label=ctx.say("button.submit"),
        empty_error=ctx.say("form.pick_one"),
    )
    return OutboundMessage(text="", question=question)


def teams_answer_saved(ctx: BotContext) -> OutboundMessage:
    return answer_saved(ctx, "Teaching residents. Call me on 555-123-4567 & I'll explain [why](x)")


GOLDEN_CASES: dict[str, Callable[[BotContext], OutboundMessage]] = {
    "question_free_text": lambda ctx: question(ctx, "joy-more", 0, 3),
    "question_scale": lambda ctx: question(ctx, "autonomy-vital", 1, 3),
    "question_choice": lambda ctx: question(ctx, "scope-happy", 0, 1),
    "question_idea": lambda ctx: question(ctx, "break-the-rules", 2, 3),
    "question_many_choices": many_choices,
    "answer_saved_with_undo": teams_answer_saved,
    "answer_form": answer_form,
    "idea_card_anonymous": lambda ctx: idea_card(ctx, None, 4),
    "idea_card_named": lambda ctx: idea_card(ctx, "Dr. Amara Okafor", 1),
    "idea_card_on_the_pathway": idea_card_on_the_pathway,
    "idea_card_submitted_with_four_moves": lambda ctx: idea_card_on_the_pathway(ctx, "submitted"),
}


# --- golden files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_rendering_matches_golden_file(name: str, ctx: BotContext) -> None:
    activity = render_activity(GOLDEN_CASES[name](ctx))
    assert_valid_card(activity["attachments"][0]["content"])
    assert_matches_golden(GOLDEN_DIR, name, activity)


def test_every_golden_file_has_a_case() -> None:
    """A renamed case must not leave a stale file behind that nothing checks."""
    assert golden_files(GOLDEN_DIR) <= set(GOLDEN_CASES)


# --- a structure check of our own (no schema download) -----------------------------------

_REQUIRED = {
    "TextBlock": {"text", "wrap"},
    "ActionSet": {"actions"},
    "Input.Text": {"id", "maxLength", "isMultiline", "isRequired"},
    "Input.ChoiceSet": {"id", "choices", "isRequired"},
    "Action.Submit": {"title", "data", "associatedInputs"},
    "Action.Execute": {"title", "verb", "data"},
}
_OPTIONAL = {
    "TextBlock": {"size", "weight", "isSubtle"},
    "ActionSet": set(),
    "Input.Text": {"label", "placeholder", "errorMessage"},
    "Input.ChoiceSet": {"style", "errorMessage"},
    "Action.Submit": {"style", "mode"},
    "Action.Execute": {"style", "mode"},
}
_ENUMS = {
    "size": {"Small", "Default", "Medium", "Large", "ExtraLarge"},
    "weight": {"Lighter", "Default", "Bolder"},
    "style": {"default", "positive", "destructive", "expanded", "compact"},
    "mode": {"primary", "secondary"},
    "associatedInputs": {"auto", "none"},
}


def _check(node: dict[str, Any], kinds: set[str]) -> None:
    kind = node.get("type")
    assert kind in kinds, node
    keys = set(node) - {"type"}
    assert _REQUIRED[kind] <= keys, (kind, _REQUIRED[kind] - keys)
    assert keys <= _REQUIRED[kind] | _OPTIONAL[kind], (kind, keys - _REQUIRED[kind])
    for key, allowed in _ENUMS.items():
        assert node.get(key, next(iter(allowed))) in allowed, (kind, key, node[key])
    if kind == "TextBlock":
        assert node["wrap"] is True and isinstance(node["text"], str) and node["text"]
    if kind == "ActionSet":
        for action in node["actions"]:
            _check(action, {"Action.Submit", "Action.Execute"})


def assert_valid_card(card: Card) -> None:
    assert set(card) <= {"type", "$schema", "version", "body", "actions"}
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    for element in card["body"]:
        _check(element, {"TextBlock", "ActionSet", "Input.Text", "Input.ChoiceSet"})
    for action in card.get("actions", []):
        _check(action, {"Action.Submit", "Action.Execute"})
    primary = [a for a in card.get("actions", []) if a.get("mode") != "secondary"]
    assert len(primary) <= 6
    ids = [node["id"] for node in _walk(card) if "id" in node]
    assert len(ids) == len(set(ids))
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= 28_000


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def texts(card: Card) -> list[str]:
    return [node["text"] for node in _walk(card) if node.get("type") == "TextBlock"]


def card_actions(card: Card) -> list[dict[str, Any]]:
    return [node for node in _walk(card) if str(node.get("type")).startswith("Action.")]


# --- pressing every action, as Teams sends it back --------------------------------------

TYPED = "Teaching: residents & students"


def press(card: Card, action: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """What the bot reads for each way of pressing `action` (one per choice in a list)."""
    typed = {node["id"]: TYPED for node in _walk(card) if node.get("type") == "Input.Text"}
    if action.get("associatedInputs") == "none":
        typed = {}
    if action["type"] == "Action.Execute":
        return [parse_execute(action["verb"], {**action["data"], **typed})]
    if not action["data"].get("choose"):
        return [parse_submission({**action["data"], **typed})]
    choices = [c["value"] for node in _walk(card) for c in node.get("choices", [])]
    return [parse_submission({**action["data"], CHOICE_INPUT: c}) for c in choices]


def expected_pairs(message: OutboundMessage) -> list[tuple[str, str]]:
    """(action_id, value) for every press the core offered. The one translation: a text
    prompt's "Answer" sends the text box on the card, instead of opening a form."""
    question = message.question
    pairs = []
    if question is not None:
        pairs += [
            (question.option_action_id, question.option_value_prefix + o.value)
            for o in question.options
        ]
    for button in message.buttons:
        inline = question is not None and not question.options
        answers = inline and button.action_id == actions.ANSWER_OPEN
        pairs.append((actions.ANSWER_SUBMIT if answers else button.action_id, button.value))
    if message.form is not None:
        pairs.append((message.form.submit.action_id, message.form.submit.value))
    return pairs


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_every_action_reads_back_as_the_cores_action(name: str, ctx: BotContext) -> None:
    message = GOLDEN_CASES[name](ctx)
    card = render_card(message)
    pressed = [result for action in card_actions(card) for result in press(card, action)]
    assert sorted((a, v) for a, v, _ in pressed) == sorted(expected_pairs(message))
    for action_id, _, fields in pressed:
        wanted = {actions.ANSWER_FIELD: TYPED} if action_id == actions.ANSWER_SUBMIT else {}
        assert fields == wanted


_IDS = st.text(min_size=1, max_size=255)
_VALUES = st.text(max_size=2000)


@given(_IDS, _VALUES, st.booleans())
def test_any_button_round_trips(action_id: str, value: str, on_idea: bool) -> None:
    idea = IdeaCard(1, "Idea #1", "submitted", "x") if on_idea else None
    card = render_card(
        OutboundMessage(text="x", idea=idea, buttons=(Button("B", action_id, value),))
    )
    assert_valid_card(card)
    (action,) = card_actions(card)
    assert action["type"] == ("Action.Execute" if on_idea else "Action.Submit")
    assert press(card, action) == [(action_id, value, {})]


def test_pathway_moves_are_execute_actions_with_verbs(ctx: BotContext) -> None:
    card = render_card(idea_card_on_the_pathway(ctx, "submitted"))
    moves = card["actions"]
    assert {a["type"] for a in moves} == {"Action.Execute"}
    assert [a["verb"] for a in moves] == [
        actions.IDEA_MOVE,
        actions.IDEA_MOVE,
        actions.IDEA_NOTE_OPEN,
        actions.IDEA_NOTE_OPEN,
    ]
    assert moves[1]["style"] == "positive" and moves[3]["style"] == "destructive"


def test_skip_and_stop_work_with_the_text_box_empty(ctx: BotContext) -> None:
    card = render_card(question(ctx, "joy-more", 0, 1))
    by_title = {a["title"]: a for a in card["actions"]}
    assert by_title["Answer"]["associatedInputs"] == "auto"
    assert by_title["Answer"]["style"] == "positive"
    for title in ("Skip", "Not now", "Stop these"):
        assert by_title[title]["associatedInputs"] == "none"
    assert by_title["Stop these"]["style"] == "destructive"
    (box,) = [n for n in card["body"] if n["type"] == "Input.Text"]
    assert box["id"] == field_id(actions.ANSWER_FIELD)
    assert box["isMultiline"] is True and box["maxLength"] == MAX_MESSAGE_LENGTH


def test_a_field_named_like_our_keys_cannot_overwrite_them() -> None:
    form = Form("T", (FormField("action_id", "A"), FormField("value", "V")), Button("Go", "s", "1"))
    card = render_card(OutboundMessage(text="", form=form))
    assert press(card, card["actions"][0]) == [("s", "1", {"action_id": TYPED, "value": TYPED})]


def test_more_actions_than_teams_shows_go_to_the_overflow_menu() -> None:
    buttons = tuple(Button(f"B{n}", "a", str(n)) for n in range(8))
    card = render_card(OutboundMessage(text="x", buttons=buttons))
    assert [a.get("mode") for a in card["actions"]] == [None] * 6 + ["secondary"] * 2
    assert_valid_card(card)


# --- markdown and sizes -----------------------------------------------------------------

HOSTILE = "See [my results](https://evil.example) ![x](https://evil.example/p.png) <https://e.x>"
_LINK = re.compile(r"\]\(|\]\[|\]:|<[a-z]+:")


def test_clinicians_markdown_cannot_make_links_or_images(ctx: BotContext) -> None:
    message = OutboundMessage(
        text=ctx.say("answer.saved", answer=HOSTILE),
        question=Question("p", HOSTILE, "free_text", follow_up=HOSTILE),
        idea=IdeaCard(
            3,
            "Idea #3",
            "submitted",
            HOSTILE,
            facts=(HOSTILE,),
            notes=(LabelledText("Reason", HOSTILE),),
        ),
        notices=(HOSTILE,),
        buttons=(Button("OK", "ok"),),
    )
    card = render_card(message)
    pieces = texts(card)
    assert len(pieces) >= 6
    for piece in pieces:
        assert not _LINK.search(piece), piece
    # Only invisible characters were added: a reader sees the same words.
    seen = " ".join(pieces).replace("\u200b", "")
    # the text, question, follow-up, idea, a fact, a note, the notice
    assert seen.count(HOSTILE) == 7
    plain = render_activity(OutboundMessage(text=HOSTILE))
    assert plain["textFormat"] == "plain" and not _LINK.search(plain["text"])
    assert plain["text"].replace("\u200b", "") == HOSTILE


def test_a_plain_message_is_plain_text() -> None:
    assert render_activity(OutboundMessage(text="Tom & Jerry <3")) == {
        "type": "message",
        "text": "Tom & Jerry <3",
        "textFormat": "plain",
    }


def test_a_card_activity_has_a_summary_not_a_second_text(ctx: BotContext) -> None:
    activity = render_activity(question(ctx, "autonomy-vital", 0, 1))
    assert "text" not in activity
    assert activity["summary"].startswith("Do you agree that autonomy")
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    card = render_card(OutboundMessage(text="word " * 2000, buttons=(Button("OK", "ok"),)))
    (piece,) = texts(card)
    assert len(piece) <= 3000 and piece.endswith("…")
    plain = render_activity(OutboundMessage(text="word " * 2000))
    assert len(plain["text"]) <= 6000 and plain["text"].endswith("…")


def test_a_huge_message_is_shortened_to_fit_teams_payload() -> None:
    message = OutboundMessage(
        text="é" * 5000,
        idea=IdeaCard(
            1, "Idea #1", "submitted", "💡" * 5000, notes=(LabelledText("Reason", "n" * 5000),)
        ),
        notices=tuple("🔒" * 3000 for _ in range(8)),
        buttons=(Button("OK", "ok", "v"),),
    )
    card = render_card(message)
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= MAX_PAYLOAD_BYTES
    assert card["actions"][0]["data"]["value"] == "v"  # the buttons survive
    assert_valid_card(card)


def test_many_options_become_a_choice_list(ctx: BotContext) -> None:
    card = render_card(many_choices(ctx))
    (choice_set,) = [n for n in card["body"] if n["type"] == "Input.ChoiceSet"]
    assert choice_set["id"] == CHOICE_INPUT and len(choice_set["choices"]) == 8
    scale = render_card(question(ctx, "autonomy-vital", 0, 1))
    assert not [n for n in scale["body"] if n["type"] == "Input.ChoiceSet"]


def test_idea_card_names_nobody_when_anonymous(ctx: BotContext) -> None:
    joined = " ".join(texts(render_card(idea_card(ctx, None, 4))))
    assert "Idea #17 · under review" in joined and "Anonymous · 4 votes" in joined
    assert "From" not in joined


# --- refusals ---------------------------------------------------------------------------

_OK = {"thrive": 1, "action_id": "a", "value": "v"}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("text", "not an object"),
        ({}, "no Thrive marker"),
        ({"action_id": "a", "value": "v"}, "no Thrive marker"),
        ({**_OK, "thrive": "1"}, "no Thrive marker"),
        ({**_OK, "thrive": True}, "no Thrive marker"),
        ({**_OK, "thrive": 2}, "no Thrive marker"),
        ({"thrive": 1, "value": "v"}, "no action id"),
        ({**_OK, "action_id": 7}, "no action id"),
        ({**_OK, "action_id": "a" * 256}, "longer than 255"),
        ({**_OK, "value": ["v"]}, "not text"),
        ({**_OK, "value": "v" * 2001}, "longer than 2000"),
        ({**_OK, "choose": True}, "none was picked"),
        ({**_OK, "choose": "yes"}, "not true or false"),
        ({**_OK, "thrive.field.answer": 3}, "is not text"),
        ({**_OK, "thrive.field.": "x"}, "empty field name"),
        ({**_OK, "thrive.field.answer": "x" * 20_001}, "longer than 20000"),
        ({**_OK, **{f"k{n}": "" for n in range(60)}}, "keys, over 50"),
        ({**_OK, "other": "x" * 100_001}, "over 100000"),
    ],
)
def test_a_submission_that_is_not_ours_is_refused(payload: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_submission(payload)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("verb", "data", "reason"),
    [
        (None, {"thrive": 1, "value": "v"}, "no action id"),
        ("", {"thrive": 1, "value": "v"}, "no action id"),
        ("idea.move", None, "not an object"),
        ("idea.move", {"value": "1:submitted:accepted"}, "no Thrive marker"),
    ],
)
def test_an_execute_that_is_not_ours_is_refused(verb: object, data: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_execute(verb, data)


def test_keys_teams_adds_are_ignored_and_empty_optional_fields_are_empty() -> None:
    payload = {**_OK, "msteams": {"x": 1}, "thrive.field.note": None}
    assert parse_submission(payload) == ("a", "v", {"note": ""})


def test_a_button_without_a_value_reads_back_empty() -> None:
    assert parse_submission({"thrive": 1, "action_id": "forget.cancel"}) == (
        "forget.cancel",
        "",
        {},
    )
