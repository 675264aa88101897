"""The Block Kit renderer: golden files (golden/, see renderer_cases) for the messages
the core really sends, and the rules every rendering keeps (escaping, unique action ids,
Slack's size limits)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.blocks import (
    decode_action_id,
    encode_action_id,
    parse_modal_submission,
    render_home,
    render_message,
    render_modal,
)
from bot import actions
from bot.context import BotContext
from bot.messages import (
    Button,
    ButtonStyle,
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
Rendering = dict[str, Any]


# --- the messages -----------------------------------------------------------------------


def slack_answer_saved(ctx: BotContext) -> OutboundMessage:
    return answer_saved(ctx, "Teaching residents. Call me on 555-123-4567 & I'll explain <why>")


def forget_confirmation(ctx: BotContext) -> OutboundMessage:
    """As bot.my_data.forget_me asks before deleting."""
    return OutboundMessage(
        text=ctx.say("forget.confirm_question", count=12),
        buttons=(
            Button(
                ctx.say("button.forget_confirm"),
                actions.FORGET_CONFIRM,
                "12",
                ButtonStyle.DANGER,
            ),
            Button(ctx.say("button.cancel"), actions.FORGET_CANCEL),
        ),
    )


def home(ctx: BotContext) -> list[OutboundMessage]:
    """As bot.conversation.message_routes builds the App Home: header, the open prompt, ideas."""
    prompt = ctx.content.prompt("joy-more")
    return [
        OutboundMessage(text=ctx.say("home.header", name="Amara")),
        OutboundMessage(text=ctx.say("home.open_prompt", question=prompt.text)),
        question(ctx, "autonomy-vital", 1, 3),
        OutboundMessage(text=ctx.say("idea.none_yet")),
    ]


def _message(message: OutboundMessage) -> Rendering:
    text, blocks = render_message(message)
    return {"text": text, "blocks": blocks}


GOLDEN_CASES: dict[str, Callable[[BotContext], Rendering]] = {
    "question_free_text": lambda ctx: _message(question(ctx, "joy-more", 0, 3)),
    "question_scale": lambda ctx: _message(question(ctx, "autonomy-vital", 1, 3)),
    "question_choice": lambda ctx: _message(question(ctx, "scope-happy", 0, 1)),
    "question_idea": lambda ctx: _message(question(ctx, "break-the-rules", 2, 3)),
    "answer_saved_with_undo": lambda ctx: _message(slack_answer_saved(ctx)),
    "forget_confirmation": lambda ctx: _message(forget_confirmation(ctx)),
    "idea_card_anonymous": lambda ctx: _message(idea_card(ctx, None, 4)),
    "idea_card_named": lambda ctx: _message(idea_card(ctx, "Dr. Amara Okafor", 1)),
    "idea_card_on_the_pathway": lambda ctx: _message(idea_card_on_the_pathway(ctx)),
    "answer_form_modal": lambda ctx: render_modal(answer_form(ctx)),
    "home": lambda ctx: render_home(home(ctx)),
}


# --- golden files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_rendering_matches_golden_file(name: str, ctx: BotContext) -> None:
    rendered = GOLDEN_CASES[name](ctx)
    assert_valid_for_slack(rendered)
    assert_matches_golden(GOLDEN_DIR, name, rendered)


def test_every_golden_file_has_a_case() -> None:
    """A renamed case must not leave a stale file behind that nothing checks."""
    assert golden_files(GOLDEN_DIR) <= set(GOLDEN_CASES)


# --- helpers ----------------------------------------------------------------------------


def assert_valid_for_slack(rendered: Rendering) -> None:
    """slack_sdk's own model checks (lengths, element counts, styles) pass."""
    if "type" in rendered:
        View(**rendered).validate_json()
        return
    for block in rendered["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def mrkdwn_texts(blocks: Any) -> list[str]:
    return [node["text"] for node in _walk(blocks) if node.get("type") == "mrkdwn"]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [node for node in _walk(blocks) if node.get("type") == "button"]


_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def assert_escaped(text: str) -> None:
    assert "<" not in text and ">" not in text, text
    assert not _BARE_AMPERSAND.search(text), text


# --- escaping ---------------------------------------------------------------------------

HOSTILE = "BP <140/90> & rising. <!channel> <@U0123ABC> <https://evil.example|click>"


def test_clinicians_text_is_escaped_everywhere(ctx: BotContext) -> None:
    message = OutboundMessage(
        text=ctx.say("answer.saved", answer=HOSTILE),
        question=Question("p", HOSTILE, "free_text", follow_up=HOSTILE),
        idea=IdeaCard(
            3,
            "Idea #3 <@U999>",
            "submitted & <new>",
            HOSTILE,
            facts=("From <@U999> & co",),
            notes=(LabelledText("<!here>", HOSTILE),),
        ),
        notices=(HOSTILE,),
        buttons=(Button("OK", "ok"),),
    )
    text, blocks = render_message(message)
    assert_escaped(text)
    texts = mrkdwn_texts(blocks)
    assert len(texts) >= 6
    for piece in texts:
        assert_escaped(piece)
    assert any("BP &lt;140/90&gt; &amp; rising. &lt;!channel&gt;" in piece for piece in texts)


def test_plain_message_is_one_escaped_section() -> None:
    text, blocks = render_message(OutboundMessage(text="Tom & Jerry <3"))
    assert text == "Tom &amp; Jerry &lt;3"
    assert blocks == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Tom &amp; Jerry &lt;3", "verbatim": True},
        }
    ]


