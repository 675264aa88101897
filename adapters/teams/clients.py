"""Bot Connector and user-token clients kept across turns, instead of built per turn.

botbuilder's CloudAdapter asks for a new ConnectorClient and a new UserTokenClient
on every turn, inbound and proactive alike. Building one costs ~5 ms of CPU (msrest's
retry policy alone scans range(999) against a 500-item list), more than the rest of
botbuilder's work in a turn. In production it also costs network calls: each new
client gets new credentials, whose msal app discovers its authority and fetches a
token again before the first send.

Nothing in these clients is specific to a turn: a ConnectorClient is the service
URL, the credentials for (app id, audience) and msrest's HTTP pipeline. So the first
turn to a service URL gets one from botbuilder's own factory and later turns reuse
it; the credentials inside keep their token, which is renewed in a worker thread
before a client is handed out (adapters/teams/tokens.py).

Loop and thread safety: every call here runs on the app's one event loop, so the
dicts need no lock; two turns that miss at once may both build, and both then use
the one stored first. msrest signs each request on the loop and sends it from the default
executor through the client's one requests.Session; the Session's connection pool
is thread-safe, the only header msrest writes (Authorization) is set before the
send, and the connector sets no cookies.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from adapters.teams.errors import disable_internal_retries
from adapters.teams.tokens import make_ready

# Teams uses a handful of service URLs (one per region), and each must be signed
# into a channel token to get here; the bound only keeps a surprise from growing.
MAX_CONNECTORS = 64
CONNECTOR_TIMEOUT_SECONDS = 10

# (app id, service URL, audience)
ConnectorKey = tuple[str | None, str, str]


def app_id_of(claims_identity: ClaimsIdentity) -> str | None:
    """The bot's app id, as botbuilder's authentication reads it for its factories:
    the audience claim (from the channel), else the appid claim (the emulator)."""
    claims = claims_identity.claims or {}
    found = claims.get(AuthenticationConstants.AUDIENCE_CLAIM)
    if found is None:
        found = claims.get(AuthenticationConstants.APP_ID_CLAIM)
    return None if found is None else str(found)


class ClientCache:
    """The clients an authentication's factories built, by what they were built for."""

    def __init__(self, auth: BotFrameworkAuthentication, limit: int = MAX_CONNECTORS) -> None:
        self._auth = auth
        self._limit = limit
        self._connectors: OrderedDict[ConnectorKey, Any] = OrderedDict()
        self._user_tokens: dict[str | None, Any] = {}

    def connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """For the bot's own sends (continue and create conversation): each client comes
        with a fresh token, fetched in a thread (adapters/teams/tokens.py)."""
        factory = self._auth.create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(self, factory, app_id_of(claims_identity), True)

    def reusing(
        self, factory: ConnectorFactory, claims_identity: ClaimsIdentity
    ) -> ConnectorFactory:
        """`factory` (botbuilder's, for an inbound turn), building only what is not kept.
        An inbound turn sends nothing through its client (replies go through
        connector_factory), so it never waits for a token."""
        return _ReusingConnectorFactory(self, factory, app_id_of(claims_identity), False)

    async def user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        # botbuilder builds it from the app id alone (its audience and OAuth endpoint
        # are the authentication's own), so one per app id.
        app_id = app_id_of(claims_identity)
        client = self._user_tokens.get(app_id)
        if client is None:
            built = await self._auth.create_user_token_client(claims_identity)
            client = self._user_tokens.setdefault(app_id, built)  # a turn may have won
        return client

    async def connector(
        self,
        factory: ConnectorFactory,
        app_id: str | None,
        service_url: str,
        audience: str | None,
        *,
        with_token: bool = False,
    ) -> Any:
        # A proactive turn passes no audience and the factory then uses the
        # authentication's own: the same client as an inbound turn's.
        audience = audience or str(self._auth.get_originating_audience())
        key: ConnectorKey = (app_id, service_url, audience)
        client = self._connectors.get(key)
        if client is not None:
            self._connectors.move_to_end(key)
            if with_token:
                await make_ready(client.config.credentials)
            return client
        built = await factory.create(service_url, audience)
        # msrest would retry (and sleep out 429s) inside a call; we retry in the open:
        # the outbox must hear a 429 at once (adapters/teams/errors.py).
        disable_internal_retries(built)
        # msrest waits 100 s for an answer by default; a turn or the outbox would too.
        built.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
        client = self._connectors.setdefault(key, built)  # a turn may have won meanwhile
        while len(self._connectors) > self._limit:
            self._connectors.popitem(last=False)  # a turn still holding it keeps it
        if with_token:
            await make_ready(client.config.credentials)
        return client

    @property
    def connectors(self) -> int:
        return len(self._connectors)


class _ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(
        self, cache: ClientCache, inner: ConnectorFactory, app_id: str | None, with_token: bool
    ) -> None:
        self._cache = cache
        self._inner = inner
        self._app_id = app_id
        self._with_token = with_token

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        return await self._cache.connector(
            self._inner, self._app_id, service_url, audience, with_token=self._with_token
        )
