"""Hostile activities to /api/messages, over HTTP, with a valid channel token, against one
server: malformed bodies get a 400 and one log line, with nothing stored; well-shaped
nonsense (submits and invokes no card of ours made, activity types we do not handle)
passes botbuilder's JWT check and is answered without a crash or a stored answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from adapters.json_guard import MAX_DEPTH, BadJson, Kind, check_shape
from adapters.teams.inbound import ACTIVITY
from storage.models import Idea, Person, ProcessedEvent, Response, SavedConversation, Workspace
from tests.conftest import sqlite_url_from
from tests.integration.server_log import ServerLog, server_log
from tests.integration.teams.fake_connector import FakeConnector
from tests.integration.teams.live_teams import (
    APP_ID,
    LiveTeams,
    card_submit,
    execute,
    installed,
    personal_message,
    start_live,
)
from thrive.server import MAX_BODY_BYTES

pytestmark = pytest.mark.asyncio(loop_scope="module")

FUZZ_EXAMPLES = 150
STRANGER = "29:fuzz-stranger"


@dataclass(repr=False)
class Server:
    live: LiveTeams
    log: ServerLog

    def __repr__(self) -> str:
        return "Server()"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_file: Path
) -> AsyncIterator[Server]:
    directory = tmp_path_factory.mktemp("hostile-teams")
    with server_log() as log, FakeConnector(app_id=APP_ID) as channel:
        live = await start_live(sqlite_url_from(migrated_sqlite_file, directory / "t.db"), channel)
        try:
            yield Server(live, log)
        finally:
            await live.stop()


async def stored(live: LiveTeams) -> tuple[int, ...]:
    counts = []
    async with live.runtime.database.transaction() as session:
        for model in (Person, Response, Idea, ProcessedEvent, SavedConversation, Workspace):
            counts.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(counts)


async def post_raw(live: LiveTeams, body: bytes) -> tuple[int, Any]:
    """Raw bytes with a valid channel token, through botbuilder's JWT check."""
    token = live.channel.mint(service_url=live.channel.url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/api/messages", data=body, headers=headers) as r:
        text = await r.read()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text


def template(url: str, kind: str) -> dict[str, Any]:
    if kind == "invoke":
        return execute(url, "answer.option", {"thrive": 1, "value": "x"}, reply_to_id="m-1")
    return personal_message(url, "hello", user=STRANGER)


def _fits(value: object, kinds: tuple[Kind, ...]) -> bool:
    try:
        check_shape({"f": value}, {"f": kinds})
    except BadJson:
        return False
    return True


WRONG_VALUES: list[object] = [42, 4.5, True, None, [], ["x", 1], {}, {"id": 7}, "text", 10**40]


def _fields(data: dict[str, Any], shape: Any, path: tuple[Any, ...] = ()) -> list[Any]:
    found = []
    for name, kinds in shape.items():
        if name not in data:
            continue
        found.append(((*path, name), kinds))
        for kind in kinds:
            if isinstance(kind, dict) and isinstance(data[name], dict):
                found += _fields(data[name], kind, (*path, name))
    return found


def _replaced(data: dict[str, Any], path: tuple[Any, ...], value: object) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


URL = "http://127.0.0.1:9/"  # replaced by the fake channel's own before posting


@st.composite
def wrong_field(draw: st.DrawFn) -> bytes:
    activity = template(URL, draw(st.sampled_from(["message", "invoke"])))
    path, kinds = draw(st.sampled_from(_fields(activity, ACTIVITY)))
    wrong = draw(st.sampled_from([v for v in WRONG_VALUES if not _fits(v, kinds)]))
    return json.dumps(_replaced(activity, path, wrong)).encode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@st.composite
def malformed(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["wrong", "array", "deep", "splice", "number", "bytes"]))
    text = json.dumps(template(URL, "message"))
    if kind == "wrong":
        return draw(wrong_field())
    if kind == "array":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict)))).encode()
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH + 1, 3000))
        return (text[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}").encode()
    if kind == "splice":
        splices = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\\u0000", b"\\ud800"]
        splice = draw(st.sampled_from(splices))
        return text.encode().replace(b"hello", b"hel" + splice)
    if kind == "number":
        number = draw(st.sampled_from(["1e400", "-1e999", "9" * 5000, "NaN", "Infinity"]))
        return text.replace('"hello"', number).encode()
    return b"{" + draw(st.binary(max_size=600))


def _with_url(body: bytes, url: str) -> bytes:
    return body.replace(URL.encode(), url.encode())


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=malformed())
async def test_fuzzed_malformed_activities_get_400_and_store_nothing(
    server: Server, body: bytes
) -> None:
    live, log = server.live, server.log
    before, mark = await stored(live), log.mark()

    status, answer = await post_raw(live, _with_url(body, live.channel.url))

    assert status == 400, (status, answer, body[:200])
    assert answer == {"error": "unusable_activity"}
    assert await stored(live) == before
    assert any('"teams.unusable_activity"' in line for line in log.since(mark))
    assert log.failures() == []


