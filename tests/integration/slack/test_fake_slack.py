"""The Slack test doubles, driven by the real slack_sdk and slack_bolt clients.

These pin down what the Slack adapter's integration tests rely on: the fake answers
as Slack does, fails as Slack does, and slack_sdk's retry handlers see those failures
the way they would see Slack's. The signer is checked against slack_sdk's verifier
and bolt's own request handling.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.say.async_say import AsyncSay
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.integration.slack.fake_slack import FakeSlack
from tests.integration.slack.signing import (
    command_body,
    event_body,
    interaction_body,
    message_event,
    signed_headers,
)

TOKEN = "xoxb-test"
SECRET = "test-signing-secret"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "What gave you joy this week?"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "answer",
                "value": "5",
                "text": {"type": "plain_text", "text": "5"},
            }
        ],
    },
]


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=5)


def bolt_request(body: str, headers: dict[str, str] | None = None) -> AsyncBoltRequest:
    """A request as bolt's aiohttp adapter would build it from our signed body."""
    as_bolt_wants: dict[str, str | Sequence[str]] = dict(headers or {})
    return AsyncBoltRequest(body=body, headers=as_bolt_wants)


async def api_error(call: Awaitable[Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


# ---- the fake as a server


async def test_binds_a_free_loopback_port_and_stops() -> None:
    async with FakeSlack() as one, FakeSlack() as two:
        assert one.base_url.startswith("http://127.0.0.1:")
        assert one.base_url.endswith("/api/")
        assert one.base_url != two.base_url
    with pytest.raises(RuntimeError):
        _ = FakeSlack().base_url


async def test_post_message_gives_increasing_ts_and_records_decoded_blocks(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="D0AMARA", text="joy?", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="D0AMARA", text="again")

    assert first["ok"] and first["channel"] == "D0AMARA"
    assert float(first["ts"]) < float(second["ts"])
    assert first["ts"] != second["ts"] and len(first["ts"].split(".")[1]) == 6
    assert first["message"]["blocks"] == BLOCKS
    assert first["message"]["bot_id"] == "B0BOT" and first["message"]["user"] == "U0BOT"
    assert first["message"]["ts"] == first["ts"]

    calls = await slack.wait_for("chat.postMessage", count=2)
    assert calls[0].body["blocks"] == BLOCKS
    assert calls[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert all(call.ok and call.status == 200 for call in calls)
    assert slack.messages[("D0AMARA", first["ts"])]["text"] == "joy?"


async def test_form_encoded_json_fields_are_decoded(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Idea"}, "blocks": []}
    await client.api_call(
        "chat.postMessage", data={"channel": "D0SAM", "blocks": json.dumps(BLOCKS)}
    )
    await client.api_call("views.open", data={"trigger_id": "1.2.abc", "view": json.dumps(view)})
    await client.api_call("chat.postMessage", data={"channel": "D0SAM", "blocks": "not json"})

    posted, not_json = slack.calls_to("chat.postMessage")
    assert posted.body["blocks"] == BLOCKS
    assert not_json.body["blocks"] == "not json"
    assert slack.calls_to("views.open")[0].body["view"] == view


async def test_get_methods_and_query_parameters_are_recorded(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    await client.users_info(user="U0AMARA")  # slack_sdk sends this one as GET
    await client.conversations_open(users="U0AMARA")  # POST, arguments in the query
    assert slack.calls_to("users.info")[0].body == {"user": "U0AMARA"}
    assert slack.calls_to("conversations.open")[0].body == {"users": "U0AMARA"}


async def test_realistic_answers(slack: FakeSlack, client: AsyncWebClient) -> None:
    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0TEST", "U0BOT", "B0BOT")

    posted = await client.chat_postMessage(channel="U0WEI", text="hello")
    assert posted["channel"] == slack.dm_channel("U0WEI")  # a user id lands in the DM
    updated = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="done")
    assert (updated["channel"], updated["ts"], updated["text"]) == (
        posted["channel"],
        posted["ts"],
        "done",
    )
    assert slack.messages[(posted["channel"], posted["ts"])]["text"] == "done"
    ephemeral = await client.chat_postEphemeral(channel="C0TEAM", user="U0WEI", text="psst")
    assert float(ephemeral["message_ts"]) > float(posted["ts"])
    deleted = await client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert deleted["ok"] and (posted["channel"], posted["ts"]) not in slack.messages
    other = await client.api_call("reactions.add", json={"name": "tada"})
    assert other.data == {"ok": True}


async def test_views_answer_with_an_id(slack: FakeSlack, client: AsyncWebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Idea"}, "blocks": []}
    opened = await client.views_open(trigger_id="1.2.abc", view=modal)
    assert opened["view"]["id"].startswith("V") and opened["view"]["title"] == modal["title"]
    updated = await client.views_update(view_id=opened["view"]["id"], view=modal)
    assert updated["view"]["id"] == opened["view"]["id"]

    home = {"type": "home", "blocks": BLOCKS}
    published = await client.views_publish(user_id="U0AMARA", view=home)
    again = await client.views_publish(user_id="U0AMARA", view=home)
    assert published["view"]["type"] == "home" and published["view"]["blocks"] == BLOCKS
    assert published["view"]["id"] == again["view"]["id"]  # one home view per person


async def test_conversations_open_is_stable_per_user(client: AsyncWebClient) -> None:
    amara = await client.conversations_open(users="U0AMARA")
    again = await client.conversations_open(users=["U0AMARA"])
    wei = await client.conversations_open(users="U0WEI")
    assert amara["channel"]["id"] == again["channel"]["id"] == "DU0AMARA"
    assert wei["channel"]["id"] != amara["channel"]["id"]


async def test_users_info_directory_default_and_removed(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.users["U0GRACE"] = {"name": "grace", "real_name": "Grace O.", "tz": "Europe/London"}
    grace = (await client.users_info(user="U0GRACE"))["user"]
    assert (grace["id"], grace["real_name"], grace["tz"]) == (
        "U0GRACE",
        "Grace O.",
        "Europe/London",
    )
    assert grace["tz_offset"] in (0, 3600) and grace["deleted"] is False

    stranger = (await client.users_info(user="U0NEW"))["user"]
    assert stranger["tz"] == "America/Chicago" and stranger["tz_offset"] in (-21600, -18000)
    assert {"id", "name", "real_name", "tz", "tz_offset", "deleted"} <= stranger.keys()

    slack.remove_user("U0GRACE")
    error = await api_error(client.users_info(user="U0GRACE"))
    assert error.response["error"] == "user_not_found"
    error = await api_error(client.conversations_open(users="U0GRACE"))
    assert error.response["error"] == "user_not_found"


async def test_bad_token_is_invalid_auth(slack: FakeSlack) -> None:
    intruder = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url, timeout=5)
    error = await api_error(intruder.chat_postMessage(channel="D0SAM", text="hi"))
    assert error.response.status_code == 200 and error.response["error"] == "invalid_auth"
    [call] = slack.calls_to("chat.postMessage")
    assert call.error == "invalid_auth" and not call.ok


# ---- failure injection, as slack_sdk sees it


async def test_429_is_retried_by_the_rate_limit_handler(slack: FakeSlack) -> None:
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    client = AsyncWebClient(
        token=TOKEN, base_url=slack.base_url, timeout=5, retry_handlers=[handler]
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    response = await client.chat_postMessage(channel="D0SAM", text="hi")

    assert response["ok"]
    limited, accepted = await slack.wait_for("chat.postMessage", count=2)
    assert (limited.status, limited.error, accepted.status) == (429, "ratelimited", 200)
    assert accepted.at - limited.at >= 1.0  # the client waited out Retry-After


async def test_429_without_a_handler_raises_with_retry_after(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    error = await api_error(client.chat_postMessage(channel="D0SAM", text="hi"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert len(slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_retried_by_the_server_error_handler(slack: FakeSlack, status: int) -> None:
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = AsyncWebClient(
        token=TOKEN, base_url=slack.base_url, timeout=5, retry_handlers=[handler]
    )
    slack.fail_next("chat.update", status=status)

    response = await client.chat_update(channel="D0SAM", ts="1700000000.000100", text="x")

    assert response["ok"]
    assert [call.status for call in slack.calls_to("chat.update")] == [status, 200]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_without_a_handler_raises_with_the_status(
    slack: FakeSlack, client: AsyncWebClient, status: int
) -> None:
    slack.fail_next("chat.postMessage", status=status)
    error = await api_error(client.chat_postMessage(channel="D0SAM", text="hi"))
    assert error.response.status_code == status


@pytest.mark.parametrize("code", ["channel_not_found", "account_inactive", "ratelimited"])
async def test_ok_false_errors_surface_as_slack_api_error(
    slack: FakeSlack, client: AsyncWebClient, code: str
) -> None:
    slack.fail_next("chat.postMessage", error=code)
    error = await api_error(client.chat_postMessage(channel="D0SAM", text="hi"))
    assert error.response.status_code == 200 and error.response["error"] == code
    [call] = slack.calls_to("chat.postMessage")
    assert (call.status, call.error, call.body["text"]) == (200, code, "hi")


async def test_failures_queue_per_method_then_clear(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage", times=2, error="channel_not_found")
    assert (await client.auth_test())["ok"]  # other methods are unaffected
    for _ in range(2):
        await api_error(client.chat_postMessage(channel="D0SAM", text="hi"))
    assert (await client.chat_postMessage(channel="D0SAM", text="hi"))["ok"]

    slack.fail_next("chat.postMessage", status=503)
    slack.reset()
    assert slack.calls == []
    assert (await client.chat_postMessage(channel="D0SAM", text="hi"))["ok"]
    with pytest.raises(ValueError):
        slack.fail_next("chat.postMessage", status=404)


async def test_wait_for_is_bounded_and_says_what_it_saw(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    await client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"chat\.update.*auth\.test -> 200"):
        await slack.wait_for("chat.update", timeout=0.1)
    assert time.monotonic() - started < 1.0

    later = asyncio.create_task(client.chat_update(channel="D0SAM", ts="1.000100", text="x"))
    [call] = await slack.wait_for("chat.update", timeout=2.0)
    assert call.body["text"] == "x"
    await later


async def test_delay_applies_to_every_call(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.delay = 0.2
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.2


# ---- the signer and the bodies Slack sends


def test_signer_agrees_with_slack_sdk_verifier() -> None:
    body = event_body(message_event("hi", user_id="U0AMARA"), event_id="Ev01")
    headers = signed_headers(SECRET, body, retry_num=1, retry_reason="http_timeout")
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + " ", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    assert headers["X-Slack-Retry-Num"] == "1"
    assert headers["X-Slack-Retry-Reason"] == "http_timeout"

    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert "X-Slack-Retry-Num" not in stale


def test_bodies_parse_as_bolt_parses_them() -> None:
    event = event_body(message_event("hi", user_id="U0AMARA"), event_id="Ev02")
    request = bolt_request(event, signed_headers(SECRET, event, content_type="application/json"))
    assert request.body["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T0TEST",
        "user_id": "U0BOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    assert (request.context.team_id, request.context.user_id) == ("T0TEST", "U0AMARA")
    assert request.context.channel_id == "DU0AMARA"

    payload = {"type": "block_actions", "user": {"id": "U0SAM"}, "team": {"id": "T0TEST"}}
    interaction = bolt_request(
        interaction_body(payload), signed_headers(SECRET, interaction_body(payload))
    )
    assert interaction.body == payload

    command = command_body("snooze 2d", user_id="U0SAM", channel_id="DU0SAM")
    fields = parse_qs(command)
    assert fields["command"] == ["/thrive"] and fields["text"] == ["snooze 2d"]
    assert fields["trigger_id"] == ["1.2.abc"] and fields["response_url"][0].startswith("http")
    assert bolt_request(command).context.user_id == "U0SAM"


# ---- both doubles together, through a real bolt app


def bolt_app(slack: FakeSlack) -> AsyncApp:
    return AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=5),
    )


async def test_bolt_app_accepts_signed_event_and_replies_through_the_fake(
    slack: FakeSlack,
) -> None:
    app = bolt_app(slack)

    async def echo(message: dict[str, Any], say: AsyncSay) -> None:
        await say(f"you said {message['text']}")

    app.message("hello")(echo)
    body = event_body(message_event("hello", user_id="U0AMARA"), event_id="Ev03")
    headers = signed_headers(SECRET, body, content_type="application/json")

    response = await app.async_dispatch(bolt_request(body, headers))
    forged = await app.async_dispatch(bolt_request(body, signed_headers("wrong", body)))

    assert (response.status, forged.status) == (200, 401)
    [call] = await slack.wait_for("chat.postMessage")
    assert (call.body["channel"], call.body["text"]) == ("DU0AMARA", "you said hello")
    assert slack.calls_to("auth.test")  # bolt checked the token against the fake


async def test_bolt_command_responds_to_the_fakes_response_url(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    async def thrive(ack: Callable[[], Awaitable[None]], respond: AsyncRespond) -> None:
        await ack()
        await respond("snoozed")

    app.command("/thrive")(thrive)
    body = command_body(
        "snooze", user_id="U0SAM", channel_id="DU0SAM", response_url=slack.response_url("cmd")
    )

    response = await app.async_dispatch(bolt_request(body, signed_headers(SECRET, body)))

    assert response.status == 200
    [call] = await slack.wait_for("response_url")
    assert call.body["_name"] == "cmd" and call.body["text"] == "snoozed"
