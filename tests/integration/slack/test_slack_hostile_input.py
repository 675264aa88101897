"""Hostile but correctly signed requests to /slack/events, over HTTP, against one server.

Every malformed body (bytes that are not UTF-8, another charset, JSON that is not an
object, fields of the wrong type, huge numbers, deep nesting, text no database stores)
gets a 400 and one log line: no 5xx, no traceback, nothing stored. Bodies over 1 MB are
refused with 413 before they are read; an event Slack delivers 50 times is handled once;
the log never holds a person's words or their Slack id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from adapters.json_guard import MAX_DEPTH, BadJson, Kind, check_shape
from adapters.slack.adapter import SlackAdapter
from adapters.slack.payloads import EVENT_ENVELOPE, INTERACTION, SLASH_COMMAND
from bot.clock import SystemClock
from storage.models import Idea, Person, ProcessedEvent, Response
from tests.conftest import sqlite_url_from
from tests.integration.server_log import ServerLog, server_log
from tests.integration.slack.fake_slack import FakeSlack
from tests.integration.slack.live_slack import SIGNING_SECRET, LiveSlack
from tests.integration.slack.signing import (
    TEAM_ID,
    command_body,
    event_body,
    message_event,
    signed_headers,
)
from tests.integration.slack.test_slack_flow import DM, USER, _prompted
from thrive.runtime import build_runtime
from thrive.server import MAX_BODY_BYTES, create_app, start_site
from thrive.settings import load_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")

FUZZ_EXAMPLES = 150
STRANGER = "U7FUZZ"  # whoever the fuzzed payloads claim to be: never stored
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ANSWER = "Quokka lantern rounds with the residents"  # words to look for in the log


@dataclass(repr=False)
class Server:
    """The module's server and its log (short in hypothesis' reports)."""

    live: LiveSlack
    log: ServerLog

    def __repr__(self) -> str:
        return "Server()"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_file: Path
) -> AsyncIterator[Server]:
    """One server for the module, its log captured at INFO from the start."""
    directory = tmp_path_factory.mktemp("hostile-slack")
    with server_log() as log:
        async with FakeSlack() as slack:
            settings_ = load_settings(
                database_url=sqlite_url_from(migrated_sqlite_file, directory / "t.db"),
                secret_key="x",
                slack_signing_secret=SIGNING_SECRET,
                slack_bot_token=slack.token,
                slack_api_url=slack.base_url,
                slack_leaders_channel="C0LEADERS",
            )
            runtime = await build_runtime(settings_, clock=SystemClock())
            runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
            http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            live = LiveSlack(f"http://127.0.0.1:{port}", runtime, slack, http, runner)
            try:
                yield Server(live, log)
            finally:
                await live.stop()


async def stored(live: LiveSlack) -> tuple[int, ...]:
    """Row counts of everything a request could have written."""
    counts = []
    async with live.runtime.database.transaction() as session:
        for model in (Person, Response, Idea, ProcessedEvent):
            counts.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(counts)


async def post_signed(
    live: LiveSlack, body: bytes, content_type: str, **headers: str
) -> tuple[int, Any]:
    """POST raw bytes with Slack's signature over exactly those bytes (which need not be
    UTF-8: signing.signature signs text)."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signed = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0="
        + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest(),
    }
    async with live.http.post(
        f"{live.url}/slack/events", data=body, headers={**signed, **headers}
    ) as answer:
        text = await answer.read()
        try:
            return answer.status, json.loads(text)
        except ValueError:
            return answer.status, text


async def settled(live: LiveSlack) -> None:
    """Until the work queued behind Slack's acks is done (bounded)."""
    [slack] = [a for a in live.runtime.adapters if isinstance(a, SlackAdapter)]
    work = slack.work
    for _ in range(250):
        if work.pending == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("queued Slack work did not finish")


# --- what a hostile sender might sign ---


def event_template() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        event_body(message_event("hello", user_id=STRANGER), event_id="Ev-fuzz")
    )
    return body


def interaction_template() -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": STRANGER, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": "trigger-1",
        "container": {"type": "message", "channel_id": f"D{STRANGER}", "message_ts": "1.1"},
        "channel": {"id": f"D{STRANGER}"},
        "actions": [{"action_id": "prompt.skip", "value": "1", "action_ts": "1.2"}],
        "view": {"id": "V1", "type": "modal", "private_metadata": "{}", "state": {"values": {}}},
        "message": {"text": "hi", "ts": "1.1"},
    }


