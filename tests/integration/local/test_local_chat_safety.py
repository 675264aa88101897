"""The distress safety net over the local chat's real HTTP API: an answer of distress
gets the private resources message in the same reply; the answer is flagged and, though
its theme is counted, never quoted in the matrix, while an ordinary answer is."""

from __future__ import annotations

from bot.analysis.matrix import build
from bot.privacy import Thresholds
from storage.analysis import AnswerScope
from storage.models import Response
from tests.integration.live_chat import LiveChat

DISTRESS = "I love my team but honestly I don't want to be alive anymore"
ORDINARY = "I love my team, we cover for each other"


async def test_an_answer_of_distress_gets_resources_at_once_and_is_never_quoted(
    live_chat: LiveChat,
) -> None:
    result = await live_chat.say("amara", DISTRESS)

    cared = [m for m in live_chat.from_bot(result) if "not watched in real time" in m["text"]]
    assert len(cared) == 1
    assert "988" in cared[0]["text"] and "employee assistance" in cared[0]["text"]
    # Only Amara's conversation has it: a leader's has nothing of it.
    helen = await live_chat.conversation("helen")
    assert not any("not watched" in m["text"] or "alive" in m["text"] for m in helen)
    await live_chat.say("jordan", ORDINARY)

    amara = await live_chat.person_pk("amara")
    [flagged] = await live_chat.rows(Response, Response.person_id == amara)
    assert flagged.distress
    async with live_chat.runtime.database.transaction() as session:
        matrix = await build(
            session,
            live_chat.runtime.ctx.content,
            Thresholds(figures=1, comments=1),
            AnswerScope(flagged.organisation_id),
            quotes=True,
        )
    [joy] = [row for row in matrix.rows if row.question_id == "joy-more"]
    [teamwork] = [cell for cell in joy.cells if cell.theme_id == "teamwork"]
    assert teamwork.respondents == 2
    assert teamwork.quotes == (ORDINARY,)
