"""Slack failures mapped to the core's neutral errors; Slack payloads read correctly."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.errors import neutral_error
from adapters.slack.inbound import (
    block_action,
    direct_message,
    is_own_message,
    strip_mention,
)
from bot.errors import FatalError, RateLimited, RecipientGone, TransientError


def _api_error(status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)  # type: ignore[no-untyped-call]


def test_429_becomes_rate_limited_with_the_retry_after() -> None:
    error = neutral_error(
        _api_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    )
    assert isinstance(error, RateLimited) and error.retry_after == 7.0


@pytest.mark.parametrize(
    "code", ["user_not_found", "account_inactive", "channel_not_found", "is_archived"]
)
def test_gone_errors_become_recipient_gone(code: str) -> None:
    assert isinstance(neutral_error(_api_error(200, {"ok": False, "error": code})), RecipientGone)


def test_server_errors_and_network_trouble_are_transient() -> None:
    assert isinstance(neutral_error(_api_error(502, {})), TransientError)
    assert isinstance(neutral_error(aiohttp.ClientConnectionError()), TransientError)
    assert isinstance(neutral_error(TimeoutError()), TransientError)


def test_anything_else_is_fatal() -> None:
    assert isinstance(
        neutral_error(_api_error(200, {"ok": False, "error": "invalid_blocks"})), FatalError
    )


def test_own_messages_are_recognised_without_a_subtype() -> None:
    assert is_own_message({"bot_id": "B1", "text": "hi"}, "U0BOT", "B1")
    assert is_own_message({"user": "U0BOT", "text": "hi"}, "U0BOT", None)
    assert is_own_message(
        {"subtype": "message_changed", "message": {"bot_id": "B1"}}, "U0BOT", "B1"
    )
    assert not is_own_message({"user": "U1", "text": "hi"}, "U0BOT", "B1")


def test_only_the_bots_mention_is_stripped() -> None:
    assert strip_mention("<@U0BOT> idea ask <@U2> about rooming") == "idea ask <@U2> about rooming"


def test_a_thread_reply_points_at_the_message_it_replies_to() -> None:
    event = {
        "user": "U1",
        "channel": "DU1",
        "text": "yes",
        "ts": "2.0",
        "thread_ts": "1.0",
    }
    received = direct_message("T1", event, "Ev1", None)
    assert received.in_reply_to is not None and received.in_reply_to.message_id == "1.0"
    assert received.conversation.data["channel"] == "DU1"


def test_a_select_menu_value_is_read_from_the_selected_option() -> None:
    body = {
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "container": {"channel_id": "DU1", "message_ts": "1.0"},
        "actions": [{"action_id": "answer.option#2", "selected_option": {"value": "3:scope:yes"}}],
    }
    action = block_action(body, None)
    assert (action.action_id, action.value) == ("answer.option", "3:scope:yes")
    assert action.message_ref is not None and action.message_ref.message_id == "1.0"


def test_the_bots_mention_is_stripped_wherever_it_is() -> None:
    text = "Thanks <@U2>, <@U0BOT> idea ask <@U2> about rooming"
    assert strip_mention(text, "U0BOT") == "Thanks <@U2>,  idea ask <@U2> about rooming"
