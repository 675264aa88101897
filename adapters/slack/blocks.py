"""Slack's one renderer: neutral messages -> Block Kit messages, modals and the App Home.

It lays out and never words: every label and sentence arrives in the neutral message.
Everything from the core is mrkdwn-escaped (&, <, >) so a clinician's words can never
become a mention or a link, and every Slack size limit is respected here, once: text is
cut with an ellipsis, values are cut plainly, long button rows are split.

Slack wants each action_id to be unique within a message; the core reuses one id for
every option of a question. Repeats are sent as "id#n" (`encode_action_id`); the adapter
turns them back with `decode_action_id` before handing the action to the core.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import attrgetter
from typing import Any

from adapters import json_guard
from bot.messages import (
    ButtonStyle,
    Form,
    FormField,
    IdeaCard,
    OutboundMessage,
    Question,
    summary,
)

# Slack's limits (Block Kit reference).
MAX_FALLBACK_TEXT = 4000
MAX_TEXT = 3000  # a text object: section text, context element, modal intro
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000  # plain_text_input's max_length cannot be set higher
MAX_PRIVATE_METADATA = 3000

ELLIPSIS = "…"
NOTICE_EMOJI = ":lock:"
SEPARATOR = " · "
_ID_SEPARATOR = "#"

Block = dict[str, Any]


# --- action ids ---------------------------------------------------------------------------


def encode_action_id(action_id: str, n: int) -> str:
    """The id for the n-th use (from 0) of `action_id` in one message: unchanged the first
    time, "action_id#n" after. An id that itself holds '#' is always suffixed, so
    `decode_action_id` gives it back whole."""
    if n < 0:
        raise ValueError(f"occurrence number must be >= 0, got {n}")
    raw = action_id if n == 0 and _ID_SEPARATOR not in action_id else f"{action_id}#{n}"
    if len(raw) > MAX_ACTION_ID:
        raise ValueError(f"action id {raw[:40]!r}... is longer than Slack's {MAX_ACTION_ID}")
    return raw


def decode_action_id(raw: str) -> str:
    """The core's action id from one `encode_action_id` made (strips a '#n' suffix)."""
    base, separator, suffix = raw.rpartition(_ID_SEPARATOR)
    return base if separator and suffix.isdigit() else raw


class _ActionIds:
    """Hands out action ids unique within one message or view."""

    def __init__(self) -> None:
        self._uses: Counter[str] = Counter()

    def unique(self, action_id: str) -> str:
        n = self._uses[action_id]
        self._uses[action_id] += 1
        return encode_action_id(action_id, n)


# --- text -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never inside an &entity;."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


def _mrkdwn(escaped: str) -> dict[str, Any]:
    # verbatim: Slack links only what is spelled out in <...> (which we escape), so
    # nothing a clinician types is turned into a channel link or a mention.
    return {"type": "mrkdwn", "text": _cut(escaped, MAX_TEXT), "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _section(escaped: str) -> Block:
    return {"type": "section", "text": _mrkdwn(escaped)}


def _context(escaped: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(escaped)]}


# --- messages ---------------------------------------------------------------------------


