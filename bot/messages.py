"""Outbound messages: what the core asks adapters to render.

Text plus a small set of neutral elements. Each adapter has one renderer
that turns these into Block Kit, Adaptive Cards or the local chat's JSON;
the core never builds platform JSON, and the renderers never word anything:
every label and sentence arrives here already taken from copy.yaml, each in
a field of its own, so a renderer only chooses where and how it shows.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from bot.events import MessageRef


class Say(Protocol):
    """A copy lookup (BotContext.say): the message for `key`, placeholders filled in."""

    def __call__(self, key: str, **values: object) -> str: ...


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
    """A prompt with its input: free text, a scale or a choice (options become buttons).

    The words around the question come apart, so no renderer has to cut them out of a
    sentence: where it stands in the pulse, how to answer, the follow-up. A message
    carrying a question says anything else first, in its `text` (a reminder's lead-in).
    """

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
    progress: str = ""  # "(2 of 3)"; empty for a pulse of one question
    hint: str = ""  # how to answer: "Pick a number."
    # For a platform that puts the input on the question itself (Teams): the button that
    # sends an option picked from a list, and what an input sent empty is told.
    send_label: str = ""
    empty_error: str = ""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    multiline: bool = True
    placeholder: str = ""
    required: bool = True
    max_length: int = 4000
    required_error: str = ""  # what a platform that checks inputs says when left empty
    value: str = ""  # what the field holds when the form opens (editing, or trying again)


@dataclass(frozen=True)
class Form:
    """A modal on Slack, an Adaptive Card on Teams, an inline HTML form locally."""

    title: str
    fields: tuple[FormField, ...]
    submit: Button
    intro: str = ""
    cancel_label: str = ""  # the close button of a modal, where the platform has one
    # Where the platform has no close button of its own (a card, the local chat's inline
    # form): a button that puts back what the form replaced.
    cancel: Button | None = None
    # Where a form cannot open by itself (a Slack modal needs a press), the button that
    # opens it: posted with the form's text instead.
    opener: Button | None = None


@dataclass(frozen=True)
class LabelledText:
    """A longer text under a label: ("Reason", "Funding for scribes ended in March")."""

    label: str
    text: str


@dataclass(frozen=True)
class IdeaCard:
    """An idea as a card, every word of it from copy: "Idea #17", "under review", the
    idea, then short facts shown together ("From Dr Okafor", "3 votes", "Led by Dr Lee";
    "Anonymous" names nobody) and labelled notes (the decline reason, or what leaders
    asked the submitter). bot.pathway words it; renderers lay it out."""

    idea_id: int
    title: str
    state: str
    text: str
    facts: tuple[str, ...] = ()
    notes: tuple[LabelledText, ...] = ()


@dataclass(frozen=True)
class Image:
    """A picture to show with a message (a report's chart): its bytes, the words that
    stand for it where it cannot be seen (`alt`, from copy) and a title."""

    data: bytes
    alt: str
    title: str = ""
    media_type: str = "image/png"
    filename: str = "chart.png"

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


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
    # Shown after the text: an upload on Slack, in the card on Teams, an <img> locally.
    image: Image | None = None


def summary(message: OutboundMessage) -> str:
    """The message as one plain text, for a notification or a card's preview: its text
    (for a question: the text, progress, question and hint in reading order), else the
    idea or the form's title (each renderer escapes and cuts it)."""
    question = message.question
    if question is not None:
        parts = (message.text, question.progress, question.text, question.hint)
        return " ".join(part.strip() for part in parts if part.strip())
    text = message.text.strip()
    if not text and message.idea is not None:
        text = f"{message.idea.title} · {message.idea.state}"
    if not text and message.form is not None:
        text = message.form.title
    return text


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis: for lists and summaries."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """The first paragraph on one line, at most `limit` characters: for list lines and
    summaries, where details added later (after a blank line) would break the line."""
    first, _blank, rest = text.strip().partition("\n\n")
    line = " ".join(first.split())
    if rest.strip():  # more follows: say so, as a cut does
        return shorten(f"{line} …", limit)
    return shorten(line, limit)


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
                "title": idea.title,
                "state": idea.state,
                "text": idea.text,
                "facts": list(idea.facts),
                "notes": [{"label": note.label, "text": note.text} for note in idea.notes],
            }
            if idea is not None
            else None
        ),
        "replaces": message.replaces.to_dict() if message.replaces is not None else None,
        "image": (
            {
                "data": base64.b64encode(message.image.data).decode("ascii"),
                "alt": message.image.alt,
                "title": message.image.title,
                "media_type": message.image.media_type,
                "filename": message.image.filename,
            }
            if message.image is not None
            else None
        ),
    }


# Reads an idea card stored before cards were worded in the core (it has votes,
# submitted_by, owner and note instead of a title, facts and notes): see from_body.
OldIdeaReader = Callable[[Mapping[str, Any]], IdeaCard]


def is_old_idea(raw: Mapping[str, Any]) -> bool:
    """An idea card body in the shape kept before cards were worded: no title."""
    return "title" not in raw


def from_body(
    body: Mapping[str, Any], read_old_idea: OldIdeaReader | None = None
) -> OutboundMessage:
    """The message `to_body` kept. A row queued by an older version may carry its idea
    card in the old shape (raw votes and names, worded by each renderer); `read_old_idea`
    words it now. Without one, such a body is refused (ValueError), never shown bare."""
    raw_idea = body.get("idea")
    idea = None
    if isinstance(raw_idea, Mapping):
        if not is_old_idea(raw_idea):
            idea = _idea_from_body(raw_idea)
        elif read_old_idea is not None:
            idea = read_old_idea(raw_idea)
        else:
            raise ValueError("an idea card kept in the old shape needs read_old_idea")
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
    image = body.get("image")
    return OutboundMessage(
        text=str(body.get("text") or ""),
        idea=idea,
        buttons=buttons,
        notices=tuple(str(n) for n in notices) if isinstance(notices, list) else (),
        replaces=MessageRef.from_dict(replaces) if isinstance(replaces, dict) else None,
        image=_image_from_body(image) if isinstance(image, Mapping) else None,
    )


def _image_from_body(raw: Mapping[str, Any]) -> Image:
    return Image(
        data=base64.b64decode(str(raw["data"])),
        alt=str(raw.get("alt") or ""),
        title=str(raw.get("title") or ""),
        media_type=str(raw.get("media_type") or "image/png"),
        filename=str(raw.get("filename") or "chart.png"),
    )


def _idea_from_body(raw: Mapping[str, Any]) -> IdeaCard:
    facts = raw.get("facts")
    notes = raw.get("notes")
    return IdeaCard(
        idea_id=int(raw["idea_id"]),
        title=str(raw["title"]),
        state=str(raw["state"]),
        text=str(raw["text"]),
        facts=tuple(str(fact) for fact in facts) if isinstance(facts, list) else (),
        notes=tuple(
            LabelledText(str(note["label"]), str(note["text"]))
            for note in (notes if isinstance(notes, list) else [])
            if isinstance(note, dict)
        ),
    )


# In a fan-out's template message (bot.pulses.prompting.QuestionMessages.template), this
# stands where each delivery's action target goes: a private-use character no copy holds,
# so a renderer can lay a template out once and put each delivery's target in.
TARGET = "\ue000"


def fill(template: OutboundMessage, target: str, delivery_id: int) -> OutboundMessage:
    """The template as one delivery's message: `target` for TARGET in its buttons' values
    and its options' value prefix, and the question's delivery id."""
    question = template.question
    if question is not None:
        question = replace(
            question,
            option_value_prefix=question.option_value_prefix.replace(TARGET, target),
            delivery_id=delivery_id,
        )
    buttons = tuple(
        Button(button.label, button.action_id, button.value.replace(TARGET, target), button.style)
        for button in template.buttons
    )
    return replace(template, question=question, buttons=buttons)
