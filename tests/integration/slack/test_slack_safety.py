"""Trust and safety over real signed Slack HTTP: words of distress in a DM answer are met
at once with the private resources message and kept out of the matrix's quotes; an edit
(message_changed) is redacted before it is stored, and the clinician is told the kinds."""

from __future__ import annotations

import json
from typing import Any

from bot.analysis.matrix import build
from bot.privacy import Thresholds
from storage.analysis import AnswerScope
from tests.integration.slack.live_slack import LiveSlack
from tests.integration.slack.test_slack_flow import DM, USER, _prompted

DISTRESS = "I love my team but honestly I don't want to be alive anymore"


def _posted_with(live: LiveSlack, words: str) -> list[dict[str, Any]]:
    return [
        call.body
        for method in ("chat.postMessage", "chat.postEphemeral")
        for call in live.slack.calls_to(method)
        if words in json.dumps(call.body)
    ]


async def test_distress_in_a_dm_gets_resources_and_an_edit_is_redacted(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more", "valued"])

    await live.dm(USER, DISTRESS, ts="1700000003.000001", event_id="Ev-d1")

    async def cared_for() -> list[dict[str, Any]]:
        return _posted_with(live, "not watched in real time")

    [message] = await live.until(cared_for, "the safety net's message")
    assert message["channel"] == DM and "988" in json.dumps(message)
    [answer] = await live.responses()
    assert answer.distress and answer.text == DISTRESS
    async with live.runtime.database.transaction() as session:
        matrix = await build(
            session,
            live.runtime.ctx.content,
            Thresholds(figures=1, comments=1),
            AnswerScope(answer.organisation_id),
            quotes=True,
        )
    [joy] = [row for row in matrix.rows if row.question_id == "joy-more"]
    [teamwork] = [cell for cell in joy.cells if cell.theme_id == "teamwork"]
    assert teamwork.respondents == 1  # counted as an answer about teamwork...
    assert teamwork.quotes == ()  # ...but never quoted

    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": DM,
        "channel_type": "im",
        "hidden": True,
        "ts": "1700000004.000001",
        "message": {
            "type": "message",
            "user": USER,
            "text": "Teaching, and patient Tom Brennan's thank-you card",
            "ts": "1700000003.000001",
            "edited": {"user": USER, "ts": "1700000004.000001"},
        },
        "previous_message": {"type": "message", "user": USER, "text": DISTRESS},
    }
    await live.event(edited, "Ev-d2")

    async def redacted() -> bool:
        [response] = await live.responses()
        return response.text == "Teaching, and patient [removed] thank-you card"

    await live.until(redacted, "the edit, redacted")
    [response] = await live.responses()
    assert not response.distress  # the edited words decide

    async def told() -> list[dict[str, Any]]:
        return _posted_with(live, "patient name")

    assert await live.until(told, "the kinds removed")
    assert not _posted_with(live, "Brennan")