def test_core_backticks_stay_mrkdwn_code(ctx: BotContext) -> None:
    _, blocks = render_message(OutboundMessage(text=ctx.say("idea.usage")))
    assert "`idea protected admin time on Fridays`" in mrkdwn_texts(blocks)[0]


def test_modal_intro_is_escaped() -> None:
    form = Form("T", (FormField("f", "F"),), Button("Send", "s", "v"), intro=HOSTILE)
    view = render_modal(OutboundMessage(text="", form=form))
    assert_escaped(view["blocks"][0]["text"]["text"])


# --- action ids -------------------------------------------------------------------------


def test_scale_options_get_unique_action_ids_that_decode_back(ctx: BotContext) -> None:
    _, blocks = render_message(question(ctx, "autonomy-vital", 0, 1))
    ids = [button["action_id"] for button in buttons(blocks)]
    assert len(ids) == len(set(ids)) == 5 + 3  # five options, skip / not now / stop
    assert ids[:5] == [
        "answer.option",
        "answer.option#1",
        "answer.option#2",
        "answer.option#3",
        "answer.option#4",
    ]
    assert [decode_action_id(raw) for raw in ids[:5]] == [actions.ANSWER_OPTION] * 5
    values = [button["value"] for button in buttons(blocks)[:5]]
    assert values == [f"{DELIVERY}:autonomy-vital:{n}" for n in range(1, 6)]


def test_duplicate_buttons_get_unique_ids() -> None:
    message = OutboundMessage(text="x", buttons=(Button("A", "same", "1"), Button("B", "same")))
    ids = [button["action_id"] for button in buttons(render_message(message)[1])]
    assert ids == ["same", "same#1"]
    assert {decode_action_id(raw) for raw in ids} == {"same"}


def test_action_ids_are_unique_across_the_home_view(ctx: BotContext) -> None:
    messages = [question(ctx, "autonomy-vital", 0, 1), question(ctx, "scope-happy", 0, 1)]
    ids = [button["action_id"] for button in buttons(render_home(messages)["blocks"])]
    assert len(ids) == len(set(ids))


@given(st.text(max_size=200), st.integers(min_value=0, max_value=10_000))
def test_encode_then_decode_is_the_identity(action_id: str, n: int) -> None:
    assert decode_action_id(encode_action_id(action_id, n)) == action_id


