"""Every inbound authentication failure as a PermissionError (answered 401).

botbuilder 4.17 does not always raise PermissionError for a bad token: an empty
Authorization header or an unknown issuer leaves it with no identity and it fails
with AttributeError; a malformed JWT raises PyJWT's DecodeError; a key without the
channel's endorsement a bare Exception. Any failure while authenticating means the
request is not trusted, so all of them are refused the same way.

It is also where the Bot Connector and user-token clients are kept across turns
(adapters/teams/clients.py): CloudAdapter asks this object for them on every turn.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from adapters.teams.clients import ClientCache


class Unauthenticated(PermissionError):
    """The request's credentials were refused: answered 401."""


class StrictAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self.clients = ClientCache(inner)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except Exception as error:  # see the module docstring
            raise Unauthenticated(f"{type(error).__name__}: {error}") from error
        # An inbound turn takes its connector from the factory in the result, not
        # from create_connector_factory: that one must reuse clients too.
        if result.connector_factory is not None:
            result.connector_factory = self.clients.reusing(
                result.connector_factory, result.claims_identity
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        try:
            return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        except Exception as error:
            raise Unauthenticated(f"{type(error).__name__}: {error}") from error

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self.clients.connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        return await self.clients.user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
