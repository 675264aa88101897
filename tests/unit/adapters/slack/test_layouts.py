"""A fan-out's prompt is laid out once and each delivery's body is that layout with its
channel and target put in: what Slack gets must be exactly what laying out that
delivery's own message gives, for every prompt of the default banks, at every position,
as a reminder, in a thread, and whatever other templates were laid out before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest

from adapters.slack.blocks import render_message
from adapters.slack.layouts import MAX_TARGET, Layouts
from bot.context import BotContext
from bot.messages import TARGET, Image, OutboundMessage, fill
from bot.pulses.prompting import QuestionMessages, target_of
from prompts import Content


def _arguments(message: OutboundMessage, channel: str, thread_ts: str | None) -> dict[str, Any]:
    """What the ordinary paced post sends for a message (None left out, as ChatPoster does)."""
    text, blocks = render_message(message)
    arguments = {
        "channel": channel,
        "text": text,
        "blocks": blocks,
        "thread_ts": thread_ts,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    return {name: value for name, value in arguments.items() if value is not None}


def _every_prompt(content: Content) -> list[Any]:
    return [prompt for bank in content.banks.values() for prompt in bank.prompts]


def test_each_delivery_gets_what_its_own_message_lays_out(
    ctx: BotContext, content: Content
) -> None:
    layouts = Layouts()
    messages = QuestionMessages(ctx)
    prompts = _every_prompt(content)
    assert len({prompt.kind for prompt in prompts}) >= 3  # scales, choices, free text
    checked = 0
    for delivery_id in (1, 907, 123456789):
        for prompt in prompts:
            for position, total in ((0, 1), (1, 3)):
                template = messages.template(prompt, position, total)
                target = target_of(delivery_id, prompt.id)
                own = messages.message(prompt, delivery_id, position, total)
                assert fill(template, target, delivery_id) == own
                for thread_ts in (None, "1700000000.000100"):
                    body = layouts.body(template, target, "D0CHAN", thread_ts)
                    assert orjson.loads(body) == _arguments(own, "D0CHAN", thread_ts)
                    assert TARGET.encode() not in body
                    checked += 1
    assert checked == 3 * len(prompts) * 2 * 2


def test_a_reminder_template_lays_out_with_its_lead_in(ctx: BotContext, content: Content) -> None:
    prompt = content.prompt("joy-more")
    template = QuestionMessages(ctx).template(prompt, 0, 1)
    reminder = replace(template, text=ctx.say("prompt.reminder"))
    target = target_of(42, prompt.id)
    layouts = Layouts()
    layouts.body(template, target, "D1", None)  # the plain one laid out first
    body = orjson.loads(layouts.body(reminder, target, "D1", None))
    assert body == _arguments(fill(reminder, target, 42), "D1", None)
    assert ctx.say("prompt.reminder").split()[0] in body["text"]


def test_a_target_that_json_must_escape_arrives_whole(ctx: BotContext, content: Content) -> None:
    prompt = content.prompt("joy-more")
    template = QuestionMessages(ctx).template(prompt, 0, 1)
    odd = 'x"\\y\n\u00e9'
    body = orjson.loads(Layouts().body(template, odd, "D1", None))
    values = [
        element["value"]
        for block in body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert values and all(value == odd or value.startswith(odd + ":") for value in values)


def test_only_plain_posts_with_short_targets_are_laid_out_once(
    ctx: BotContext, content: Content
) -> None:
    template = QuestionMessages(ctx).template(content.prompt("joy-more"), 0, 1)
    assert Layouts.fits(template, "1:joy-more")
    assert not Layouts.fits(template, "1:" + "x" * MAX_TARGET)
    assert not Layouts.fits(replace(template, private=True), "1:joy-more")
    picture = Image(b"\x89PNG", "alt", "title")
    assert not Layouts.fits(replace(template, image=picture), "1:joy-more")


@pytest.mark.parametrize("kept", [1, 300])
def test_many_templates_each_keep_their_own_layout(
    ctx: BotContext, content: Content, kept: int
) -> None:
    """More templates than are kept: a template laid out again is laid out afresh, and
    never takes another's layout."""
    layouts = Layouts()
    prompts = _every_prompt(content)
    for n in range(kept):
        prompt = prompts[n % len(prompts)]
        template = QuestionMessages(ctx).template(prompt, n % 3, 3)
        target = target_of(n + 1, prompt.id)
        body = orjson.loads(layouts.body(template, target, f"D{n}", None))
        assert body == _arguments(fill(template, target, n + 1), f"D{n}", None)