def test_encoding_is_unique_per_occurrence() -> None:
    encoded = {encode_action_id(action_id, n) for action_id in ("a", "a#1", "b") for n in range(4)}
    assert len(encoded) == 12


def test_encode_rejects_a_negative_occurrence_and_an_overlong_id() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        encode_action_id("a", -1)
    with pytest.raises(ValueError, match="255"):
        encode_action_id("a" * 255, 1)


def test_decode_leaves_ids_without_a_numeric_suffix_alone() -> None:
    assert decode_action_id("answer.option") == "answer.option"
    assert decode_action_id("a#b") == "a#b"
    assert decode_action_id("answer.option#12") == "answer.option"


# --- limits -----------------------------------------------------------------------------


def test_long_text_is_cut_to_3000_with_an_ellipsis() -> None:
    text, blocks = render_message(OutboundMessage(text="word " * 1200))
    section = blocks[0]["text"]["text"]
    assert len(section) <= 3000
    assert section.endswith("…")
    assert len(text) <= 4000


def test_cutting_never_splits_an_escaped_character() -> None:
    _, blocks = render_message(OutboundMessage(text="&" * 4000))
    section = blocks[0]["text"]["text"]
    assert len(section) <= 3000
    assert section.endswith("&amp;…")
    assert_escaped(section[:-1])


def test_long_question_stays_bold_when_cut() -> None:
    question = Question("p", "why " * 1000, "free_text")
    _, blocks = render_message(OutboundMessage(text="", question=question))
    section = blocks[0]["text"]["text"]
    assert len(section) <= 3000
    assert section.startswith("*") and section.endswith("…*")


def test_thirty_options_split_into_two_actions_blocks() -> None:
    options = tuple(Option(str(n), f"Option {n}") for n in range(30))
    question = Question("p", "Pick", "choice", options, option_action_id="answer.option")
    _, blocks = render_message(OutboundMessage(text="Pick", question=question))
    rows = [block for block in blocks if block["type"] == "actions"]
    assert [len(row["elements"]) for row in rows] == [25, 5]
    ids = [button["action_id"] for button in buttons(blocks)]
    assert len(set(ids)) == 30
    assert_valid_for_slack({"blocks": blocks})


def test_button_text_and_value_are_cut_to_slacks_limits() -> None:
    message = OutboundMessage(text="x", buttons=(Button("L" * 100, "a", "v" * 2500),))
    (button,) = buttons(render_message(message)[1])
    assert len(button["text"]["text"]) == 75 and button["text"]["text"].endswith("…")
    assert button["value"] == "v" * 2000


def test_button_styles_are_mapped(ctx: BotContext) -> None:
    _, blocks = render_message(question(ctx, "joy-more", 0, 1))
    styles = {button["text"]["text"]: button.get("style") for button in buttons(blocks)}
    assert styles == {"Answer": "primary", "Skip": None, "Not now": None, "Stop these": "danger"}


def test_at_most_fifty_blocks_and_the_buttons_survive() -> None:
    message = OutboundMessage(
        text="x", notices=tuple(f"notice {n}" for n in range(60)), buttons=(Button("OK", "ok"),)
    )
    _, blocks = render_message(message)
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "actions"


def test_idea_card_says_nothing_about_an_anonymous_submitter(ctx: BotContext) -> None:
    _, blocks = render_message(idea_card(ctx, None, 4))
    joined = " ".join(mrkdwn_texts(blocks))
    assert "*Idea #17* · under review" in joined
    assert "From" not in joined
    assert "4 votes" in joined


def test_home_view_keeps_whole_messages_under_100_blocks() -> None:
    messages = [OutboundMessage(text=f"m{n}", notices=("n",)) for n in range(60)]
    view = render_home(messages)
    blocks = view["blocks"]
    assert view["type"] == "home"
    assert len(blocks) <= 100
    assert blocks[-1]["type"] != "divider"
    # each message is section + notice, with a divider between: 33 whole messages fit
    assert len(blocks) == 33 * 2 + 32
    View(**view).validate_json()


