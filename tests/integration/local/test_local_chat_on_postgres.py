"""The whole loop on a real PostgreSQL server: the production database, not only SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.clock import SystemClock
from storage.models import Coding, Idea, IdeaCoding, Response
from tests.conftest import WAIT_SECONDS, postgres_url, reset_postgres
from tests.integration.live_chat import LiveChat
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_chat() -> AsyncIterator[LiveChat]:
    await reset_postgres(postgres_url())
    settings = load_settings(database_url=postgres_url(), secret_key="x")
    runtime = await build_runtime(settings, clock=SystemClock())
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS * 2))
    chat = LiveChat(f"http://127.0.0.1:{port}", runtime, http, runner)
    try:
        assert await seed_demo(runtime) == 9
        yield chat
    finally:
        await chat.stop()


async def test_a_clinician_answers_and_sends_an_idea_on_postgresql(pg_chat: LiveChat) -> None:
    chat = pg_chat
    await chat.wait_for_question("wei", "joy-more")

    result = await chat.say("wei", "Teaching students between patients")
    assert chat.from_bot(result)[0]["text"] == "Thanks, saved."
    scale = chat.asking(result, "autonomy-vital")
    result = await chat.press("wei", chat.question_option(scale, "5"), scale)
    chat.asking(result, "break-the-rules")
    # Words typed right after the press are the point's comment; the idea question waits.
    result = await chat.say("wei", "I set my own clinic hours")
    assert [m["text"] for m in chat.from_bot(result)] == [
        "Added your comment to 5 \u2013 Strongly agree."
    ]
    result = await chat.say("wei", "Protected admin time every Friday afternoon")
    assert any("Your idea #" in m["text"] for m in chat.from_bot(result))

    wei = await chat.person_pk("wei")
    answers = await chat.rows(Response, Response.person_id == wei)
    assert sorted((r.prompt_id, r.scale_value) for r in answers) == [
        ("autonomy-vital", 5),
        ("break-the-rules", None),
        ("joy-more", None),
    ]
    [idea] = await chat.rows(Idea, Idea.submitter_id == wei)
    assert (idea.state, idea.text) == ("submitted", "Protected admin time every Friday afternoon")
    # Both were coded as they were stored: teaching, and protected time in the idea.
    [joy] = [r for r in answers if r.prompt_id == "joy-more"]
    assert await chat.rows(Coding, Coding.response_id == joy.id)
    assert await chat.rows(IdeaCoding, IdeaCoding.idea_id == idea.id)

    # A second seeding (a restart of `thrive demo`) sends nobody a second prompt.
    assert await seed_demo(chat.runtime) == 0


async def test_text_postgresql_cannot_store_is_refused_before_it_gets_there(
    pg_chat: LiveChat,
) -> None:
    """PostgreSQL refuses a NUL in text and Python cannot encode a lone surrogate: both
    are a 400 (or, in a person's id, a 404) before any query, never a 500."""
    chat = pg_chat
    await chat.wait_for_question("wei", "joy-more")
    before = await chat.count(Response)
    json_headers = {"Content-Type": "application/json"}

    for body in (b'{"text": "a\\u0000b"}', b'{"text": "\\ud800"}'):
        status, error = await chat.request(
            "POST", "/chat/api/people/wei/messages", data=body, headers=json_headers
        )
        assert (status, error["error"]) == (400, "bad_text")
    for person in ("wei%00", "%ED%A0%80", "x" * 500):
        status, error = await chat.request("GET", f"/chat/api/people/{person}/conversation")
        assert (status, error["error"]) == (404, "unknown_person"), person
    status, error = await chat.request(
        "POST",
        "/chat/api/people/wei/actions",
        json={"action_id": "prompt.skip", "message_id": 2**63},
    )
    assert (status, error["error"]) == (400, "invalid_body")
    status, error = await chat.request("GET", "/chat/api/people/wei/conversation?after=" + "9" * 30)
    assert (status, error["error"]) == (400, "bad_query")
    assert await chat.count(Response) == before
