"""botbuilder's real ConnectorClient against a failing FakeConnector, over loopback HTTP.

The proof that `neutral_error` reads what the SDK really raises (not what we assume it
raises), and that msrest's own retries are what errors.py says they are.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError

from adapters.teams.config import BOT_FRAMEWORK_SCOPE, BotFrameworkSettings, TeamsConfig
from adapters.teams.credentials import TokenEndpointCredentialFactory, TokenEndpointCredentials
from adapters.teams.errors import disable_internal_retries, neutral_error
from bot.errors import DeliveryError, FatalError, RateLimited, RecipientGone, TransientError
from tests.integration.teams.fake_connector import APP_PASSWORD, FakeConnector
from tests.integration.teams.live_teams import APP_ID

CONVERSATION = "a:conversation-1"
ACTIVITY = "act-1"
# Far above anything these tests should take: a 429 must come back, not be waited out.
PROMPT_SECONDS = 2.0


def client_for(channel: FakeConnector, *, url: str | None = None) -> ConnectorClient:
    """A ConnectorClient as botbuilder's connector factory makes one (msrest defaults)."""
    credentials = TokenEndpointCredentials(
        APP_ID, APP_PASSWORD, channel.login_url, BOT_FRAMEWORK_SCOPE
    )
    return ConnectorClient(credentials, base_url=url or channel.url)


def message(text: str = "hello") -> Activity:
    return Activity(type="message", text=text)


async def raised_by(call: Callable[[], Awaitable[Any]]) -> Exception:
    with pytest.raises(Exception) as raised:
        await call()
    assert isinstance(raised.value, Exception)
    return raised.value


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
        (412, TransientError),
        (403, RecipientGone),
        (404, RecipientGone),
        (401, FatalError),
        (400, FatalError),
    ],
)
async def test_a_post_refused_maps_to_the_neutral_error(
    channel: FakeConnector, status: int, expected: type[DeliveryError]
) -> None:
    client = client_for(channel)  # msrest's defaults: a POST is not retried on status
    channel.fail_next(1, status)

    error = await raised_by(
        lambda: client.conversations.send_to_conversation(CONVERSATION, message())
    )

    assert isinstance(error, ErrorResponseException)
    assert error.response.status_code == status
    assert type(neutral_error(error)) is expected
    assert [call.status for call in channel.refused] == [status]
    assert channel.posted() == []


async def test_a_429_reports_retry_after_at_once(channel: FakeConnector) -> None:
    client = client_for(channel)
    channel.fail_next(1, 429, retry_after=30)
    started = time.monotonic()

    error = await raised_by(
        lambda: client.conversations.send_to_conversation(CONVERSATION, message())
    )

    assert time.monotonic() - started < PROMPT_SECONDS
    limited = neutral_error(error)
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 30.0
    assert len(channel.refused) == 1


async def test_creating_a_conversation_with_someone_gone(channel: FakeConnector) -> None:
    client = client_for(channel)
    channel.fail_next(1, 403, path_contains="/v3/conversations")
    parameters = ConversationParameters(
        bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:user")], tenant_id="t"
    )

    error = await raised_by(lambda: client.conversations.create_conversation(parameters))

    assert isinstance(neutral_error(error), RecipientGone)
    assert channel.refused[0].path == "/v3/conversations"


async def test_msrest_retries_a_put_by_itself(channel: FakeConnector) -> None:
    """Why disable_internal_retries exists: the failure never reaches the caller."""
    client = client_for(channel)
    channel.fail_next(1, 502)

    await client.conversations.update_activity(CONVERSATION, ACTIVITY, message())

    assert [call.status for call in channel.refused] == [502]
    assert len(channel.put()) == 1