# --- modals -----------------------------------------------------------------------------


def test_modal_respects_slacks_limits() -> None:
    form = Form(
        title="A title much longer than twenty-four characters",
        fields=(
            FormField("long", "Long", placeholder="p" * 200, max_length=4000),
            FormField("short", "Short", multiline=False, required=False, max_length=80),
        ),
        submit=Button("Send this answer to the team now", "s", "v"),
        cancel_label="Cancel",
    )
    view = render_modal(OutboundMessage(text="", form=form), callback_id="cb")
    assert view["callback_id"] == "cb"
    assert len(view["title"]["text"]) == 24 and view["title"]["text"].endswith("…")
    assert len(view["submit"]["text"]) <= 24
    assert view["close"]["text"] == "Cancel"
    long, short = view["blocks"]  # no intro: no section
    assert long["element"]["max_length"] == 3000
    assert len(long["element"]["placeholder"]["text"]) == 150
    assert long["optional"] is False
    assert short["optional"] is True and short["element"]["multiline"] is False
    assert "placeholder" not in short["element"]
    View(**view).validate_json()


def test_modal_needs_a_form() -> None:
    with pytest.raises(ValueError, match="form"):
        render_modal(OutboundMessage(text="no form"))


def test_modal_refuses_a_value_too_long_for_private_metadata() -> None:
    form = Form("T", (FormField("f", "F"),), Button("Send", "s", "v" * 3000))
    with pytest.raises(ValueError, match="private_metadata"):
        render_modal(OutboundMessage(text="", form=form))


def _submitted(view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    """The view as Slack sends it back in a view_submission."""
    state = {
        name: {name: {"type": "plain_text_input", "value": value}} for name, value in values.items()
    }
    return {**view, "id": "V123", "state": {"values": state}}


def test_submission_round_trips_the_forms_action_and_fields(ctx: BotContext) -> None:
    view = render_modal(answer_form(ctx))
    submitted = _submitted(view, {actions.ANSWER_FIELD: "Teaching: residents & students"})
    action_id, value, fields = parse_modal_submission(submitted)
    assert (action_id, value) == (actions.ANSWER_SUBMIT, JOY.value())
    assert fields == {actions.ANSWER_FIELD: "Teaching: residents & students"}


def test_an_empty_optional_field_arrives_as_empty_text() -> None:
    form = Form("T", (FormField("f", "F", required=False),), Button("Send", "s", "1:p"))
    view = render_modal(OutboundMessage(text="", form=form))
    assert parse_modal_submission(_submitted(view, {"f": None})) == ("s", "1:p", {"f": ""})


def test_submission_with_unicode_value_round_trips() -> None:
    form = Form("T", (FormField("f", "F"),), Button("Send", "idea.from_message", "Café ☕ ideas"))
    view = render_modal(OutboundMessage(text="", form=form))
    assert parse_modal_submission(_submitted(view, {"f": "x"}))[1] == "Café ☕ ideas"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (None, "no private_metadata"),
        ("", "no private_metadata"),
        (42, "no private_metadata"),
        ("not json", "not JSON"),
        ('{"a": "x"', "not JSON"),
        ("[1, 2]", '"a" and "v"'),
        ('{"a": 1, "v": "x"}', '"a" and "v"'),
        ('{"a": "x"}', '"a" and "v"'),
        ('{"a": "x", "v": null}', '"a" and "v"'),
        (json.dumps({"a": "x", "v": "y" * 3000}), "over Slack's 3000"),
    ],
)
def test_submission_with_bad_metadata_is_refused(metadata: object, message: str) -> None:
    view: dict[str, Any] = {"state": {"values": {}}}
    if metadata is not None:
        view["private_metadata"] = metadata
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_modal_submission(view)


def test_submission_with_garbled_state_is_refused() -> None:
    view = {"private_metadata": '{"a": "s", "v": "v"}', "state": {"values": {"f": "oops"}}}
    with pytest.raises(ValueError, match="not an object"):
        parse_modal_submission(view)