def _fits(value: object, kinds: tuple[Kind, ...]) -> bool:
    try:
        check_shape({"f": value}, {"f": kinds})
    except BadJson:
        return False
    return True


WRONG_VALUES: list[object] = [
    42,
    -1,
    4.5,
    True,
    None,
    [],
    ["x", 1],
    {},
    {"id": 7},
    "text",
    10**40,
]


def _fields(template: dict[str, Any], shape: Any, path: tuple[Any, ...] = ()) -> list[Any]:
    """(path, allowed kinds) of every checked field the template has, nested ones too."""
    found = []
    for name, kinds in shape.items():
        if name not in template:
            continue
        found.append(((*path, name), kinds))
        value = template[name]
        for kind in kinds:
            if isinstance(kind, dict) and isinstance(value, dict):
                found += _fields(value, kind, (*path, name))
            if isinstance(kind, list) and isinstance(value, list) and value:
                found += _fields(value[0], kind[0], (*path, name, 0))
    return found


def _replaced(template: dict[str, Any], path: tuple[Any, ...], value: object) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(template))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@st.composite
def wrong_field(draw: st.DrawFn) -> tuple[bytes, str]:
    """A real-looking event, interaction or (JSON) slash command with one field of the
    wrong type."""
    kind = draw(st.sampled_from(["event", "interaction", "command"]))
    command = dict(parse_qsl(command_body("help", user_id=STRANGER, channel_id="D1")))
    template, shape = {
        "event": (event_template(), EVENT_ENVELOPE),
        "interaction": (interaction_template(), INTERACTION),
        "command": (command, SLASH_COMMAND),
    }[kind]
    path, kinds = draw(st.sampled_from(_fields(template, shape)))
    wrong = draw(st.sampled_from([v for v in WRONG_VALUES if not _fits(v, kinds)]))
    body = _replaced(template, path, wrong)
    if kind == "interaction":
        return urlencode({"payload": json.dumps(body)}).encode(), FORM
    return json.dumps(body).encode(), JSON


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@st.composite
def not_an_object(draw: st.DrawFn) -> tuple[bytes, str]:
    value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    if draw(st.booleans()):
        return json.dumps(value).encode(), JSON
    return urlencode({"payload": json.dumps(value)}).encode(), FORM


