"""`report` in the local web chat: the leader's reply carries the summary and the chart
as a PNG data URI the page draws as an <img>; kept in the chat's own store, it is there
again when the conversation is reopened."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from adapters.local.adapter import LOCAL_PLATFORM, LOCAL_WORKSPACE
from tests.integration.live_chat import LiveChat
from tests.integration.report_answers import seed_recent_answers

PNG = b"\x89PNG\r\n\x1a\n"
PREFIX = "data:image/png;base64,"


async def test_a_leader_gets_the_report_with_its_chart(live_chat: LiveChat) -> None:
    database = live_chat.runtime.database
    await seed_recent_answers(database, LOCAL_PLATFORM, LOCAL_WORKSPACE, datetime.now(UTC))
    say = live_chat.runtime.ctx.say

    result = await live_chat.say("helen", "report")

    [reply] = live_chat.from_bot(result)
    assert reply["text"].startswith(say("report.chat.header", days=30, minimum=5))
    image = reply["image"]
    assert image["alt"] == say("report.chat.chart_alt", days=30)
    assert image["src"].startswith(PREFIX)
    assert base64.b64decode(image["src"].removeprefix(PREFIX)).startswith(PNG)
    reopened = [m for m in await live_chat.conversation("helen") if m["id"] == reply["id"]]
    assert reopened[0]["image"] == image


async def test_a_clinician_gets_no_report(live_chat: LiveChat) -> None:
    result = await live_chat.say("amara", "report")

    [reply] = live_chat.from_bot(result)
    assert reply["text"] == live_chat.runtime.ctx.say("refused.see_reports")
    assert reply.get("image") is None
