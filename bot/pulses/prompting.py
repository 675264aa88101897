"""How a prompt is put to a person: the question, its input, and its buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot import actions
from bot.context import MAX_MESSAGE_LENGTH, BotContext
from bot.messages import (
    TARGET,
    Button,
    ButtonStyle,
    Form,
    FormField,
    Option,
    OutboundMessage,
    Question,
)
from prompts import PromptKind, PromptSpec


@dataclass(frozen=True)
class _Wording:
    """Everything a prompt's message says, the same for every delivery of it."""

    options: tuple[Option, ...]
    hint: str
    answer: str
    skip: str
    not_now: str
    stop: str
    progress: str
    send_label: str
    empty_error: str


def question_message(
    ctx: BotContext, prompt: PromptSpec, delivery_id: int, position: int, total: int
) -> OutboundMessage:
    return QuestionMessages(ctx).message(prompt, delivery_id, position, total)


class QuestionMessages:
    """Prompts put to many people (a fan-out): each prompt's wording is looked up once,
    and only the delivery it answers differs from one person's message to the next."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self._wordings: dict[tuple[str, int, int], _Wording] = {}
        self._templates: dict[tuple[str, int, int], OutboundMessage] = {}

    def message(
        self, prompt: PromptSpec, delivery_id: int, position: int, total: int
    ) -> OutboundMessage:
        value = actions.PromptTarget(delivery_id, prompt.id).value()
        return self._built(prompt, value, delivery_id, position, total)

    def template(self, prompt: PromptSpec, position: int, total: int) -> OutboundMessage:
        """The prompt's message with TARGET where each delivery's action target goes and
        no delivery id: `fill(template, target_of(delivery_id, prompt), delivery_id)` is
        that delivery's `message`. Built once per prompt, position and total."""
        key = (prompt.id, position, total)
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = self._built(prompt, TARGET, None, position, total)
        return found

    def _built(
        self, prompt: PromptSpec, value: str, delivery_id: int | None, position: int, total: int
    ) -> OutboundMessage:
        key = (prompt.id, position, total)
        wording = self._wordings.get(key)
        if wording is None:
            wording = self._wordings[key] = _wording(self.ctx, prompt, position, total)
        options = wording.options
        buttons: tuple[Button, ...] = (
            Button(wording.skip, actions.PROMPT_SKIP, value),
            Button(wording.not_now, actions.PROMPT_SNOOZE, value),
            Button(wording.stop, actions.PROMPT_STOP, value, ButtonStyle.DANGER),
        )
        if not options:
            answer = Button(wording.answer, actions.ANSWER_OPEN, value, ButtonStyle.PRIMARY)
            buttons = (answer, *buttons)
        return OutboundMessage(
            text="",  # the question says it all; a reminder puts its lead-in here
            question=Question(
                prompt_id=prompt.id,
                text=prompt.text,
                kind=prompt.kind.value,
                options=options,
                follow_up=prompt.follow_up,
                option_action_id=actions.ANSWER_OPTION if options else "",
                option_value_prefix=value + ":" if options else "",
                delivery_id=delivery_id,
                progress=wording.progress,
                hint=wording.hint,
                send_label=wording.send_label,
                empty_error=wording.empty_error,
            ),
            buttons=buttons,
        )


def target_of(delivery_id: int, prompt_id: str) -> str:
    """What a prompt's buttons carry for one delivery (see bot.actions.PromptTarget)."""
    return actions.PromptTarget(delivery_id, prompt_id).value()


def _wording(ctx: BotContext, prompt: PromptSpec, position: int, total: int) -> _Wording:
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
    return _Wording(
        options=options,
        hint=ctx.say(hint_key),
        answer=ctx.say("button.answer"),
        skip=ctx.say("button.skip"),
        not_now=ctx.say("button.not_now"),
        stop=ctx.say("button.stop"),
        progress=ctx.say("prompt.progress", position=position + 1, total=total)
        if total > 1
        else "",
        send_label=ctx.say("button.submit") if options else "",
        empty_error=ctx.say("form.pick_one" if options else "form.required"),
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
