"""Outbound messages: what the core asks adapters to render.

Text plus a small set of neutral elements. Each adapter has one renderer
that turns these into Block Kit, Adaptive Cards or the local chat's JSON;
the core never builds platform JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.events import MessageRef


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """A prompt with its input: free text, a scale or a choice (options become buttons)."""

    prompt_id: str
    text: str
    kind: str  # free_text | scale | choice | idea
    options: tuple[Option, ...] = ()
    follow_up: str | None = None
    # Action id and value prefix for picking an option; value is f"{option_value_prefix}{value}".
    option_action_id: str = ""
    option_value_prefix: str = ""
    # Which delivery this prompt belongs to, so the adapter can report where it was shown.
    delivery_id: int | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    multiline: bool = True
    placeholder: str = ""
    required: bool = True
    max_length: int = 4000


@dataclass(frozen=True)
class Form:
    """A modal on Slack, an Adaptive Card on Teams, an inline HTML form locally."""

    title: str
    fields: tuple[FormField, ...]
    submit: Button
    intro: str = ""


@dataclass(frozen=True)
class IdeaCard:
    idea_id: int
    text: str
    state: str
    votes: int = 0
    submitted_by: str | None = None  # None when anonymous
    owner: str | None = None  # who leads it once in progress
    note: str | None = None  # the decline reason, or what leaders asked the submitter


@dataclass(frozen=True)
class OutboundMessage:
    """One message. `replaces` asks the adapter to update that message instead of posting."""

    text: str
    question: Question | None = None
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    idea: IdeaCard | None = None
    notices: tuple[str, ...] = field(default=())  # e.g. "We removed a phone number."
    replaces: MessageRef | None = None
    # Only the recipient sees it (Slack ephemeral); platforms without it post normally.
    private: bool = False


def summary(message: OutboundMessage) -> str:
    """The message as one plain text, for a notification or a card's preview: its text,
    else the question, the idea or the form's title (each renderer escapes and cuts it)."""
    text = message.text.strip()
    if not text and message.question is not None:
        text = message.question.text
    if not text and message.idea is not None:
        text = f"Idea #{message.idea.idea_id} · {message.idea.state}"
    if not text and message.form is not None:
        text = message.form.title
    return text


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis: for lists and summaries."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def to_body(message: OutboundMessage) -> dict[str, object]:
    """A message kept in an outbox row: text, notices, buttons, an idea card and the
    message it replaces (what announcements carry; forms and prompts belong to replies)."""
    idea = message.idea
    return {
        "text": message.text,
        "notices": list(message.notices),
        "buttons": [
            {"label": b.label, "action_id": b.action_id, "value": b.value, "style": b.style.value}
            for b in message.buttons
        ],
        "idea": (
            {
                "idea_id": idea.idea_id,
                "text": idea.text,
                "state": idea.state,
                "votes": idea.votes,
                "submitted_by": idea.submitted_by,
                "owner": idea.owner,
                "note": idea.note,
            }
            if idea is not None
            else None
        ),
        "replaces": message.replaces.to_dict() if message.replaces is not None else None,
    }


def from_body(body: dict[str, Any]) -> OutboundMessage:
    raw_idea = body.get("idea")
    idea = None
    if isinstance(raw_idea, dict):
        idea = IdeaCard(
            idea_id=int(raw_idea["idea_id"]),
            text=str(raw_idea["text"]),
            state=str(raw_idea["state"]),
            votes=int(raw_idea.get("votes") or 0),
            submitted_by=_optional_text(raw_idea.get("submitted_by")),
            owner=_optional_text(raw_idea.get("owner")),
            note=_optional_text(raw_idea.get("note")),
        )
    notices = body.get("notices")
    raw_buttons = body.get("buttons")
    buttons = tuple(
        Button(
            label=str(raw["label"]),
            action_id=str(raw["action_id"]),
            value=str(raw.get("value") or ""),
            style=ButtonStyle(raw.get("style") or ButtonStyle.DEFAULT),
        )
        for raw in (raw_buttons if isinstance(raw_buttons, list) else [])
        if isinstance(raw, dict)
    )
    replaces = body.get("replaces")
    return OutboundMessage(
        text=str(body.get("text") or ""),
        idea=idea,
        buttons=buttons,
        notices=tuple(str(n) for n in notices) if isinstance(notices, list) else (),
        replaces=MessageRef.from_dict(replaces) if isinstance(replaces, dict) else None,
    )


def _optional_text(value: object) -> str | None:
    return str(value) if value is not None else None
