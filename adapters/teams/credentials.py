"""The bot's outbound token from a plain OAuth2 token endpoint (THRIVE_TEAMS_LOGIN_URL).

botbuilder gets the bot's token through msal, which insists on an https authority
and asks login.microsoftonline.com to discover it, so it cannot be pointed at a
loopback fake. With a login URL configured (tests), the same client-credentials
grant is made here with requests instead; everything else stays botbuilder's.
Without one (production), botbuilder's own factory and msal are used unchanged.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from botframework.connector.auth import (
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)

TOKEN_TIMEOUT_SECONDS = 10.0
# Like msal, hand out no token with under five minutes left: adapters/teams/tokens.py
# keeps what it is handed for a few minutes.
EARLY_RENEW_SECONDS = 300.0


class TokenEndpointCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
    def __init__(self, app_id: str, password: str, token_url: str, oauth_scope: str) -> None:
        super().__init__(app_id, password, oauth_scope=oauth_scope)
        self.token_url = token_url
        self._token: str | None = None
        self._expires = 0.0

    def get_access_token(self, force_refresh: bool = False) -> str:
        # Called in a worker thread by adapters/teams/tokens.py, and cached here too.
        if self._token and not force_refresh and time.monotonic() < self._expires:
            return self._token
        scope = self.oauth_scope
        if not scope.endswith("/.default"):
            scope += "/.default"
        answer = requests.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.microsoft_app_id,
                "client_secret": self.microsoft_app_password,
                "scope": scope,
            },
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
        if answer.status_code != 200:
            raise PermissionError(f"token endpoint answered {answer.status_code}")
        body: dict[str, Any] = answer.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in", 3600))
        self._expires = time.monotonic() + lifetime - EARLY_RENEW_SECONDS
        return self._token


class TokenEndpointCredentialFactory(PasswordServiceClientCredentialFactory):  # type: ignore[misc]
    def __init__(self, app_id: str, password: str, token_url: str) -> None:
        super().__init__(app_id, password)
        self.token_url = token_url
        self._by_scope: dict[str, TokenEndpointCredentials] = {}

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        if login_endpoint != self.token_url:
            return await super().create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        if app_id != self.app_id:
            raise PermissionError("invalid app id")
        if oauth_scope not in self._by_scope:  # one token cache per scope
            self._by_scope[oauth_scope] = TokenEndpointCredentials(
                app_id, self.password, self.token_url, oauth_scope
            )
        return self._by_scope[oauth_scope]
