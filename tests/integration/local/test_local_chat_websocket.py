"""The websocket pushes a person's new and updated messages to them, and only to them."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.pulses.runs import ask_now
from storage.models import Person
from tests.conftest import WAIT_SECONDS
from tests.integration.live_chat import API, LiveChat


async def receive(socket: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    """The next `count` pushed frames, each within the bounded wait."""
    frames = []
    for _ in range(count):
        frame = await socket.receive_json(timeout=WAIT_SECONDS)
        frames.append(frame)
    return frames


async def test_the_socket_receives_the_bot_reply_when_that_person_posts(
    live_chat: LiveChat,
) -> None:
    first = await live_chat.wait_for_question("amara", "joy-more")
    async with (
        live_chat.http.ws_connect(live_chat.url(f"{API}/amara/ws")) as amara_socket,
        live_chat.http.ws_connect(live_chat.url(f"{API}/jordan/ws")) as jordan_socket,
    ):
        result = await live_chat.say("amara", "Continuity with my patients")

        # Her own message, the question turning "Answered", the confirmation, the next question.
        frames = await receive(amara_socket, 4)
        pushed = [(frame["type"], frame["message"]["id"]) for frame in frames]
        expected_new = [("message", m["id"]) for m in result["messages"]]
        assert [p for p in pushed if p[0] == "message"] == expected_new
        assert ("update", first["id"]) in pushed
        by_id = {frame["message"]["id"]: frame["message"] for frame in frames}
        assert by_id[result["messages"][1]["id"]]["text"] == "Thanks, saved."
        assert "✓ Answered" in by_id[first["id"]]["text"]

        # Nothing of Amara's reaches Jordan's chat.
        try:
            leaked = await jordan_socket.receive(timeout=0.3)
        except TimeoutError:
            leaked = None
        assert leaked is None, leaked


async def test_the_socket_receives_a_proactive_prompt_from_the_outbox(
    live_chat: LiveChat,
) -> None:
    chat = live_chat
    status, _ = await chat.request(
        "POST", API, json={"id": "nadia", "name": "Nadia Ali, RN", "site": "Northgate Clinic"}
    )
    assert status == 201
    async with chat.http.ws_connect(chat.url(f"{API}/nadia/ws")) as socket:
        async with chat.runtime.database.transaction() as session:
            nadia = await session.scalar(select(Person).where(Person.platform_user_id == "nadia"))
        assert nadia is not None
        opened = await ask_now(
            chat.runtime.database, chat.runtime.ctx, chat.runtime.outbox, [nadia], ["engaged"]
        )
        assert opened.queued == 1

        [frame] = await receive(socket, 1)

    assert frame["type"] == "message"
    assert frame["message"]["question"]["text"] == "What helps you feel more engaged with work?"
    assert [m["id"] for m in await chat.conversation("nadia")] == [frame["message"]["id"]]


async def test_a_closed_socket_does_not_break_posting(live_chat: LiveChat) -> None:
    async with live_chat.http.ws_connect(live_chat.url(f"{API}/grace/ws")) as socket:
        await socket.close()
    await asyncio.sleep(0.05)

    result = await live_chat.say("grace", "Working with students")

    assert any(m["text"] == "Thanks, saved." for m in result["messages"])


async def test_shutdown_closes_open_sockets_instead_of_waiting_for_them(
    live_chat: LiveChat,
) -> None:
    # Without this, Ctrl+C on `thrive demo` with a chat tab open took about a minute.
    sockets = [
        await live_chat.http.ws_connect(live_chat.url(f"{API}/{person}/ws"))
        for person in ("amara", "jordan")
    ]
    # Listen as the page does, so the server's close frame is read when it comes.
    listening = [asyncio.create_task(socket.receive(timeout=WAIT_SECONDS)) for socket in sockets]

    await asyncio.wait_for(live_chat.runner.cleanup(), WAIT_SECONDS)

    for frame in await asyncio.gather(*listening):
        assert frame.type == aiohttp.WSMsgType.CLOSE, frame
        assert frame.data == aiohttp.WSCloseCode.GOING_AWAY