@st.composite
def odd_activity(draw: st.DrawFn) -> dict[str, Any]:
    """Well-shaped activities that are nonsense to us: they pass the JWT check."""
    kind = draw(st.sampled_from(["submit", "execute", "invoke", "type", "mention"]))
    if kind == "submit":
        return card_submit(URL, draw(json_values), reply_to_id="m-1", user=STRANGER)
    if kind == "execute":
        verb, data = draw(st.text(max_size=30)), draw(json_values)
        return execute(URL, verb, data, reply_to_id=draw(st.text(max_size=10)), user=STRANGER)
    activity = template(URL, "invoke")
    if kind == "invoke":
        activity["name"] = draw(st.text(max_size=30))
        activity["value"] = draw(json_values)
    elif kind == "type":
        activity["type"] = draw(
            st.sampled_from(["messageReaction", "typing", "installationUpdate", "event"])
            | st.text(min_size=1, max_size=20)
        )
    else:  # an entity list of odd mentions in a channel-less chat
        activity = template(URL, "message")
        activity["entities"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"type": st.just("mention"), "text": st.text(max_size=10)},
                    optional={"mentioned": st.fixed_dictionaries({"id": st.text(max_size=8)})},
                ),
                max_size=3,
            )
        )
        activity["text"] = draw(st.sampled_from(["", "   "]))
    return activity


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(activity=odd_activity())
async def test_well_shaped_nonsense_is_answered_without_a_crash_or_a_stored_answer(
    server: Server, activity: dict[str, Any]
) -> None:
    live, log = server.live, server.log
    before = await stored(live)
    body = _with_url(json.dumps(activity).encode(), live.channel.url)

    status, _answer = await post_raw(live, body)

    assert status in (200, 201, 400), status
    await live.runtime.outbox.dispatch_due()
    after = await stored(live)
    assert after[1:3] == before[1:3]  # no answer, no idea
    assert log.failures() == []


async def test_a_body_over_1_mb_is_refused_with_413_and_deep_json_with_400(
    server: Server,
) -> None:
    live, log = server.live, server.log
    before = await stored(live)
    activity = personal_message(live.channel.url, "x" * (MAX_BODY_BYTES + 1), user=STRANGER)

    status, answer = await post_raw(live, json.dumps(activity).encode())
    assert status == 413 and answer["error"] == "body_too_large"

    activity = personal_message(live.channel.url, "hello", user=STRANGER)
    activity["value"] = json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    status, answer = await post_raw(live, json.dumps(activity).encode())
    assert (status, answer) == (400, {"error": "unusable_activity"})
    assert await stored(live) == before
    await asyncio.sleep(0)
    assert log.failures() == []


async def test_a_teams_message_leaves_no_words_or_user_id_in_the_log(server: Server) -> None:
    live, log = server.live, server.log
    user, words = "29:hygiene-person-7", "Pistachio rounding huddles on the fourth floor"

    assert await live.post(installed(live.channel.url, user=user), _token(live)) == 201
    status, _ = await live.signed(personal_message(live.channel.url, words, user=user))
    assert status == 201

    assert live.posts_to(f"a:personal-{user}") != []  # welcomed and answered
    # botbuilder's own refusal quotes the field it could not read: not into the log.
    dated = personal_message(live.channel.url, "hi", user=user)
    dated["timestamp"] = words
    assert await live.signed(dated) == (400, {"error": "unusable_activity"})
    assert words not in log.text() and "Pistachio" not in log.text()
    assert user not in log.text() and "hygiene-person" not in log.text()
    assert log.failures() == []


def _token(live: LiveTeams) -> str:
    return live.channel.mint(service_url=live.channel.url)
