"""The bot's own token, fetched in a worker thread before a Bot Connector call needs it.

msrest signs every Bot Connector request on the event loop, calling the credentials'
synchronous get_access_token. When the token is not cached (the first send, then
about hourly) that is a network call: msal to Azure AD (discovery and token, with no
timeout of its own), or the test token endpoint. While it runs, every request the
server is handling stands still; if the login host hangs, so does the server.

So botbuilder's credentials are wrapped (`OffLoopCredentialFactory`), and the client
cache (adapters/teams/clients.py) awaits `ready()` before handing out a client for
one of the bot's sends (inbound turns send nothing through theirs, and never wait):
it asks the inner credentials for a token in a thread, once for all waiters,
whenever the kept one is older than REFRESH_AFTER_SECONDS. Signing then answers from the kept
token. Azure AD tokens live an hour or more and msal hands out none with under five
minutes left, so a token is used for at most USE_FOR_SECONDS after it was handed
over; past that (a caller that skipped `ready()`), the inner credentials are asked
directly, as before. When a fetch fails or takes longer than FETCH_TIMEOUT_SECONDS,
the sends that need a token fail as TransientError (their callers retry, and the
retry fetches again) instead of waiting on the login host on the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from botframework.connector.auth import (
    AppCredentials,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msal import ConfidentialClientApplication

from bot.errors import TransientError

log = structlog.get_logger(__name__)

REFRESH_AFTER_SECONDS = 60.0
USE_FOR_SECONDS = 240.0
FETCH_TIMEOUT_SECONDS = 15.0
# Token fetches get threads of their own: one stuck on a login host must not take
# one of the default pool's, which Bot Connector sends and DNS lookups use.
TOKEN_FETCHES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="teams-token")


class OffLoopCredentials(AppCredentials):  # type: ignore[misc]
    def __init__(
        self,
        inner: Any,
        *,
        now: Callable[[], float] = time.monotonic,
        fetch_timeout: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(
            app_id=inner.microsoft_app_id,
            channel_auth_tenant=inner.tenant,
            oauth_scope=inner.oauth_scope,
        )
        self.oauth_endpoint = inner.oauth_endpoint
        self.inner = inner
        self._now = now
        self._fetch_timeout = fetch_timeout
        self._token: str | None = None
        self._fetched_at = 0.0
        self._failure: str | None = None  # why the last fetch failed, until one succeeds
        self._in_flight: asyncio.Future[str] | None = None
        _give_msal_a_timeout(inner, fetch_timeout)

    def get_access_token(self, force_refresh: bool = False) -> str:
        """Called by msrest, on the event loop, to sign each request."""
        if not force_refresh and self._younger_than(USE_FOR_SECONDS):
            assert self._token is not None
            return self._token
        if self._failure is not None:
            # Never wait on a login host that just failed here, on the loop: the send
            # fails as retryable, and its retry fetches again through ready().
            raise TransientError(f"Teams: no token for the Bot Connector: {self._failure}")
        return self._keep(self.inner.get_access_token(force_refresh))

    async def ready(self) -> None:
        """Make sure a fresh token is kept, fetching it in a thread if need be; raise
        what the fetch raised, or TransientError when it takes too long. There is one
        fetch at a time: callers that come while it runs share its outcome, and one
        that outlives the timeout is waited for, never doubled."""
        if self._younger_than(REFRESH_AFTER_SECONDS):
            return
        if self._in_flight is None:
            loop = asyncio.get_running_loop()
            self._in_flight = loop.run_in_executor(TOKEN_FETCHES, self.inner.get_access_token)
            self._in_flight.add_done_callback(self._fetched)
        try:
            await asyncio.wait_for(asyncio.shield(self._in_flight), self._fetch_timeout)
        except TimeoutError:
            self._failure = f"the login host did not answer in {self._fetch_timeout:.0f} s"
            raise TransientError(f"Teams: no token: {self._failure}") from None

    def _fetched(self, fetch: asyncio.Future[str]) -> None:
        # Runs on the loop when the thread is done, whoever was still waiting for it.
        self._in_flight = None
        if fetch.cancelled():
            return
        failed = fetch.exception()
        if failed is not None:
            self._failure = f"{type(failed).__name__}: {failed}"
        else:
            self._keep(fetch.result())

    def _younger_than(self, seconds: float) -> bool:
        return self._token is not None and self._now() - self._fetched_at < seconds

    def _keep(self, token: str) -> str:
        self._token, self._fetched_at, self._failure = token, self._now(), None
        return token


def _give_msal_a_timeout(inner: object, seconds: float) -> None:
    """botbuilder builds its msal app lazily, with no timeout: a login host that never
    answers would hold a thread for good. The same app, built here, with one."""
    if type(inner) is not MicrosoftAppCredentials:  # a subclass may build its own
        return
    credentials: Any = inner
    if credentials.app is None:
        credentials.app = ConfidentialClientApplication(
            client_id=credentials.microsoft_app_id,
            client_credential=credentials.microsoft_app_password,
            authority=credentials.oauth_endpoint,
            timeout=seconds,
        )


async def make_ready(credentials: object) -> None:
    """Fetch the token off the loop if these are our credentials. A failure is only
    logged here: the send that needs the token then fails as a TransientError, which
    its caller retries (a reply with backoff, the outbox on its schedule)."""
    if not isinstance(credentials, OffLoopCredentials):
        return
    try:
        await credentials.ready()
    except Exception as error:  # msal, requests or the endpoint: all mean "no token yet"
        log.warning("teams.token_fetch_failed", error=f"{type(error).__name__}: {error}")


class OffLoopCredentialFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """botbuilder's credential factory, with every app credential wrapped."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self.inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self.inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        credentials = await self.inner.create_credentials(
            app_id, oauth_scope, login_endpoint, validate_authority
        )
        if not getattr(credentials, "microsoft_app_id", None):
            return credentials  # auth off: nothing is signed
        return OffLoopCredentials(credentials)