def render_message(message: OutboundMessage) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text for notifications, blocks) for one message."""
    text = summary(message)
    # Only a prompt's words are kept between renders, never what a person wrote.
    fallback = _fallback(text) if message.question is not None else _shown_fallback(text)
    return fallback, _message_blocks(message, None)


# The notification text of a prompt is the same for every delivery: escaped and cut once.
@lru_cache(maxsize=1024)
def _fallback(text: str) -> str:
    return _shown_fallback(text)


def _shown_fallback(text: str) -> str:
    return _cut(_escape(text), MAX_FALLBACK_TEXT)


def _message_blocks(message: OutboundMessage, ids: _ActionIds | None) -> list[Block]:
    """The message's blocks; its action ids unique within `ids` (a view's), or within the
    message alone when None."""
    blocks: list[Block] = []
    if message.text.strip():
        blocks.append(_section(_escape(message.text)))
    question = message.question
    if question is not None:
        blocks += _question_blocks(question)
    if message.idea is not None:
        blocks += _idea_blocks(message.idea)
    if message.notices:
        blocks += [_context(f"{NOTICE_EMOJI} {_escape(notice)}") for notice in message.notices]

    # Each button's face (label, action id, style) and, apart, its value: in a fan-out of
    # one prompt only the values change from one delivery to the next.
    faces: list[_Face] = []
    values: list[str] = []
    if question is not None and question.options:
        option_id, prefix = question.option_action_id, question.option_value_prefix
        faces += [(option.label, option_id, _DEFAULT) for option in question.options]
        values += [prefix + option.value for option in question.options]
    faces += map(_face_of, message.buttons)
    values += map(_value_of, message.buttons)
    if message.form is not None and (opener := message.form.opener) is not None:
        # No form inside a Slack message: the button that opens it as a modal instead.
        faces.append(_face_of(opener))
        values.append(opener.value)
    shown = _faces_in_one_message(tuple(faces)) if ids is None else _shown_faces(faces, ids)
    buttons = list(map(_button_element, shown, values))
    if len(buttons) <= MAX_ACTIONS_ELEMENTS:  # the usual case, without the slicing
        actions = [{"type": "actions", "elements": buttons}] if buttons else []
    else:
        actions = [
            {"type": "actions", "elements": buttons[start : start + MAX_ACTIONS_ELEMENTS]}
            for start in range(0, len(buttons), MAX_ACTIONS_ELEMENTS)
        ]
    # Over the block limit, the words go before the buttons: a prompt must stay answerable.
    room = max(MAX_MESSAGE_BLOCKS - len(actions), 0)
    return (blocks[:room] + actions)[:MAX_MESSAGE_BLOCKS]


def _question_blocks(question: Question) -> list[Block]:
    """The question in bold, then where it stands and how to answer, then the follow-up,
    each quieter, as context."""
    bold, about, follow_up = _question_texts(
        question.text, question.progress, question.hint, question.follow_up
    )
    blocks = [_section(bold)]
    if about:
        blocks.append(_context(about))
    if follow_up:
        blocks.append(_context(follow_up))
    return blocks


# Every delivery of a prompt asks the same question: its texts are escaped and cut once.
# Only strings are kept (immutable), the blocks around them are built fresh each time.
@lru_cache(maxsize=1024)
def _question_texts(
    text: str, progress: str, hint: str, follow_up: str | None
) -> tuple[str, str, str]:
    """The question's bold section text, then its two contexts' ("" for none), escaped."""
    # Cut inside the asterisks, so a very long question is still bold.
    bold = f"*{_cut(_escape(text.strip()), MAX_TEXT - 2)}*"
    about = " ".join(part.strip() for part in (progress, hint) if part.strip())
    return bold, _escape(about), _escape(follow_up or "")


def _idea_blocks(idea: IdeaCard) -> list[Block]:
    heading = f"*{_escape(idea.title)}*{SEPARATOR}{_escape(idea.state)}"
    blocks = [_section(f"{heading}\n{_escape(idea.text)}")]
    if idea.facts:
        blocks.append(_context(SEPARATOR.join(_escape(fact) for fact in idea.facts)))
    blocks += [_context(f"{_escape(note.label)}: {_escape(note.text)}") for note in idea.notes]
    return blocks


_Face = tuple[str, str, ButtonStyle]  # a button's label, action id and style
_DEFAULT = ButtonStyle.DEFAULT


def _shown_faces(faces: Sequence[_Face], ids: _ActionIds) -> list[tuple[str, str, str]]:
    """(text, action id, style) as Slack gets them: the label cut, the id made unique
    within `ids`, the style "" for the default."""
    return [
        (
            _cut(label, MAX_BUTTON_TEXT),
            ids.unique(action_id),
            "" if style is _DEFAULT else style.value,
        )
        for label, action_id, style in faces
    ]


# A fan-out renders thousands of messages with the same buttons, only their values
# differ: how the buttons of one message look is worked out once. Only strings are kept
# (immutable); the button dicts are built fresh each time.
@lru_cache(maxsize=1024)
def _faces_in_one_message(faces: tuple[_Face, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple(_shown_faces(faces, _ActionIds()))


_face_of = attrgetter("label", "action_id", "style")
_value_of = attrgetter("value")


def _button_element(shown: tuple[str, str, str], value: str) -> Block:
    text, action_id, style = shown
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
    }
    if value:
        # A value is read by a machine: cut it plainly (the core keeps its values short).
        element["value"] = value[:MAX_BUTTON_VALUE]
    if style:
        element["style"] = style  # "primary" | "danger"
    return element


# --- App Home ---------------------------------------------------------------------------


def render_home(messages: Sequence[OutboundMessage]) -> dict[str, Any]:
    """The App Home view: each message rendered as in a chat, a divider between them.

    Whole messages only: one that would not fit under Slack's 100 blocks is left out,
    with everything after it."""
    ids = _ActionIds()  # unique across the whole view, not just within one message
    blocks: list[Block] = []
    for message in messages:
        rendered = _message_blocks(message, ids)
        if not rendered:
            continue
        divider = [{"type": "divider"}] if blocks else []
        if len(blocks) + len(divider) + len(rendered) > MAX_VIEW_BLOCKS:
            break
        blocks += divider + rendered
    return {"type": "home", "blocks": blocks}


# --- modals -----------------------------------------------------------------------------


def render_modal(form_message: OutboundMessage, callback_id: str = "thrive.form") -> dict[str, Any]:
    """A modal for `form_message.form`. Its submit button's action id and value travel in
    private_metadata, for `parse_modal_submission` to read back."""
    form = form_message.form
    if form is None:
        raise ValueError("render_modal needs a message with a form")
    blocks: list[Block] = []
    if form.intro.strip():
        blocks.append(_section(_escape(form.intro)))
    blocks += [_input_block(field) for field in form.fields]
    modal: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(form.title, MAX_MODAL_TITLE),
        "submit": _plain(form.submit.label, MAX_MODAL_BUTTON),
    }
    if form.cancel_label:  # without one, Slack shows its own, in the person's language
        modal["close"] = _plain(form.cancel_label, MAX_MODAL_BUTTON)
    modal["private_metadata"] = _form_metadata(form)
    modal["blocks"] = blocks[:MAX_VIEW_BLOCKS]
    return modal


def _input_block(field: FormField) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": field.name,
        "multiline": field.multiline,
        "max_length": max(1, min(field.max_length, MAX_INPUT_LENGTH)),
    }
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, MAX_PLACEHOLDER)
    if field.value:
        element["initial_value"] = field.value[: field.max_length]
    return {
        "type": "input",
        "block_id": field.name,
        "label": _plain(field.label, MAX_INPUT_LABEL),
        "element": element,
        "optional": not field.required,
    }


def _form_metadata(form: Form) -> str:
    metadata = json.dumps(
        {"a": form.submit.action_id, "v": form.submit.value},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    if len(metadata) > MAX_PRIVATE_METADATA:
        # Cutting it would send the wrong value back: refuse instead.
        raise ValueError(
            f"form submit action and value take {len(metadata)} characters of "
            f"private_metadata; Slack allows {MAX_PRIVATE_METADATA}"
        )
    return metadata


def parse_modal_submission(view: Mapping[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(action_id, value, fields) from a view_submission's `view`.

    ValueError if private_metadata is missing, too long, not JSON, or not an object
    with string "a" and "v" (so it was not made by `render_modal`)."""
    raw = view.get("private_metadata")
    if not isinstance(raw, str) or not raw:
        raise ValueError("modal submission has no private_metadata: not a Thrive form")
    if len(raw) > MAX_PRIVATE_METADATA:
        raise ValueError(
            f"modal private_metadata is {len(raw)} characters, over Slack's "
            f"{MAX_PRIVATE_METADATA}: not a Thrive form"
        )
    try:
        metadata = json_guard.loads(raw)  # strict and shallow, like a request body
    except json_guard.BadJson as error:
        raise ValueError(f"modal private_metadata is not JSON: {error}") from error
    if not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("a"), str)
        and isinstance(metadata.get("v"), str)
    ):
        raise ValueError('modal private_metadata must be a JSON object with strings "a" and "v"')
    return metadata["a"], metadata["v"], _submitted_fields(view)


def _submitted_fields(view: Mapping[str, Any]) -> dict[str, str]:
    """block_id -> typed text, from state.values (block_id -> action_id -> {"value": ...}).
    An optional field left empty arrives as null and becomes ""."""
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, Mapping) else None
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValueError("modal state.values is not an object")
    fields: dict[str, str] = {}
    for block_id, elements in values.items():
        if not isinstance(elements, Mapping):
            raise ValueError(f"modal state for block {block_id!r} is not an object")
        for element in elements.values():
            if not isinstance(element, Mapping):
                raise ValueError(f"modal state for block {block_id!r} is not an object")
            value = element.get("value")
            fields[str(block_id)] = value if isinstance(value, str) else ""
    return fields
