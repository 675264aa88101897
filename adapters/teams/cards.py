"""Teams' one renderer: neutral messages -> Adaptive Cards (schema 1.5) and message activities.

It lays out and never words: every label and sentence arrives in the neutral message.
Teams renders a markdown subset in a TextBlock, so a clinician's words could become a
link or an image; `neutral` breaks that syntax with an invisible zero-width space (it
works whatever markdown parser the client uses, where backslash escapes do not). Sizes
are kept here, once: each text is cut with an ellipsis, and a card whose payload would
pass Teams' ~28 KB is rendered again with shorter texts.

Actions: option buttons, Skip / Not now / Stop these and form submits are Action.Submit
whose `data` says (action_id, value) (see card_forms); the pathway's moves on an idea
card are Action.Execute (verb = action id), so the bot answers the invoke with the
refreshed card and it changes in place for everyone in the channel.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from adapters.teams.card_forms import (
    CHOICE_INPUT,
    MAX_VALUE,
    execute_data,
    field_id,
    submit_data,
)
from bot import actions
from bot.context import MAX_MESSAGE_LENGTH
from bot.messages import (
    Button,
    ButtonStyle,
    Form,
    FormField,
    IdeaCard,
    OutboundMessage,
    Question,
    summary,
)

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

MAX_PAYLOAD_BYTES = 27_000  # Teams refuses activities over ~28 KB; leave room for the envelope
MAX_TEXT = 3000  # one TextBlock, before the payload budget shortens it further
MIN_TEXT = 100  # the budget never cuts a text shorter than this
MAX_PLAIN_TEXT = 6000  # a text-only message (4 bytes a character at worst: under 28 KB)
MAX_SUMMARY = 500  # the notification preview
MAX_TITLE = 75
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = MAX_MESSAGE_LENGTH
MAX_OPTION_BUTTONS = 5  # a 1-5 scale still fits as buttons; more become a choice list
MAX_CHOICES = 100
MAX_PRIMARY_ACTIONS = 6  # Teams shows six actions well; the rest go in its overflow menu

ELLIPSIS = "…"
NOTICE_PREFIX = "🔒 "
SEPARATOR = " · "
_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}

Element = dict[str, Any]

_ZWSP = "\u200b"
# "[text](url)", "![alt](url)", "[text][ref]" and "[ref]: url" all need "]" right before
# "(", "[" or ":"; "<https://...>" is an autolink.
_LINK_BRACKET = re.compile(r"\](?=[(\[:])")
_AUTOLINK = re.compile(r"<(?=[A-Za-z][A-Za-z0-9+.\-]*:)")


def neutral(text: str) -> str:
    """`text` with the markdown that could make a link or an image broken, invisibly."""
    return _AUTOLINK.sub("<" + _ZWSP, _LINK_BRACKET.sub("]" + _ZWSP, text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _text_block(text: str, limit: int, **style: Any) -> Element:
    # Cut before neutralising: the zero-width spaces must not push real words out.
    return {"type": "TextBlock", "text": neutral(_cut(text, limit)), "wrap": True, **style}


# --- activities and cards ---------------------------------------------------------------


def render_activity(message: OutboundMessage) -> dict[str, Any]:
    """The Bot Framework message activity for `message`: plain text when there is nothing
    to lay out, otherwise one Adaptive Card (with `summary` as the notification preview;
    an activity `text` would be shown again above the card). An image goes inside the
    card as a data URI when the card stays within Teams' payload size; a larger one
    follows the card as an inline image attachment."""
    if message.image is not None:
        with_image = _card(message, MAX_TEXT)
        if _size(with_image) <= MAX_PAYLOAD_BYTES:
            return {
                "type": "message",
                "summary": _cut(summary(message) or message.image.alt, MAX_SUMMARY),
                "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": with_image}],
            }
        image = message.image
        without = replace(message, image=None)
        attachments = []
        if not _text_only(without) or without.text.strip():
            attachments.append({"contentType": CARD_CONTENT_TYPE, "content": render_card(without)})
        attachments.append(
            {
                "contentType": image.media_type,
                "contentUrl": image.data_uri(),
                "name": image.filename,
            }
        )
        return {
            "type": "message",
            "summary": _cut(summary(message) or image.alt, MAX_SUMMARY),
            "attachments": attachments,
        }
    if _text_only(message):
        text = neutral(_cut(message.text, MAX_PLAIN_TEXT))
        return {"type": "message", "text": text, "textFormat": "plain"}
    return {
        "type": "message",
        "summary": _cut(summary(message), MAX_SUMMARY),
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": render_card(message)}],
    }


def render_card(message: OutboundMessage) -> dict[str, Any]:
    """The Adaptive Card for `message`, within Teams' payload size."""
    limit = MAX_TEXT
    card = _card(message, limit)
    while _size(card) > MAX_PAYLOAD_BYTES and limit > MIN_TEXT:
        limit = max(limit // 2, MIN_TEXT)
        card = _card(message, limit)
    if _size(card) > MAX_PAYLOAD_BYTES:
        # Only hundreds of notices or buttons get here; the core sends nothing like that.
        raise ValueError(f"card is {_size(card)} bytes even with short texts")
    return card


def _text_only(message: OutboundMessage) -> bool:
    return not (
        message.question or message.buttons or message.form or message.idea or message.notices
    )


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())


