"""Connector and user-token clients are built once per service URL and reused.

Real botbuilder objects throughout: the configuration authentication our adapter
builds, with the token-endpoint credentials. Building clients makes no calls.
"""

from __future__ import annotations

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from adapters.teams.auth import StrictAuthentication
from adapters.teams.clients import ClientCache, app_id_of
from adapters.teams.config import BOT_FRAMEWORK_SCOPE, BotFrameworkSettings, TeamsConfig
from adapters.teams.credentials import TokenEndpointCredentialFactory

APP_ID = "00000000-0000-0000-0000-0000000c11e7"
LOGIN_URL = "http://127.0.0.1:9/botframework.com/oauth2/v2.0/token"  # never called here
AMER = "https://smba.example/amer/"
EMEA = "https://smba.example/emea/"


def strict(limit: int | None = None) -> StrictAuthentication:
    config = TeamsConfig(
        app_id=APP_ID,
        app_password="secret",
        openid_metadata_url="http://127.0.0.1:9/.well-known/openid-configuration",
        token_issuer="http://127.0.0.1:9/issuer",
        login_url=LOGIN_URL,
    )
    inner = ConfigurationBotFrameworkAuthentication(
        BotFrameworkSettings(config),
        credentials_factory=TokenEndpointCredentialFactory(APP_ID, "secret", LOGIN_URL),
    )
    auth = StrictAuthentication(inner)
    if limit is not None:
        auth.clients = ClientCache(inner, limit=limit)
    return auth


def from_channel() -> ClaimsIdentity:
    """What the channel's token leaves after validation: our app id as the audience."""
    return ClaimsIdentity(
        {AuthenticationConstants.AUDIENCE_CLAIM: APP_ID, "serviceurl": AMER}, True
    )


def proactive() -> ClaimsIdentity:
    """What CloudAdapter.continue_conversation makes from the bot's app id."""
    return ClaimsIdentity(
        {
            AuthenticationConstants.AUDIENCE_CLAIM: APP_ID,
            AuthenticationConstants.APP_ID_CLAIM: APP_ID,
        },
        True,
    )


async def test_a_second_turn_to_the_same_service_url_reuses_the_client() -> None:
    auth = strict()
    first = await auth.create_connector_factory(from_channel()).create(AMER, BOT_FRAMEWORK_SCOPE)
    second = await auth.create_connector_factory(from_channel()).create(AMER, BOT_FRAMEWORK_SCOPE)
    assert second is first
    assert first.config.base_url == AMER
    assert auth.clients.connectors == 1


async def test_a_kept_client_never_retries_inside_a_call() -> None:
    """The outbox must hear of a 429 at once; msrest would sleep it out in a thread."""
    auth = strict()
    client = await auth.create_connector_factory(from_channel()).create(AMER, BOT_FRAMEWORK_SCOPE)
    policy = client.config.retry_policy.policy
    assert (policy.total, policy.connect, policy.read, policy.status) == (0, 0, 0, 0)
    assert not policy.respect_retry_after_header


async def test_another_service_url_gets_its_own_client() -> None:
    auth = strict()
    factory = auth.create_connector_factory(from_channel())
    amer = await factory.create(AMER, BOT_FRAMEWORK_SCOPE)
    emea = await factory.create(EMEA, BOT_FRAMEWORK_SCOPE)
    assert emea is not amer
    assert (amer.config.base_url, emea.config.base_url) == (AMER, EMEA)
    # One app, one audience: one set of credentials, so one token for both.
    assert emea.config.credentials is amer.config.credentials
    assert await factory.create(AMER, BOT_FRAMEWORK_SCOPE) is amer


async def test_a_proactive_send_uses_the_inbound_turns_client() -> None:
    auth = strict()
    inbound = await auth.create_connector_factory(from_channel()).create(AMER, BOT_FRAMEWORK_SCOPE)
    # continue_conversation passes no audience: botbuilder then uses its own scope.
    sent = await auth.create_connector_factory(proactive()).create(AMER, None)
    assert sent is inbound


async def test_another_audience_gets_its_own_client_and_credentials() -> None:
    auth = strict()
    factory = auth.create_connector_factory(from_channel())
    channel = await factory.create(AMER, BOT_FRAMEWORK_SCOPE)
    skill = await factory.create(AMER, "api://some-skill")
    assert skill is not channel
    assert skill.config.credentials.oauth_scope == "api://some-skill"
    assert channel.config.credentials.oauth_scope == BOT_FRAMEWORK_SCOPE


async def test_the_user_token_client_is_built_once() -> None:
    auth = strict()
    first = await auth.create_user_token_client(from_channel())
    assert await auth.create_user_token_client(proactive()) is first


async def test_beyond_the_limit_the_least_recently_used_client_is_dropped() -> None:
    auth = strict(limit=2)
    factory = auth.create_connector_factory(from_channel())
    amer = await factory.create(AMER, BOT_FRAMEWORK_SCOPE)
    emea = await factory.create(EMEA, BOT_FRAMEWORK_SCOPE)
    assert await factory.create(AMER, BOT_FRAMEWORK_SCOPE) is amer  # now the most recent
    await factory.create("https://smba.example/apac/", BOT_FRAMEWORK_SCOPE)
    assert auth.clients.connectors == 2
    assert await factory.create(AMER, BOT_FRAMEWORK_SCOPE) is amer
    assert await factory.create(EMEA, BOT_FRAMEWORK_SCOPE) is not emea  # built again


def test_the_app_id_is_the_audience_else_the_appid_claim() -> None:
    assert app_id_of(from_channel()) == APP_ID
    emulator = ClaimsIdentity({AuthenticationConstants.APP_ID_CLAIM: "emu"}, True)
    assert app_id_of(emulator) == "emu"
    assert app_id_of(ClaimsIdentity({}, False)) is None
