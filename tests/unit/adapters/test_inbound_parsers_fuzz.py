"""Every inbound parser, fuzzed directly (no server) for volume.

- adapters.json_guard.loads: any bytes either parse or raise BadJson; depth and text limits.
- Slack: any payload that passes payloads.check_payload is read by the translators the
  listeners call without a TypeError, AttributeError or KeyError (only UnusablePayload
  or ValueError, which the listeners answer politely).
- Teams: the same for check_activity and the activity mappers turns.py calls.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import json_guard
from adapters.json_guard import MAX_DEPTH, BadJson
from adapters.slack import inbound as slack
from adapters.slack.blocks import parse_modal_submission
from adapters.slack.payloads import checked_body, parse_body
from adapters.teams import inbound as teams
from bot.events import ConversationRef

EXAMPLES = 400
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()


def _keyed(names: list[str]) -> st.SearchStrategy[Any]:
    """JSON objects whose keys are mostly the names a parser reads, at every level."""
    keys = st.sampled_from(names) | st.text(max_size=8)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=6),
        max_leaves=25,
    )


SLACK_NAMES = [
    "type", "team_id", "event_id", "event", "user", "id", "team", "channel", "channel_id",
    "channel_type", "text", "ts", "thread_ts", "subtype", "bot_id", "message",
    "previous_message", "edited", "actions", "action_id", "value", "selected_option",
    "action_ts", "container", "message_ts", "is_ephemeral", "view", "private_metadata",
    "state", "values", "trigger_id", "response_url", "tz", "real_name", "name", "profile",
    "email", "deleted", "user_id", "command", "authorizations",
]  # fmt: skip
TEAMS_NAMES = [
    "type", "id", "name", "serviceUrl", "channelId", "from", "recipient", "conversation",
    "conversationType", "tenantId", "channelData", "tenant", "text", "value", "action",
    "verb", "data", "thrive", "action_id", "choose", "replyToId", "entities", "mentioned",
    "membersAdded", "membersRemoved", "localTimezone", "email", "userPrincipalName",
]  # fmt: skip


@fuzz
@given(raw=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_parse_or_are_refused_with_bad_json(raw: bytes) -> None:
    try:
        json_guard.loads(raw)
    except BadJson as refused:
        assert refused.code in ("malformed_json", "too_deep", "bad_text")


@fuzz
@given(depth=st.integers(1, 4000), kind=st.sampled_from(["[", '{"a":']))
def test_nesting_past_the_limit_is_refused_and_within_it_parses(depth: int, kind: str) -> None:
    close = "]" if kind == "[" else "}"
    text = kind * depth + "0" + close * depth
    if depth <= MAX_DEPTH:
        json_guard.loads(text)
    else:
        with pytest.raises(BadJson) as refused:
            json_guard.loads(text)
        assert refused.value.code == "too_deep"


@pytest.mark.parametrize("text", ['"a\\u0000b"', '"\\ud800"', '{"\\udfff": 1}', "NaN", "1e999"])
def test_text_no_database_stores_and_numbers_json_lacks_are_refused(text: str) -> None:
    with pytest.raises(BadJson):
        json_guard.loads(text)


def _reads_without_crashing(*readers: Callable[[], object]) -> None:
    for read in readers:
        # UnusablePayload, UnusableActivity, a form that is not ours: answered politely.
        with contextlib.suppress(ValueError):
            read()


def _read_slack(parsed: dict[str, Any]) -> None:
    event = parsed.get("event") if isinstance(parsed.get("event"), dict) else parsed
    assert isinstance(event, dict)
    team = str(parsed.get("team_id") or "T1")
    view = parsed.get("view") if isinstance(parsed.get("view"), dict) else {}
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    _reads_without_crashing(
        lambda: slack.team_and_user(parsed),
        lambda: slack.block_action(parsed, None),
        lambda: slack.direct_message(team, event, None, None, "UBOT"),
        lambda: slack.edited_message(team, event, None),
        lambda: slack.mention_command(team, event, None, None, "UBOT"),
        lambda: slack.is_own_message(event, "UBOT", "BBOT"),
        lambda: slack.form_submission(parsed, "a", "v", {}),
        lambda: parse_modal_submission(view or {}),
        lambda: slack.profile_of(user or {}),
    )


@fuzz
@given(payload=_keyed(SLACK_NAMES).filter(lambda v: isinstance(v, dict)))
def test_a_slack_payload_that_passes_the_check_never_crashes_a_translator(
    payload: dict[str, Any],
) -> None:
    for content_type, body in (
        ("application/json", json.dumps(payload)),
        ("application/x-www-form-urlencoded", "payload=" + json.dumps(payload)),
    ):
        try:
            checked_body(body.encode(), content_type)
        except BadJson:
            continue
        _read_slack(parse_body(body, content_type))


@fuzz
@given(
    text=st.text(max_size=200),
    fields=st.dictionaries(st.sampled_from(SLACK_NAMES), st.text(max_size=20), max_size=8),
)
def test_a_slash_command_form_never_crashes_its_translator(
    text: str, fields: dict[str, str]
) -> None:
    body = "&".join(f"{k}={v}" for k, v in {**fields, "command": "/thrive", "text": text}.items())
    try:
        checked_body(body.encode(), "application/x-www-form-urlencoded")
    except BadJson:
        return
    _reads_without_crashing(lambda: slack.slash_command(parse_body(body, None), None))


def _activity_like(payload: dict[str, Any]) -> dict[str, Any]:
    """Half the time, the parts every activity has, so the mappers get further."""
    base = {
        "type": "message",
        "serviceUrl": "https://smba.example/",
        "from": {"id": "29:a"},
        "conversation": {"id": "a:1"},
    }
    return {**base, **payload}


@fuzz
@given(payload=_keyed(TEAMS_NAMES).filter(lambda v: isinstance(v, dict)), whole=st.booleans())
def test_a_teams_activity_that_passes_the_check_never_crashes_a_mapper(
    payload: dict[str, Any], whole: bool
) -> None:
    activity: dict[str, Any] = _activity_like(payload) if whole else payload
    try:
        checked = teams.check_activity(json_guard.loads(json.dumps(activity)))
    except (BadJson, teams.UnusableActivity):
        return
    tenant = teams.tenant_of(checked, None)
    here = ConversationRef("teams", tenant, "a:1", {"service_url": "https://smba.example/"})
    _reads_without_crashing(
        lambda: teams.conversation_ref(checked, tenant),
        lambda: teams.message_received(checked, tenant),
        lambda: teams.mention_text(checked),
        lambda: teams.installation(checked, tenant),
        lambda: teams.action_invoked(checked, tenant),
        lambda: teams.execute_invoked(checked, tenant, here),
        lambda: teams.pressed_card(checked),
        lambda: teams.is_execute(checked),
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"user": {"id": 7}}, "body.user.id is a number"),
        ({"actions": [{"value": "1"}, "press"]}, "body.actions[1] is a string"),
        ({"actions": [{"value": True}]}, "body.actions[0].value is a boolean"),
        ({"event_time": True}, "body.event_time is a boolean"),
        ({"view": None}, "body.view is a null"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(data: dict[str, Any], problem: str) -> None:
    shape: json_guard.Shape = {
        "user": ({"id": (str,)},),
        "actions": ([{"value": (str,)}],),
        "event_time": (int,),
        "view": (dict,),
    }
    with pytest.raises(BadJson) as refused:
        json_guard.check_shape(data, shape)
    assert refused.value.detail == problem