def _card(message: OutboundMessage, limit: int) -> dict[str, Any]:
    body: list[Element] = []
    card_actions: list[Element] = []
    if message.text.strip() and message.form is None:
        body.append(_text_block(message.text, limit))
    if message.question is not None:
        body += _question_body(message, message.question, limit)
    if message.idea is not None:
        body += _idea_body(message.idea, limit)
    if message.form is not None:
        body += _form_body(message.form, limit)
        card_actions.append(_submit(message.form.submit, inputs=True))
        if message.form.cancel is not None:  # a card has no close button of its own
            card_actions.append(_execute(message.form.cancel))
    if message.image is not None:
        body.append(
            {
                "type": "Image",
                "url": message.image.data_uri(),
                "altText": message.image.alt,
                "size": "Stretch",
            }
        )
    body += [
        _text_block(NOTICE_PREFIX + notice, limit, isSubtle=True, size="Small")
        for notice in message.notices
    ]
    card_actions += _message_actions(message)
    for n, action in enumerate(card_actions):
        if n >= MAX_PRIMARY_ACTIONS:
            action["mode"] = "secondary"
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    card["body"] = body
    if card_actions:
        card["actions"] = card_actions
    return card


# --- prompts ----------------------------------------------------------------------------


def _question_body(message: OutboundMessage, question: Question, limit: int) -> list[Element]:
    """The question, large and bold; where it stands, how to answer and the follow-up,
    quieter; then its input: option buttons, a choice list or a text box."""
    body = [_text_block(question.text.strip(), limit, size="Medium", weight="Bolder")]
    about = " ".join(part.strip() for part in (question.progress, question.hint) if part.strip())
    if about:
        body.append(_text_block(about, limit, isSubtle=True))
    if question.follow_up:
        body.append(_text_block(question.follow_up, limit, isSubtle=True))
    if question.options:
        body += _options(question)
    elif _answers_inline(message):
        body.append(
            _text_input(
                # No placeholder: the follow-up is already shown just above.
                FormField(
                    name=actions.ANSWER_FIELD,
                    label="",
                    max_length=MAX_INPUT_LENGTH,
                    required_error=question.empty_error,
                )
            )
        )
    return body


