"""What both renderers (Slack's blocks, Teams' cards) are tested on: the neutral
messages the core really sends, and the golden-file check of what they render to.

Golden files live beside each renderer's tests. After an intended change, rewrite
them with THRIVE_UPDATE_GOLDEN=1 and review the diff; a missing file fails, it is
never created silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot import actions
from bot.context import BotContext
from bot.messages import Button, OutboundMessage
from bot.pathway.cards import word_card
from bot.pathway.states import card_buttons
from bot.privacy import redact
from bot.pulses import prompting
from bot.pulses.prompting import question_message
from storage.models import Idea

UPDATE_GOLDEN = os.environ.get("THRIVE_UPDATE_GOLDEN") == "1"

DELIVERY = 41
JOY = actions.PromptTarget(DELIVERY, "joy-more")


def question(ctx: BotContext, prompt_id: str, position: int, total: int) -> OutboundMessage:
    return question_message(ctx, ctx.content.prompt(prompt_id), DELIVERY, position, total)


def answer_saved(ctx: BotContext, said: str) -> OutboundMessage:
    """As bot.answers.record_answer confirms a free-text answer that needed redacting."""
    redaction = redact(said)
    return OutboundMessage(
        text=ctx.say("answer.saved", answer=redaction.text),
        buttons=(
            Button(ctx.say("button.undo"), actions.ANSWER_UNDO, JOY.value(7, "5f2c9a0d41b7e3c8")),
        ),
        notices=(ctx.say("privacy.redacted", kinds=", ".join(redaction.removed)),),
    )


def answer_form(ctx: BotContext) -> OutboundMessage:
    """As bot.conversation.action_routes opens the answer form for a free-text prompt."""
    return prompting.answer_form(ctx, ctx.content.prompt("joy-more"), JOY)


def idea_card(ctx: BotContext, submitted_by: str | None, votes: int) -> OutboundMessage:
    """An idea's status, as its submitter sees it: no moves on it (worded as
    bot.pathway.moves.tell_submitter words it)."""
    return OutboundMessage(
        text="Idea #17 moved to under review.",
        idea=word_card(
            ctx.say,
            idea_id=17,
            text="Protected admin time on Fridays & a quiet room for charting",
            state="under review",
            votes=votes,
            submitted_by=submitted_by,
        ),
    )


def idea_card_on_the_pathway(ctx: BotContext, state: str = "declined") -> OutboundMessage:
    """An idea as the leaders see it in their channel: the note, and the moves left."""
    idea = Idea(id=17, text="Scribes in every clinic", state=state, anonymous=False)
    return OutboundMessage(
        text=ctx.say("pathway.card_moved", number=17, state=state, actor="Dr. Lee"),
        idea=word_card(
            ctx.say,
            idea_id=17,
            text=idea.text,
            state=idea.state,
            votes=2,
            submitted_by="Ana",
            note="Funding is <gone>",
        ),
        buttons=card_buttons(ctx.say, idea),
    )


def assert_matches_golden(golden_dir: Path, name: str, data: dict[str, Any]) -> None:
    path = golden_dir / f"{name}.json"
    rendered = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if UPDATE_GOLDEN:
        golden_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with THRIVE_UPDATE_GOLDEN=1")
    assert json.loads(rendered) == json.loads(path.read_text(encoding="utf-8")), (
        f"{name} renders differently from {path}; if intended, rerun with THRIVE_UPDATE_GOLDEN=1"
    )


def golden_files(golden_dir: Path) -> set[str]:
    """The names of the golden files there: each must have a case, or nothing checks it."""
    return {path.stem for path in golden_dir.glob("*.json")}
