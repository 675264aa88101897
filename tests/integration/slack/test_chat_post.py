"""The outbox's chat.postMessage (adapters/slack/chat_post.py), against the fake Slack Web
API over loopback: what Slack receives is what slack_sdk's own call sends, and every
failure reaches the outbox as the same neutral error, after one request (the outbox
waits out a 429 and retries by itself)."""

from __future__ import annotations

import socket

import pytest

from adapters.slack.config import SlackConfig
from adapters.slack.web_api import SlackWebApi
from bot.errors import DeliveryError, FatalError, RateLimited, RecipientGone, TransientError
from bot.events import ConversationRef
from bot.messages import Button, OutboundMessage
from tests.integration.slack.fake_slack import DEFAULT_TOKEN, FakeSlack

TEAM = "T0TEST"
USER = "U0NURSE"
POST = "chat.postMessage"
MESSAGE = OutboundMessage(
    text="Qu'est-ce qui vous a donné de la joie cette semaine ? 🌱",
    buttons=(Button(label="Skip", action_id="skip", value="7"),),
)


def _web(base_url: str, token: str = DEFAULT_TOKEN) -> SlackWebApi:
    return SlackWebApi(SlackConfig(signing_secret="s", bot_token=token, api_url=base_url), None)


TO_USER = ConversationRef("slack", TEAM, USER, {})  # their DM is opened on the first post
IN_DM = ConversationRef("slack", TEAM, USER, {"channel": "D1"})


async def test_a_paced_post_sends_what_slack_sdks_call_sends(slack: FakeSlack) -> None:
    web = _web(slack.base_url)
    try:
        paced = await web.post(TO_USER, MESSAGE, paced=True)
        plain = await web.post(TO_USER, MESSAGE)
    finally:
        await web.close()

    first, second = slack.calls_to(POST)
    assert first.body == second.body  # the same arguments, decoded as Slack decodes them
    assert first.body["text"] == MESSAGE.text  # accents and emoji intact
    assert first.body["channel"] == slack.dm_channel(USER)
    assert first.body["unfurl_links"] is False and "thread_ts" not in first.body
    assert first.headers["Authorization"] == f"Bearer {DEFAULT_TOKEN}"
    assert first.headers["User-Agent"] == second.headers["User-Agent"]
    assert first.headers["Content-Type"].startswith("application/json")
    assert paced.conversation_id == plain.conversation_id == slack.dm_channel(USER)
    assert paced.message_id and paced.message_id != plain.message_id


async def test_a_paced_post_in_a_thread_names_it(slack: FakeSlack) -> None:
    web = _web(slack.base_url)
    to = ConversationRef(
        "slack", TEAM, "channel:C0LEADS", {"channel": "C0LEADS", "thread_ts": "1.5"}
    )
    try:
        await web.post(to, MESSAGE, paced=True)
    finally:
        await web.close()
    [call] = slack.calls_to(POST)
    assert (call.body["channel"], call.body["thread_ts"]) == ("C0LEADS", "1.5")


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        ({"status": 429, "retry_after": 7}, RateLimited),
        ({"status": 500}, TransientError),
        ({"status": 503}, TransientError),  # an HTML page from the load balancer
        ({"error": "channel_not_found"}, RecipientGone),
        ({"error": "account_inactive"}, RecipientGone),
        ({"error": "msg_too_long"}, FatalError),
    ],
)
async def test_a_failed_paced_post_is_one_request_and_the_clients_neutral_error(
    slack: FakeSlack, fail: dict[str, int | str], expected: type[DeliveryError]
) -> None:
    web = _web(slack.base_url)
    try:
        await web.post(TO_USER, OutboundMessage(text="warm up"))  # the DM is open already
        slack.reset()
        slack.fail_next(POST, **fail)  # type: ignore[arg-type]
        with pytest.raises(DeliveryError) as paced:
            await web.post(TO_USER, MESSAGE, paced=True)
        assert len(slack.calls_to(POST)) == 1  # not retried inside: the outbox decides
    finally:
        await web.close()

    assert type(paced.value) is expected
    if isinstance(paced.value, RateLimited):
        assert paced.value.retry_after == 7.0


async def test_a_wrong_token_is_fatal_not_retried(slack: FakeSlack) -> None:
    web = _web(slack.base_url, token="xoxb-revoked")
    try:
        with pytest.raises(FatalError, match="invalid_auth"):
            await web.post(IN_DM, MESSAGE, paced=True)
    finally:
        await web.close()
    assert len(slack.calls_to(POST)) == 1


async def test_slack_out_of_reach_is_transient() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = _web(f"http://127.0.0.1:{port}/api/")
    try:
        with pytest.raises(TransientError):
            await web.post(IN_DM, MESSAGE, paced=True)
    finally:
        await web.close()
