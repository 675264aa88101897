"""Hostile requests to the local chat API, over HTTP, against one server: random bodies,
wrong types, huge numbers, deep nesting, odd person ids and `after=` values all get a 4xx
JSON error and one log line; no 5xx, no traceback, nothing stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.json_guard import MAX_DEPTH
from bot.clock import SystemClock
from storage.models import Idea, LocalChatMessage, Person, ProcessedEvent, Response
from tests.conftest import WAIT_SECONDS, sqlite_url_from
from tests.integration.live_chat import API, LiveChat
from tests.integration.server_log import ServerLog, server_log
from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import MAX_BODY_BYTES, create_app, start_site
from thrive.settings import load_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")

FUZZ_EXAMPLES = 150
MAX_ID = 2**63 - 1


@dataclass(repr=False)
class Server:
    chat: LiveChat
    log: ServerLog

    def __repr__(self) -> str:
        return "Server()"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_file: Path
) -> AsyncIterator[Server]:
    directory = tmp_path_factory.mktemp("hostile-local")
    with server_log() as log:
        url = sqlite_url_from(migrated_sqlite_file, directory / "t.db")
        runtime = await build_runtime(
            load_settings(database_url=url, secret_key="x"), clock=SystemClock(), demo=True
        )
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS * 2))
        chat = LiveChat(f"http://127.0.0.1:{port}", runtime, http, runner)
        try:
            await seed_demo(runtime)
            await chat.wait_for_question("amara", "joy-more")
            yield Server(chat, log)
        finally:
            await chat.stop()


async def stored(chat: LiveChat) -> tuple[int, ...]:
    return tuple(
        [
            await chat.count(model)
            for model in (LocalChatMessage, Response, Idea, ProcessedEvent, Person)
        ]
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
WRONG: st.SearchStrategy[object] = st.sampled_from(
    [42, 4.5, True, None, [], {}, {"a": 1}, 10**30, -(10**30)]
)


@st.composite
def malformed_body(draw: st.DrawFn) -> bytes:
    """A body for /messages, /actions or POST /people that none of them may accept."""
    kind = draw(st.sampled_from(["bytes", "array", "wrong", "deep", "splice", "number", "id"]))
    if kind == "bytes":
        return b"{" + draw(st.binary(max_size=600))
    if kind == "array":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode()
    if kind == "wrong":
        field = draw(
            st.sampled_from(["text", "action_id", "value", "fields", "client_message_id", "id"])
        )
        return json.dumps({field: draw(WRONG), "name": 7}).encode()
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH + 1, 3000))
        return ('{"text": "hi", "x": ' + "[" * depth + "]" * depth + "}").encode()
    if kind == "splice":
        splice = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\\u0000"]))
        return b'{"text": "hel' + splice + b'lo", "action_id": "x", "id": "x", "name": "x"}'
    if kind == "number":
        number = draw(st.sampled_from(["1e400", "9" * 5000, "NaN", "-Infinity"]))
        return ('{"action_id": "prompt.skip", "message_id": ' + number + "}").encode()
    huge = draw(st.integers(MAX_ID + 1, 10**40) | st.integers(max_value=0))
    return json.dumps({"action_id": "prompt.skip", "message_id": huge}).encode()


ENDPOINTS = st.sampled_from([f"{API}/amara/messages", f"{API}/amara/actions", API])


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=ENDPOINTS, body=malformed_body())
async def test_fuzzed_malformed_bodies_get_a_400_and_store_nothing(
    server: Server, path: str, body: bytes
) -> None:
    chat, log = server.chat, server.log
    before, mark = await stored(chat), log.mark()

    status, error = await chat.request(
        "POST", path, data=body, headers={"Content-Type": "application/json"}
    )

    assert status == 400, (status, error, path, body[:200])
    assert error["error"] in ("malformed_json", "too_deep", "bad_text", "invalid_body")
    assert await stored(chat) == before
    assert any('"local.bad_request"' in line for line in log.since(mark))
    assert log.failures() == []


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    person=st.sampled_from(["amara"]) | st.text(max_size=300),
    after=st.none()
    | st.text(max_size=30)
    | st.integers(min_value=-1, max_value=10**40).map(str)
    | st.sampled_from(["²", "٣", "9" * 400, str(MAX_ID), str(MAX_ID + 1)]),
)
async def test_fuzzed_person_ids_and_after_values_never_fail(
    server: Server, person: str, after: str | None
) -> None:
    chat, log = server.chat, server.log
    before = await stored(chat)
    query = "" if after is None else f"?after={quote(after, safe='')}"

    status, answer = await chat.request(
        "GET", f"{API}/{quote(person, safe='')}/conversation{query}"
    )

    plain = after is None or (after.isascii() and after.isdigit() and int(after) <= MAX_ID)
    assert status in (200, 400, 404), (status, answer)
    if person == "amara":
        assert status == (200 if plain else 400), (status, answer)
    if status == 200:
        assert person == "amara" and plain and isinstance(answer["messages"], list)
    elif status == 400:
        assert answer["error"] == "bad_query"
    assert await stored(chat) == before
    assert log.failures() == []


async def test_an_after_too_large_for_an_integer_is_a_400(server: Server) -> None:
    chat = server.chat
    for after in ("9" * 40, str(MAX_ID + 1), "²"):
        status, answer = await chat.request("GET", f"{API}/amara/conversation?after={after}")
        assert (status, answer["error"]) == (400, "bad_query")
    status, answer = await chat.request("GET", f"{API}/amara/conversation?after={MAX_ID}")
    assert (status, answer["messages"]) == (200, [])
    assert server.log.failures() == []


async def test_json_nested_deeper_than_32_levels_is_refused(server: Server) -> None:
    chat, log = server.chat, server.log
    before = await stored(chat)

    for depth in (MAX_DEPTH + 1, 100_000):
        body = '{"text": "hi", "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
        status, error = await chat.request(
            "POST", f"{API}/amara/messages", data=body, headers={"Content-Type": "application/json"}
        )
        assert (status, error["error"]) == (400, "too_deep")
    assert await stored(chat) == before
    assert log.failures() == []


async def test_a_body_over_1_mb_is_refused_with_413_before_it_is_read(server: Server) -> None:
    chat, log = server.chat, server.log
    before = await stored(chat)
    host, port = chat.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        # Only the headers: a server that waited for the body would never answer.
        writer.write(
            (
                f"POST {API}/amara/messages HTTP/1.1\r\nHost: x\r\n"
                f"Content-Type: application/json\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), 5)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"body_too_large"' in answer
    assert await stored(chat) == before
    assert log.failures() == []
