"""render_message caches the work a prompt fan-out repeats (escaping, cutting, button
faces): what it renders must stay exactly what an uncached render gives, whatever was
rendered before, and a caller changing what it got must not change later renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from adapters.slack import blocks
from adapters.slack.blocks import render_home, render_message
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
from bot.pulses.prompting import question_message
from tests.unit.adapters.renderer_cases import (
    answer_saved,
    idea_card,
    idea_card_on_the_pathway,
)

PROMPTS = ("joy-more", "autonomy-vital", "scope-happy", "break-the-rules", "valued")
HOSTILE = "BP <140/90> & rising <!channel>"


def _clear_caches() -> None:
    for value in vars(blocks).values():
        cache_clear: Callable[[], None] | None = getattr(value, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


def _uncached(message: OutboundMessage) -> str:
    _clear_caches()
    return _bytes(render_message(message))


def _bytes(rendering: Any) -> str:
    # No sort_keys: key order is part of what Slack gets, so it must match too.
    return json.dumps(rendering, ensure_ascii=False)


def _hand_made(delivery: int, words: str) -> list[OutboundMessage]:
    """Messages the prompts do not make: every field that reaches the blocks, varied."""
    options = tuple(Option(str(n), f"{words} {n}") for n in range(30))
    return [
        OutboundMessage(text=f"{words} {HOSTILE}", notices=(f"{words} & more",)),
        OutboundMessage(
            text="",
            question=Question(
                prompt_id="p",
                text=words * 400,  # cut, still bold
                kind="choice",
                options=options,  # two actions blocks
                follow_up=None if delivery % 2 else HOSTILE,
                option_action_id=actions.ANSWER_OPTION,
                option_value_prefix=f"{delivery}:p:",
                delivery_id=delivery,
                progress=f"({delivery % 3 + 1} of 3)" if delivery % 4 else "",
                hint="" if delivery % 5 else f"Pick {words}.",
            ),
            buttons=(Button(words * 30, "same", "x" * 2500, ButtonStyle.DANGER),) * 3,
        ),
        OutboundMessage(
            text=words,
            idea=IdeaCard(
                17, f"Idea {words}", "new", HOSTILE, (words,), (LabelledText("L", words),)
            ),
            buttons=(Button(words, f"a#{delivery % 2}", "", ButtonStyle.PRIMARY),),
            form=Form(
                title=words,
                fields=(FormField("f", words),),
                submit=Button("Send", "send", str(delivery)),
                opener=Button(f"Open {words}", "open", str(delivery)),
            ),
        ),
        OutboundMessage(text="", notices=tuple(f"{n} {words}" for n in range(60))),
    ]


def _messages(ctx: BotContext, delivery: int, words: str) -> list[OutboundMessage]:
    prompts = [
        question_message(ctx, ctx.content.prompt(prompt_id), delivery, position, total)
        for prompt_id in PROMPTS
        for position, total in ((0, 1), (delivery % 3, 3))
    ]
    return [
        *prompts,
        answer_saved(ctx, f"{words} call 555-123-4567"),
        idea_card(ctx, None if delivery % 2 else words, delivery),
        idea_card_on_the_pathway(ctx),
        *_hand_made(delivery, words),
    ]


def test_cached_renders_equal_uncached_ones_whatever_came_before(ctx: BotContext) -> None:
    rounds = [(delivery, words) for delivery in (1, 2, 41, 5000) for words in ("Ward 3", "<b>")]
    expected = {
        (delivery, words, n): _uncached(message)
        for delivery, words in rounds
        for n, message in enumerate(_messages(ctx, delivery, words))
    }
    _clear_caches()
    # Twice through, deliveries and words interleaved, so every render may meet entries
    # an earlier, different message left in the caches.
    for _ in range(2):
        for delivery, words in rounds:
            for n, message in enumerate(_messages(ctx, delivery, words)):
                assert _bytes(render_message(message)) == expected[delivery, words, n]


def test_a_fan_out_differs_only_in_its_delivery_ids(ctx: BotContext) -> None:
    prompt = ctx.content.prompt("autonomy-vital")
    first = _bytes(render_message(question_message(ctx, prompt, 1, 0, 1)))
    for delivery in range(2, 200):
        rendered = _bytes(render_message(question_message(ctx, prompt, delivery, 0, 1)))
        assert rendered == first.replace('"1:autonomy-vital', f'"{delivery}:autonomy-vital')


def _mutate(node: Any) -> None:
    """What a careless caller might do to everything it got back."""
    if isinstance(node, dict):
        for value in list(node.values()):
            _mutate(value)
        for key in list(node):
            node[key] = "changed"
        node["extra"] = True
    elif isinstance(node, list):
        for value in node:
            _mutate(value)
        node.append("extra")


def test_changing_a_rendering_does_not_change_later_ones(ctx: BotContext) -> None:
    messages = _messages(ctx, 41, "Ward 3")
    expected = [_uncached(message) for message in messages]
    expected_home = _bytes(render_home(messages[:4]))
    _clear_caches()
    for _ in range(2):
        for message, want in zip(messages, expected, strict=True):
            rendered = render_message(message)
            assert _bytes(rendered) == want
            _mutate(rendered[1])
    _mutate(render_home(messages[:4]))
    assert _bytes(render_home(messages[:4])) == expected_home
    assert [_bytes(render_message(message)) for message in messages] == expected