async def test_with_internal_retries_off_a_put_failure_comes_back_at_once(
    channel: FakeConnector,
) -> None:
    client = client_for(channel)
    disable_internal_retries(client)
    channel.fail_next(1, 502)
    channel.fail_next(1, 429, retry_after=30)
    started = time.monotonic()

    failed = await raised_by(
        lambda: client.conversations.update_activity(CONVERSATION, ACTIVITY, message())
    )
    limited = await raised_by(
        lambda: client.conversations.update_activity(CONVERSATION, ACTIVITY, message())
    )

    assert time.monotonic() - started < PROMPT_SECONDS
    assert isinstance(failed, ErrorResponseException)  # not ClientRequestError(RetryError)
    assert isinstance(neutral_error(failed), TransientError)
    rate = neutral_error(limited)
    assert isinstance(rate, RateLimited) and rate.retry_after == 30.0
    assert [call.status for call in channel.refused] == [502, 429]
    assert channel.put() == []


async def test_nobody_listening_is_transient(channel: FakeConnector) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: refused
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = client_for(channel, url=closed)
    disable_internal_retries(client)  # else msrest reconnects 3 times, 4.8 s of backoff
    started = time.monotonic()

    error = await raised_by(
        lambda: client.conversations.send_to_conversation(CONVERSATION, message())
    )

    assert time.monotonic() - started < PROMPT_SECONDS
    assert isinstance(error, ClientRequestError)
    assert isinstance(neutral_error(error), TransientError)


async def test_only_calls_on_the_matching_path_fail(channel: FakeConnector) -> None:
    client = client_for(channel)
    disable_internal_retries(client)
    channel.fail_next(1, 404, path_contains=f"/activities/{ACTIVITY}")

    await client.conversations.send_to_conversation(CONVERSATION, message())
    error = await raised_by(
        lambda: client.conversations.update_activity(CONVERSATION, ACTIVITY, message())
    )
    await client.conversations.update_activity(CONVERSATION, ACTIVITY, message())

    assert isinstance(neutral_error(error), RecipientGone)
    assert len(channel.posted()) == 1
    assert len(channel.put()) == 1
    assert [call.method for call in channel.refused] == ["PUT"]


# --- the path the adapter takes: CloudAdapter.continue_conversation + TurnContext ---


def cloud_adapter(channel: FakeConnector) -> CloudAdapter:
    config = TeamsConfig(
        app_id=APP_ID,
        app_password=APP_PASSWORD,
        openid_metadata_url=channel.metadata_url,
        token_issuer=channel.issuer,
        login_url=channel.login_url,
    )
    factory = TokenEndpointCredentialFactory(APP_ID, APP_PASSWORD, channel.login_url)
    settings = BotFrameworkSettings(config)
    return CloudAdapter(
        ConfigurationBotFrameworkAuthentication(settings, credentials_factory=factory)
    )


def reference(channel: FakeConnector) -> ConversationReference:
    return ConversationReference(
        channel_id="msteams",
        service_url=channel.url,
        conversation=ConversationAccount(id=CONVERSATION, conversation_type="personal"),
        bot=ChannelAccount(id="28:bot"),
        user=ChannelAccount(id="29:user"),
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [(429, 4.0, RateLimited), (502, None, TransientError), (403, None, RecipientGone)],
)
async def test_the_turn_path_raises_the_sdk_exception_unchanged(
    channel: FakeConnector, status: int, retry_after: float | None, expected: type[DeliveryError]
) -> None:
    cloud = cloud_adapter(channel)
    channel.fail_next(1, status, retry_after=retry_after)

    async def replace(turn: TurnContext) -> None:
        # The adapter's wiring: quiet this turn's client before its first request.
        disable_internal_retries(turn.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY])
        activity = message("updated")
        activity.id = ACTIVITY
        await turn.update_activity(activity)

    error = await raised_by(
        lambda: cloud.continue_conversation(reference(channel), replace, APP_ID)
    )

    assert isinstance(error, ErrorResponseException)
    neutral = neutral_error(error)
    assert type(neutral) is expected
    if isinstance(neutral, RateLimited):
        assert neutral.retry_after == retry_after
    assert [call.status for call in channel.refused] == [status]  # tried once, no more
