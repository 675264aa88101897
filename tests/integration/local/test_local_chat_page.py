"""The chat page says only the copy's words (an organisation's own, with
THRIVE_CONTENT_DIR), and a conversation kept by an older version reads as today's."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.clock import SystemClock
from storage.local_chat import LocalChatRepository
from tests.conftest import WAIT_SECONDS
from tests.integration.live_chat import LiveChat
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

REWORDED = {
    "chat.page_title": "Wellbeing chat",
    "chat.empty": "Nobody picked yet: run `thrive demo` first.",
    "chat.unreachable": "The server is away; retry soon.",
    "idea.card.anonymous": "Name withheld",
}


@pytest.fixture
async def reworded_chat(tmp_path: Path) -> AsyncIterator[LiveChat]:
    content = tmp_path / "content"
    content.mkdir()
    lines = ["kind: copy", "messages:"]
    lines += [f"  {key}: {json.dumps(text)}" for key, text in REWORDED.items()]
    (content / "copy.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/t.db", secret_key="x", content_dir=content
    )
    runtime = await build_runtime(settings, clock=SystemClock(), demo=True)
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS * 2))
    chat = LiveChat(f"http://127.0.0.1:{port}", runtime, http, runner)
    yield chat
    await chat.stop()


async def _page(chat: LiveChat) -> str:
    async with chat.http.get(chat.url("/chat")) as response:
        assert response.status == 200 and response.content_type == "text/html"
        return await response.text()


async def test_the_page_says_the_organisations_words(reworded_chat: LiveChat) -> None:
    page = await _page(reworded_chat)
    assert "<title>Wellbeing chat</title>" in page
    assert "Nobody picked yet: run <code>thrive demo</code> first." in page
    [words] = re.findall(r'data-words="([^"]*)"', page)
    assert "The server is away; retry soon." in words
    assert "{{" not in page
    # The template is not served as it is from the static files.
    async with reworded_chat.http.get(reworded_chat.url("/chat/static/chat.html")) as response:
        assert response.status == 404


async def test_a_card_kept_by_an_older_version_is_shown_worded(reworded_chat: LiveChat) -> None:
    chat = reworded_chat
    status, _ = await chat.request("POST", "/chat/api/people", json={"id": "lee", "name": "Lee"})
    assert status == 201
    old_card: dict[str, Any] = {
        "text": "New idea #3 from a clinician:",
        "question": None,
        "buttons": [],
        "form": None,
        "notices": [],
        "idea": {
            "id": 3,
            "text": "Quiet room",
            "state": "submitted",
            "votes": 2,
            "submitted_by": None,
            "owner": None,
            "note": None,
        },
    }
    async with chat.runtime.database.transaction() as session:
        await LocalChatRepository(session).append(
            await chat.person_pk("lee"), "bot", old_card, datetime.now(UTC)
        )

    [shown] = await chat.conversation("lee")

    assert shown["idea"]["title"] == "Idea #3"
    assert shown["idea"]["facts"] == ["Name withheld", "2 votes"]
