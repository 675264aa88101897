"""How a prompt is put to a person: the question, its input, and its buttons."""

from __future__ import annotations

from bot import actions
from bot.context import MAX_MESSAGE_LENGTH, BotContext
from bot.messages import Button, ButtonStyle, Form, FormField, Option, OutboundMessage, Question
from prompts import PromptKind, PromptSpec


def question_message(
    ctx: BotContext, prompt: PromptSpec, delivery_id: int, position: int, total: int
) -> OutboundMessage:
    target = actions.PromptTarget(delivery_id, prompt.id)
    options: tuple[Option, ...] = ()
    hint_key = "prompt.hint_text"
    if prompt.kind == PromptKind.SCALE and prompt.scale is not None:
        scale = prompt.scale
        options = tuple(
            Option(str(n), _scale_label(n, scale.min, scale.max, scale.min_label, scale.max_label))
            for n in range(scale.min, scale.max + 1)
        )
        hint_key = "prompt.hint_scale"
    elif prompt.kind == PromptKind.CHOICE:
        options = tuple(Option(option.value, option.label) for option in prompt.options)
        hint_key = "prompt.hint_choice"
    elif prompt.kind == PromptKind.IDEA:
        hint_key = "prompt.hint_idea"

    buttons: list[Button] = []
    if not options:
        buttons.append(
            Button(
                ctx.say("button.answer"), actions.ANSWER_OPEN, target.value(), ButtonStyle.PRIMARY
            )
        )
    buttons += [
        Button(ctx.say("button.skip"), actions.PROMPT_SKIP, target.value()),
        Button(ctx.say("button.not_now"), actions.PROMPT_SNOOZE, target.value()),
        Button(ctx.say("button.stop"), actions.PROMPT_STOP, target.value(), ButtonStyle.DANGER),
    ]
    progress = ctx.say("prompt.progress", position=position + 1, total=total) if total > 1 else ""
    return OutboundMessage(
        text="",  # the question says it all; a reminder puts its lead-in here
        question=Question(
            prompt_id=prompt.id,
            text=prompt.text,
            kind=prompt.kind.value,
            options=options,
            follow_up=prompt.follow_up,
            option_action_id=actions.ANSWER_OPTION if options else "",
            option_value_prefix=target.value() + ":" if options else "",
            delivery_id=delivery_id,
            progress=progress,
            hint=ctx.say(hint_key),
            send_label=ctx.say("button.submit") if options else "",
            empty_error=ctx.say("form.pick_one" if options else "form.required"),
        ),
        buttons=tuple(buttons),
    )


def answer_form(
    ctx: BotContext, prompt: PromptSpec, target: actions.PromptTarget
) -> OutboundMessage:
    """The form a person writes a longer answer in (a modal on Slack, a card on Teams)."""
    return OutboundMessage(
        text=prompt.text,
        form=Form(
            title=ctx.say("form.answer_title"),
            intro=prompt.text,
            fields=(
                FormField(
                    name=actions.ANSWER_FIELD,
                    label=ctx.say("form.answer_label"),
                    placeholder=prompt.follow_up or "",
                    max_length=MAX_MESSAGE_LENGTH,
                    required_error=ctx.say("form.required"),
                ),
            ),
            submit=Button(ctx.say("button.submit"), actions.ANSWER_SUBMIT, target.value()),
            cancel_label=ctx.say("button.cancel"),
        ),
    )


def answered_message(
    ctx: BotContext, prompt: PromptSpec, answer_summary: str | None
) -> OutboundMessage:
    """What the original prompt becomes once answered: no buttons left to press twice.
    Without a summary (the answer shows elsewhere already), just that it is answered."""
    if answer_summary is None:
        return OutboundMessage(text=ctx.say("prompt.answered_plain", question=prompt.text))
    return OutboundMessage(
        text=ctx.say("prompt.answered", question=prompt.text, answer=answer_summary)
    )


def _scale_label(n: int, low: int, high: int, low_label: str, high_label: str) -> str:
    if n == low:
        return f"{n} - {low_label}"
    if n == high:
        return f"{n} - {high_label}"
    return str(n)
