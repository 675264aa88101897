"""Requests as Slack sends them to the app: signed headers and the bodies they sign.

    body = event_body(message_event("hi", user_id="U1"), event_id="Ev1")
    await http.post(url, data=body, headers=signed_headers(SECRET, body,
                    content_type="application/json"))

Sign exactly the string you send: the signature covers the raw body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

BOT_USER_ID = "U0BOT"
TEAM_ID = "T0TEST"
API_APP_ID = "A0TEST"
# Sent in payloads for legacy verification; bolt ignores it (it checks the signature).
VERIFICATION_TOKEN = "verification-token-unused"
NOWHERE_RESPONSE_URL = "http://127.0.0.1:9/commands/response"  # port 9: nothing listens


def signature(signing_secret: str, timestamp: int, body: str) -> str:
    """Slack's v0 signature: "v0=" + hex HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str,
    body: str,
    *,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers for a request Slack signed now (or at `timestamp`, e.g. a stale one)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(signing_secret, ts, body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
    if retry_reason is not None:
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def event_body(
    event: dict[str, Any],
    *,
    event_id: str,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    authorizations: list[dict[str, Any]] | None = None,
    event_time: int | None = None,
) -> str:
    """An Events API `event_callback` envelope around `event`, as JSON."""
    if authorizations is None:
        authorizations = [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": authorizations,
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope)


def message_event(
    text: str,
    *,
    user_id: str,
    channel_id: str | None = None,
    ts: str = "1700000000.000001",
    team_id: str = TEAM_ID,
    channel_type: str = "im",
) -> dict[str, Any]:
    """A person's plain `message` event, by default in their DM with the bot ("D" + id)."""
    return {
        "type": "message",
        "channel": channel_id if channel_id is not None else f"D{user_id}",
        "user": user_id,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": team_id,
        "channel_type": channel_type,
    }


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity request (block_actions, view_submission, ...): payload=<json>."""
    return urlencode({"payload": json.dumps(payload)})


def command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    team_id: str = TEAM_ID,
    trigger_id: str = "1.2.abc",
    command: str = "/thrive",
    response_url: str = NOWHERE_RESPONSE_URL,
    user_name: str | None = None,
    api_app_id: str = API_APP_ID,
) -> str:
    """A slash command request, form-encoded as Slack posts it."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": "thrive-test",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": user_name if user_name is not None else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
