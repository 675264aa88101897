"""The local chat's one renderer: neutral messages -> the JSON the page draws.

The page only ever sets textContent from these fields, so no HTML is built here, and
like every renderer it words nothing: labels and sentences arrive in the message.

The chat keeps what it drew (storage.local_chat), so a conversation may hold messages
rendered by an older version; `brought_up_to_date` reads those as this one would draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Button, Form, IdeaCard, OutboundMessage, Question, Say, is_old_idea
from bot.pathway.cards import read_old_card


def render(message: OutboundMessage) -> dict[str, Any]:
    return {
        "text": message.text,
        "question": _question(message.question) if message.question else None,
        "buttons": [_button(button) for button in message.buttons],
        "form": _form(message.form) if message.form else None,
        "notices": list(message.notices),
        "idea": _idea(message.idea) if message.idea else None,
        "image": (
            {
                "src": message.image.data_uri(),
                "alt": message.image.alt,
                "title": message.image.title,
            }
            if message.image
            else None
        ),
    }


def brought_up_to_date(body: Mapping[str, Any], say: Say) -> dict[str, Any]:
    """A kept message as this version draws it. Older versions kept an idea card unworded
    (votes, submitted_by, owner, note: the page worded them), which is worded now; and a
    question inside its message's text, which then stays there whole, without the bold
    copy of the question on top (cutting it out again is what renderers no longer do)."""
    current = dict(body)
    idea = body.get("idea")
    if isinstance(idea, Mapping) and is_old_idea(idea):
        current["idea"] = _idea(read_old_card(say, idea, idea_id_key="id"))
    question = body.get("question")
    if isinstance(question, Mapping) and "hint" not in question:
        current["question"] = {**question, "text": "", "progress": "", "hint": ""}
    return current


def _idea(idea: IdeaCard) -> dict[str, Any]:
    return {
        "id": idea.idea_id,
        "title": idea.title,
        "state": idea.state,
        "text": idea.text,
        "facts": list(idea.facts),
        "notes": [{"label": note.label, "text": note.text} for note in idea.notes],
    }


def _button(button: Button) -> dict[str, str]:
    return {
        "label": button.label,
        "action_id": button.action_id,
        "value": button.value,
        "style": button.style.value,
    }


def _question(question: Question) -> dict[str, Any]:
    return {
        "prompt_id": question.prompt_id,
        "text": question.text,
        "kind": question.kind,
        "progress": question.progress,
        "hint": question.hint,
        "follow_up": question.follow_up,
        # Each option is a ready-to-post action, so the page needs no knowledge of values.
        "options": [
            {
                "label": option.label,
                "action_id": question.option_action_id,
                "value": question.option_value_prefix + option.value,
            }
            for option in question.options
        ],
    }


def _form(form: Form) -> dict[str, Any]:
    return {
        "title": form.title,
        "intro": form.intro,
        "fields": [
            {
                "name": field.name,
                "label": field.label,
                "multiline": field.multiline,
                "placeholder": field.placeholder,
                "value": field.value,
                "required": field.required,
                "max_length": field.max_length,
            }
            for field in form.fields
        ],
        "submit": _button(form.submit),
        "cancel": _button(form.cancel) if form.cancel else None,
    }
