"""What Slack posts to /slack/events, checked before bolt or a listener reads it. Pure.

The raw bytes are checked against the signature first (a forged request is never even
decoded), then decoded as UTF-8 (Slack sends nothing else), parsed as bolt would (JSON,
a form with a JSON `payload`, or a plain form for slash commands) through
`adapters.json_guard`, and compared with the shape of the fields bolt and our listeners
read. Anything else is a `BadJson`: the adapter answers 400 with its code and logs one
line, so a malformed request never fails later in a listener, after Slack's ack.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from adapters.json_guard import (
    BadJson,
    NoneType,
    Shape,
    check_shape,
    check_text,
    decode_utf8,
    loads,
)

REPLAY_WINDOW_SECONDS = 60 * 5  # as slack_sdk's SignatureVerifier

_AUTHORIZATION: Shape = {
    "enterprise_id": (str, NoneType),
    "team_id": (str, NoneType),
    "user_id": (str, NoneType),
    "is_bot": (bool,),
    "is_enterprise_install": (bool,),
}
_PROFILE: Shape = {"email": (str, NoneType)}
_USER: Shape = {
    "id": (str,),
    "team_id": (str, NoneType),
    "deleted": (bool,),
    "tz": (str, NoneType),
    "real_name": (str, NoneType),
    "name": (str, NoneType),
    "profile": (_PROFILE, NoneType),
}
_INNER_MESSAGE: Shape = {
    "type": (str,),
    "subtype": (str, NoneType),
    "user": (str,),
    "text": (str,),
    "ts": (str,),
    "thread_ts": (str,),
    "bot_id": (str, NoneType),
    "app_id": (str, NoneType),
    "edited": (dict,),
}
_EVENT: Shape = {
    "type": (str,),
    "subtype": (str, NoneType),
    "user": (str, _USER),  # a message's author; user_change's whole profile
    "channel": (str,),
    "channel_type": (str,),
    "text": (str,),
    "ts": (str,),
    "thread_ts": (str,),
    "event_ts": (str,),
    "bot_id": (str, NoneType),
    "app_id": (str, NoneType),
    "tab": (str,),
    "team": (str,),
    "user_team": (str,),
    "message": (_INNER_MESSAGE,),
    "previous_message": (_INNER_MESSAGE,),
}
EVENT_ENVELOPE: Shape = {
    "type": (str,),
    "token": (str,),
    "challenge": (str,),
    "team_id": (str,),
    "api_app_id": (str,),
    "enterprise_id": (str, NoneType),
    "context_team_id": (str, NoneType),
    "context_enterprise_id": (str, NoneType),
    "event_id": (str,),
    "event_time": (int,),
    "event": (_EVENT,),
    "authorizations": ([_AUTHORIZATION],),
    "is_ext_shared_channel": (bool,),
}

_TEAM: Shape = {"id": (str,), "domain": (str,), "enterprise_id": (str, NoneType)}
_ENTERPRISE: Shape = {"id": (str,), "name": (str,)}
_INTERACTION_USER: Shape = {"id": (str,), "team_id": (str,), "name": (str,), "username": (str,)}
_CONTAINER: Shape = {
    "type": (str,),
    "channel_id": (str,),
    "message_ts": (str,),
    "thread_ts": (str,),
    "is_ephemeral": (bool,),
    "view_id": (str,),
}
_OPTION: Shape = {"value": (str,)}
_ACTION: Shape = {
    "type": (str,),
    "action_id": (str,),
    "block_id": (str,),
    "value": (str,),
    "selected_option": (_OPTION, NoneType),
    "action_ts": (str,),
}
_STATE: Shape = {"values": (dict,)}
_VIEW: Shape = {
    "id": (str,),
    "type": (str,),
    "callback_id": (str,),
    "private_metadata": (str,),
    "state": (_STATE,),
    "team_id": (str, NoneType),
    "app_installed_team_id": (str, NoneType),
}
_CHANNEL: Shape = {"id": (str,), "name": (str,)}
_SHORTCUT_MESSAGE: Shape = {"text": (str,), "ts": (str,), "user": (str,)}
INTERACTION: Shape = {
    "type": (str,),
    "token": (str,),
    "api_app_id": (str,),
    "team": (_TEAM, NoneType),
    "enterprise": (_ENTERPRISE, NoneType),
    "is_enterprise_install": (bool,),
    "user": (_INTERACTION_USER,),
    "channel": (_CHANNEL, NoneType),
    "container": (_CONTAINER,),
    "actions": ([_ACTION],),
    "view": (_VIEW,),
    "message": (_SHORTCUT_MESSAGE,),
    "callback_id": (str,),
    "trigger_id": (str,),
    "response_url": (str,),
    "authorizations": ([_AUTHORIZATION],),
}


SLASH_COMMAND: Shape = {
    name: (str,)
    for name in (
        "command", "text", "team_id", "user_id", "user_name", "channel_id", "response_url",
        "trigger_id", "api_app_id", "enterprise_id",
    )
}  # fmt: skip
# Interactions are always a person's: without one, no listener could answer anybody.
INTERACTION_TYPES = frozenset({"block_actions", "view_submission", "shortcut", "message_action"})


def is_signed(signing_secret: str, raw: bytes, headers: Mapping[str, str], now: float) -> bool:
    """Slack's v0 signature over the raw bytes, within the replay window. (slack_sdk's
    verifier decodes the body first and fails on a timestamp that is no number.)"""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def checked_body(raw: bytes, content_type: str | None) -> str:
    """The body as text, once it is known to parse (as bolt will parse it) into a
    payload of the right shape; BadJson otherwise."""
    text = decode_utf8(raw)
    check_payload(parse_body(text, content_type))
    return text


def parse_body(text: str, content_type: str | None) -> dict[str, Any]:
    """bolt's `parse_body`, with our strict JSON and clean text."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return _object(loads(text))
    # strict_parsing off, as bolt: a stray "&" is no reason to refuse a command.
    params = parse_qsl(text, keep_blank_values=True)
    for name, value in params:
        check_text(name)
        check_text(value)
    form = dict(params)
    if "payload" in text:
        payload = form.get("payload")
        return {} if payload is None else _object(loads(payload))
    return form


def check_payload(body: Mapping[str, Any]) -> None:
    """Events, interactions and slash commands against the fields bolt and the listeners
    read (bolt takes any body with a `command` for a slash command, even a JSON one)."""
    if "command" in body:
        check_shape(body, SLASH_COMMAND)
        return
    kind = body.get("type")
    if kind not in ("event_callback", "url_verification"):
        check_shape(body, INTERACTION)
        user = body.get("user")
        if kind in INTERACTION_TYPES and not (isinstance(user, Mapping) and user.get("id")):
            raise BadJson("wrong_shape", f"a {kind} payload has no body.user.id")
        actions = body.get("actions")
        pressed = actions[0].get("action_id") if actions else None
        if kind == "block_actions" and not isinstance(pressed, str):  # bolt reads it unguarded
            raise BadJson("wrong_shape", "a block_actions payload has no body.actions[0].action_id")
        return
    check_shape(body, EVENT_ENVELOPE)
    event = body.get("event")
    if isinstance(event, Mapping) and "user" in event:
        # A user_change carries the whole profile; every other event only the author's id.
        user_shape = _USER if event.get("type") == "user_change" else str
        check_shape(event, {"user": (user_shape,)}, "body.event")


def _object(parsed: object) -> dict[str, Any]:
    if not isinstance(parsed, dict):
        raise BadJson("wrong_shape", f"the payload is a JSON {type(parsed).__name__}")
    return parsed
