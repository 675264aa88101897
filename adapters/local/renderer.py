"""The local chat's one renderer: neutral messages -> the JSON the page draws.

The page only ever sets textContent from these fields, so no HTML is built here.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Form, OutboundMessage, Question


def render(message: OutboundMessage) -> dict[str, Any]:
    return {
        "text": message.text,
        "question": _question(message.question) if message.question else None,
        "buttons": [_button(button) for button in message.buttons],
        "form": _form(message.form) if message.form else None,
        "notices": list(message.notices),
        "idea": (
            {
                "id": message.idea.idea_id,
                "text": message.idea.text,
                "state": message.idea.state,
                "votes": message.idea.votes,
                "submitted_by": message.idea.submitted_by,
                "owner": message.idea.owner,
                "note": message.idea.note,
            }
            if message.idea
            else None
        ),
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
                "required": field.required,
                "max_length": field.max_length,
            }
            for field in form.fields
        ],
        "submit": _button(form.submit),
    }