def _options(question: Question) -> list[Element]:
    prefix, action_id = question.option_value_prefix, question.option_action_id
    if len(question.options) <= MAX_OPTION_BUTTONS:
        buttons = [
            _submit(Button(option.label, action_id, prefix + option.value))
            for option in question.options
        ]
        return [{"type": "ActionSet", "actions": buttons}]
    choices = [
        {"title": _cut(option.label, MAX_TITLE), "value": option.value}
        for option in question.options[:MAX_CHOICES]
    ]
    choice_set: Element = {
        "type": "Input.ChoiceSet",
        "id": CHOICE_INPUT,
        "style": "expanded",
        "isRequired": True,
        "choices": choices,
    }
    if question.empty_error:  # without one, Teams says its own
        choice_set["errorMessage"] = question.empty_error
    send = _action("Action.Submit", question.send_label, ButtonStyle.PRIMARY)
    send["associatedInputs"] = "auto"
    send["data"] = submit_data(action_id, prefix, choose=True)
    return [choice_set, {"type": "ActionSet", "actions": [send]}]


def _answers_inline(message: OutboundMessage) -> bool:
    """A text prompt whose "Answer" button opens a form elsewhere: on Teams the text box
    goes on the card itself, and "Answer" sends it."""
    question = message.question
    return (
        question is not None
        and not question.options
        and any(button.action_id == actions.ANSWER_OPEN for button in message.buttons)
    )


def _message_actions(message: OutboundMessage) -> list[Element]:
    inline = _answers_inline(message)
    rendered: list[Element] = []
    for button in message.buttons:
        if inline and button.action_id == actions.ANSWER_OPEN:
            # ANSWER_SUBMIT takes the same delivery:prompt value ANSWER_OPEN carries.
            send = Button(button.label, actions.ANSWER_SUBMIT, button.value, button.style)
            rendered.append(_submit(send, inputs=True))
        elif message.idea is not None:
            rendered.append(_execute(button))
        else:
            rendered.append(_submit(button))
    return rendered


# --- ideas and forms --------------------------------------------------------------------


def _idea_body(idea: IdeaCard, limit: int) -> list[Element]:
    body = [
        _text_block(f"{idea.title}{SEPARATOR}{idea.state}", limit, weight="Bolder"),
        _text_block(idea.text, limit),
    ]
    if idea.facts:
        body.append(_text_block(SEPARATOR.join(idea.facts), limit, isSubtle=True, size="Small"))
    body += [
        _text_block(f"{note.label}: {note.text}", limit, isSubtle=True, size="Small")
        for note in idea.notes
    ]
    return body


def _form_body(form: Form, limit: int) -> list[Element]:
    body = [_text_block(form.title, MAX_TITLE, size="Medium", weight="Bolder")]
    if form.intro.strip():
        body.append(_text_block(form.intro, limit))
    return body + [_text_input(field) for field in form.fields]


def _text_input(field: FormField) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": field_id(field.name),
        "isMultiline": field.multiline,
        "maxLength": max(1, min(field.max_length, MAX_INPUT_LENGTH)),
        "isRequired": field.required,
    }
    if field.label:
        element["label"] = neutral(_cut(field.label, MAX_TITLE))
    if field.placeholder:
        element["placeholder"] = _cut(field.placeholder, MAX_PLACEHOLDER)
    if field.value:
        element["value"] = field.value[: field.max_length]
    if field.required and field.required_error:
        element["errorMessage"] = field.required_error
    return element


# --- actions ----------------------------------------------------------------------------


def _action(kind: str, label: str, style: ButtonStyle) -> Element:
    action: Element = {"type": kind, "title": _cut(label, MAX_TITLE)}
    if style in _STYLES:
        action["style"] = _STYLES[style]
    return action


def _submit(button: Button, *, inputs: bool = False) -> Element:
    action = _action("Action.Submit", button.label, button.style)
    # "none": Skip or Stop must work with a required text box left empty.
    action["associatedInputs"] = "auto" if inputs else "none"
    # A value is read by a machine: cut it plainly (the core keeps its values short).
    action["data"] = submit_data(button.action_id, button.value[:MAX_VALUE])
    return action


def _execute(button: Button) -> Element:
    action = _action("Action.Execute", button.label, button.style)
    action["verb"] = button.action_id
    action["data"] = execute_data(button.value[:MAX_VALUE])
    return action
