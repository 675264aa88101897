"""The log keeps no one's words and no one's platform id: a whole scenario over HTTP
(clinicians answer a pulse with distinctive words and send ideas, a leader moves one,
someone reads their answers back, someone sends a malformed body), with the server's log
captured at DEBUG, the most an operator can turn on, and searched afterwards."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import SystemClock
from storage.models import Idea, Response
from tests.conftest import WAIT_SECONDS, sqlite_url_from
from tests.integration.live_chat import API, LiveChat, Message
from tests.integration.server_log import ServerLog, server_log
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

# Words nobody else would write, so any trace of them in the log is a leak.
AMARAS_JOY = "Zephyr quilt mentoring on Thursday mornings"
AMARAS_IDEA = "Saffron huddle board beside every pod"
WEIS_JOY = "Marzipan telehealth afternoons with my residents"
WEIS_IDEA = "Tangerine standing desks in the annex"
WORDS = (AMARAS_JOY, AMARAS_IDEA, WEIS_JOY, WEIS_IDEA)
PEOPLE = ("amara", "wei", "helen", "david")
NAMES = ("Amara Okafor", "Li Wei", "Helen Brooks", "David Cohen")


@pytest.fixture
async def chat_and_log(
    tmp_path: Path, migrated_sqlite_file: Path
) -> AsyncIterator[tuple[LiveChat, ServerLog]]:
    with server_log("debug") as log:
        url = sqlite_url_from(migrated_sqlite_file, tmp_path / "t.db")
        runtime = await build_runtime(
            load_settings(database_url=url, secret_key="x", log_level="debug"),
            clock=SystemClock(),
            demo=True,
        )
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS * 2))
        chat = LiveChat(f"http://127.0.0.1:{port}", runtime, http, runner)
        try:
            await seed_demo(runtime)
            yield chat, log
        finally:
            await chat.stop()


async def _card_for(chat: LiveChat, leader: str, text: str) -> Message:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        for message in await chat.conversation(leader):
            if (message.get("idea") or {}).get("text") == text:
                return message
        assert asyncio.get_running_loop().time() < deadline, f"no card for {leader}"
        await asyncio.sleep(0.05)


async def test_a_whole_scenario_leaves_no_words_and_no_user_ids_in_the_log(
    chat_and_log: tuple[LiveChat, ServerLog],
) -> None:
    chat, log = chat_and_log

    # Amara answers her pulse: words, a scale, then the idea prompt.
    await chat.wait_for_question("amara", "joy-more")
    scale = chat.asking(await chat.say("amara", AMARAS_JOY), "autonomy-vital")
    result = await chat.press("amara", chat.question_option(scale, "4"), scale)
    chat.asking(result, "break-the-rules")
    await chat.say("amara", "I set my own clinic hours")  # the point's comment, typed
    await chat.say("amara", AMARAS_IDEA)
    await chat.say("amara", "my answers")
    # Wei answers too, and sends an idea of his own; Helen, a leader, accepts it.
    await chat.wait_for_question("wei", "joy-more")
    await chat.say("wei", WEIS_JOY)
    await chat.say("wei", f"idea: {WEIS_IDEA}")
    card = await _card_for(chat, "helen", WEIS_IDEA)
    await chat.press("helen", chat.button(card, "Accept"), card)
    # Amara presses a button no card of hers has: refused, and logged as refused.
    await chat.press("amara", {"action_id": "no.such.action", "value": WEIS_IDEA}, scale)
    # Someone posts a body that is not JSON, in Amara's name.
    status, _ = await chat.request(
        "POST", f"{API}/amara/messages", data=b"{" + AMARAS_JOY.encode(), headers={}
    )
    assert status == 400

    # What was said is stored, and the idea moved...
    assert {r.text for r in await chat.rows(Response) if r.text} >= {AMARAS_JOY, WEIS_JOY}
    ideas = {i.text: i.state for i in await chat.rows(Idea)}
    assert ideas == {AMARAS_IDEA: "submitted", WEIS_IDEA: "accepted"}
    # ... and the operator's log says what happened without any of it.
    text = log.text()
    assert len(log.lines) > 10 and '"occurrence.opened"' in text and '"local.bad_request"' in text
    assert '"inbound.refused"' in text
    for words in WORDS:
        assert words not in text
        assert words.split()[0] not in text  # not even the unusual first word
    for person in PEOPLE:
        assert not re.search(rf"\b{person}\b", text), person
    for name in NAMES:
        assert name not in text
    assert log.failures() == []
