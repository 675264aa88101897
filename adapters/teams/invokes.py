"""The synchronous answer to an Action.Execute press. Pure: no I/O, easy to test.

Teams shows the card in an `adaptiveCard/action` invoke response to the person who
pressed, in place of the card they pressed; a message response is a short note only
they see. So of the core's replies to a press:
- the pressed card's new version is the answer (and is also PUT, so everyone sees it);
- else a form (a decline reason, say) is the answer: it opens where they pressed;
- else the private notes ("someone else moved it first") are the answer's message;
whatever is left is posted to the person's 1:1 chat as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.teams.cards import CARD_CONTENT_TYPE, render_card
from bot.events import MessageRef
from bot.messages import OutboundMessage

MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"


@dataclass(frozen=True)
class ExecuteAnswer:
    body: dict[str, Any]  # the AdaptiveCardInvokeResponse, as JSON
    update_everyone: OutboundMessage | None  # the pressed card's new version, to PUT
    rest: tuple[OutboundMessage, ...]  # to post to the person's chat


def execute_answer(replies: Sequence[OutboundMessage], pressed: MessageRef | None) -> ExecuteAnswer:
    card = next(
        (r for r in replies if pressed and r.replaces and r.replaces.key == pressed.key), None
    )
    if card is not None:
        # The card's headline says what a note would; a confirmation with Undo still goes.
        others = tuple(r for r in replies if r is not card and not _is_note(r))
        return ExecuteAnswer(_card_body(card), card, others)
    form = next((r for r in replies if r.form is not None), None)
    if form is not None:
        return ExecuteAnswer(_card_body(form), None, tuple(r for r in replies if r is not form))
    notes = [r for r in replies if _is_note(r)]
    rest = tuple(r for r in replies if not _is_note(r))
    text = "\n\n".join(note.text for note in notes)
    return ExecuteAnswer(message_body(text), None, rest)


def message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": text}


def _card_body(message: OutboundMessage) -> dict[str, Any]:
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": render_card(message)}


def _is_note(reply: OutboundMessage) -> bool:
    """Private words alone: nothing to press, nothing to update."""
    return reply.private and not (reply.buttons or reply.question or reply.form or reply.replaces)