@st.composite
def too_deep(draw: st.DrawFn) -> tuple[bytes, str]:
    depth = draw(st.integers(MAX_DEPTH + 1, 5000))
    body = event_template()
    text = json.dumps(body)[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    return text.encode(), JSON


@st.composite
def other_charset(draw: st.DrawFn) -> tuple[bytes, str]:
    charset = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-32", "no-such-charset"]))
    encoding = "latin-1" if charset == "no-such-charset" else charset
    text = json.dumps(event_template(), ensure_ascii=False).replace("hello", "Café crème")
    return text.encode(encoding), f"{JSON}; charset={charset}"


@st.composite
def bad_bytes(draw: st.DrawFn) -> tuple[bytes, str]:
    """Valid bodies with one byte sequence that is not UTF-8 (or a NUL or lone surrogate
    as JSON escapes, or an out-of-range number) spliced in."""
    as_event = draw(st.booleans())
    splice = draw(
        st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\\u0000", b"\\ud800", b"\x80abc"])
    )
    if as_event:
        return json.dumps(event_template()).encode().replace(b"hello", b"hel" + splice), JSON
    if splice.startswith(b"\\"):  # an escape inside the JSON payload
        payload = json.dumps(interaction_template()).encode()
        payload = payload.replace(b'"hi"', b'"h' + splice + b'"')
        return b"payload=" + payload, FORM
    command = urlencode({"command": "/thrive", "text": "help", "user_id": STRANGER}).encode()
    return command.replace(b"help", b"he" + splice.replace(b"\\u0000", b"%00")), FORM


@st.composite
def huge_numbers(draw: st.DrawFn) -> tuple[bytes, str]:
    number = draw(st.sampled_from(["1e400", "-1e400", "9" * 5000, "1" + "0" * 4400, "NaN"]))
    text = json.dumps(event_template()).replace('"1700000000.000001"', number, 1)
    return text.encode(), JSON


@st.composite
def random_bytes(draw: st.DrawFn) -> tuple[bytes, str]:
    body = draw(st.binary(min_size=1, max_size=600))
    content_type = draw(st.sampled_from([JSON, FORM, "text/plain"]))
    if content_type == JSON or body.startswith(b"{"):
        return body, content_type
    # A form body that happens to parse is a form without a command or a payload: a
    # well-formed request no listener takes (400 too); make it JSON-looking instead.
    return b"{" + body, content_type


MALFORMED = st.one_of(
    wrong_field(),
    not_an_object(),
    too_deep(),
    other_charset(),
    bad_bytes(),
    huge_numbers(),
    random_bytes(),
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=MALFORMED)
async def test_fuzzed_malformed_signed_requests_get_400_and_store_nothing(
    server: Server, request: tuple[bytes, str]
) -> None:
    live, log = server.live, server.log
    before, mark = await stored(live), log.mark()
    body, content_type = request

    status, answer = await post_signed(live, body, content_type)

    assert status == 400, (status, answer, body[:200])
    assert answer["error"] == "malformed_body" or answer["error"] == "unhandled_payload"
    await settled(live)
    assert await stored(live) == before
    assert [line for line in log.since(mark) if "slack." in line] != []  # one line, said why
    assert log.failures() == []


# Interactions and events of the right shape that are still nonsense: they pass the ack,
# and the listener must cope (the core answers "that button no longer works", a payload
# with nobody in it is dropped with one line), storing no answer and no idea.
odd_text = st.text(max_size=40)


@st.composite
def odd_interaction(draw: st.DrawFn) -> tuple[bytes, str]:
    payload = interaction_template()
    kind = draw(st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action"]))
    payload["type"] = kind
    payload["actions"] = draw(
        st.sampled_from([[], [{}], [{"value": "1"}]])
        | st.builds(
            lambda *texts: [dict(zip(("action_id", "value", "action_ts"), texts, strict=True))],
            odd_text,
            odd_text,
            odd_text,
        )
    )
    payload["view"]["private_metadata"] = draw(odd_text)
    payload["view"]["callback_id"] = draw(odd_text)
    payload["callback_id"] = draw(st.sampled_from(["thrive.share_idea", "other", ""]))
    droppable = ["team", "container", "channel", "message", "user"]
    for dropped in draw(st.sets(st.sampled_from(droppable))):
        del payload[dropped]
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


@st.composite
def odd_event(draw: st.DrawFn) -> tuple[bytes, str]:
    """Events of the right types with parts missing: no user, channel, team or id."""
    kind = draw(st.sampled_from(["message", "app_mention", "app_home_opened", "user_change"]))
    body = event_template()
    event = body["event"]
    event["type"] = kind
    if kind == "user_change":
        event["user"] = {"id": STRANGER, "team_id": TEAM_ID, "deleted": draw(st.booleans())}
    droppable = ["user", "channel", "ts", "text", "channel_type", "subtype", "team_id", "id"]
    for dropped in draw(st.sets(st.sampled_from(droppable))):
        if dropped == "team_id":  # the workspace, wherever bolt and we would look for it
            body.pop("team_id")
            body["authorizations"] = []
            event.pop("team", None)
        elif dropped == "id" and isinstance(event.get("user"), dict):
            event["user"].pop("id")
        else:
            event.pop(dropped, None)
    if draw(st.booleans()):
        event["subtype"] = draw(st.sampled_from(["message_changed", "bot_message", "file_share"]))
    body["event_id"] = f"Ev-odd-{draw(st.uuids())}"
    return json.dumps(body).encode(), JSON


@settings(
    max_examples=40,  # each press waits out the work queue's turn (about a second)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=odd_interaction() | odd_event())
async def test_nonsense_of_the_right_shape_is_answered_without_a_crash(
    server: Server, request: tuple[bytes, str]
) -> None:
    live, log = server.live, server.log
    before = await stored(live)

    status, _answer = await post_signed(live, *request)

    assert status in (200, 400)
    await settled(live)
    # A shortcut opens a form (stores nothing); a press no card made is refused.
    answers_and_ideas = (await stored(live))[1:3]
    assert answers_and_ideas == before[1:3]
    assert log.failures() == []


async def _raw_http(live: LiveSlack, head: bytes, body: bytes = b"") -> bytes:
    """A request written by hand, so the body can be shorter than its Content-Length."""
    host, port = live.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(4096), 5)
    finally:
        writer.close()


async def test_a_body_over_1_mb_is_refused_with_413_before_it_is_read(
    server: Server,
) -> None:
    live, log = server.live, server.log
    before = await stored(live)
    # Only the headers are sent: a server that read the body first would wait forever.
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    ).encode()
    answer = await _raw_http(live, head, b"{")
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"body_too_large"' in answer

    # A body sent without a length stops at the limit as it is read: 413 too.
    big = json.dumps({"type": "event_callback", "pad": "x" * (MAX_BODY_BYTES + 10)}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    headers = signed_headers(SIGNING_SECRET, "", content_type=JSON)
    async with live.http.post(f"{live.url}/slack/events", data=chunks(), headers=headers) as r:
        assert r.status == 413
        assert (await r.json())["error"] == "body_too_large"
    assert await stored(live) == before
    assert log.failures() == []


async def test_json_nested_deeper_than_32_levels_is_refused(
    server: Server,
) -> None:
    live, log = server.live, server.log
    before = await stored(live)

    def nested(depth: int) -> bytes:
        body = json.dumps(event_template())[:-1]
        # The envelope is level 1: the extra field's lists make up the rest.
        return (body + ', "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()

    status, answer = await post_signed(live, nested(MAX_DEPTH + 1), JSON)
    assert (status, answer) == (400, {"error": "malformed_body", "reason": "too_deep"})
    status, answer = await post_signed(live, nested(100_000), JSON)
    assert (status, answer) == (400, {"error": "malformed_body", "reason": "too_deep"})
    assert await stored(live) == before
    assert log.failures() == []


async def test_an_event_delivered_50_times_is_handled_once_and_the_log_keeps_no_words(
    server: Server,
) -> None:
    live, log = server.live, server.log
    await _prompted(live, ["joy-more"])
    mark = log.mark()
    answers_before = len(await live.responses())
    body = event_body(
        message_event(ANSWER, user_id=USER, ts="1700000500.000001"), event_id="Ev-twice"
    ).encode()

    async def deliver(retry: int | None) -> int:
        extra = {} if retry is None else {"X-Slack-Retry-Num": str(retry)}
        if retry is not None:
            extra["X-Slack-Retry-Reason"] = "http_timeout"
        status, _ = await post_signed(live, body, JSON, **extra)
        return status

    # The first delivery, Slack's three retries, then 46 more at once (replicas racing).
    statuses = [await deliver(None)] + [await deliver(n) for n in (1, 2, 3)]
    statuses += await asyncio.gather(*(deliver(n % 3 + 1) for n in range(46)))
    await settled(live)

    assert statuses == [200] * 50
    answers = await live.responses()
    assert len(answers) == answers_before + 1
    assert answers[-1].text == ANSWER
    saved = [
        call
        for call in live.slack.calls_to("chat.postEphemeral")
        + live.slack.calls_to("chat.postMessage")
        if call.body.get("text", "").startswith("Thanks, saved")
    ]
    assert len(saved) == 1 and saved[0].body["channel"] == DM
    # At INFO the operator reads that the retries were dropped, never what was said or by whom.
    assert ANSWER not in log.text() and "Quokka" not in log.text()
    assert USER not in log.text()
    assert sum('"inbound.duplicate"' in line for line in log.since(mark)) == 49
    assert log.failures() == []


async def test_a_signature_header_that_is_no_number_or_text_is_a_401(server: Server) -> None:
    """slack_sdk's verifier raised on these (a 500); nobody signed them, so 401."""
    live, log = server.live, server.log
    body = event_body(message_event("hello", user_id=STRANGER), event_id="Ev-ts").encode()
    for timestamp, signature in (("soon", "v0=00"), ("1e9", "v0=00"), ("", ""), ("9" * 40, "x")):
        headers = {
            "Content-Type": JSON,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        }
        async with live.http.post(f"{live.url}/slack/events", data=body, headers=headers) as r:
            assert (r.status, await r.json()) == (401, {"error": "invalid_signature"})
    async with live.http.post(f"{live.url}/slack/events", data=b"\xff\xfe") as r:
        assert r.status == 401
    assert log.failures() == []
