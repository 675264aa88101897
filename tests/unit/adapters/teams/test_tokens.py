"""The bot's token is fetched in a worker thread and kept for signing; renewed in
the background as it ages; a failed fetch makes sends fail as retryable, never wait."""

from __future__ import annotations

import asyncio
import threading

import pytest

from adapters.teams import tokens
from adapters.teams.tokens import OffLoopCredentialFactory, OffLoopCredentials, make_ready
from bot.errors import TransientError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LoginHost:
    """Shaped like botbuilder's MicrosoftAppCredentials: the credentials being wrapped."""

    microsoft_app_id = "app-1"
    tenant = "botframework.com"
    oauth_scope = "https://api.botframework.com"
    oauth_endpoint = "https://login.example/botframework.com"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.asked_from: list[int] = []  # thread ids
        self.fail_next = 0

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.asked_from.append(threading.get_ident())
        threading.Event().wait(self.delay)
        if self.fail_next:
            self.fail_next -= 1
            raise PermissionError("login host answered 503")
        return f"token-{len(self.asked_from)}"


async def test_ready_fetches_in_a_worker_thread_and_signing_uses_what_it_kept() -> None:
    host = LoginHost()
    credentials = OffLoopCredentials(host, now=Clock())

    await credentials.ready()

    assert host.asked_from and host.asked_from[0] != threading.get_ident()
    assert credentials.get_access_token() == "token-1"
    assert credentials.get_access_token() == "token-1"
    assert len(host.asked_from) == 1


async def test_callers_waiting_on_one_fetch_share_it() -> None:
    host = LoginHost(delay=0.1)
    credentials = OffLoopCredentials(host, now=Clock())

    await asyncio.gather(*(credentials.ready() for _ in range(5)))

    assert len(host.asked_from) == 1


async def test_an_ageing_token_is_renewed_by_ready_and_an_old_one_never_signs() -> None:
    clock = Clock()
    host = LoginHost()
    credentials = OffLoopCredentials(host, now=clock)
    await credentials.ready()

    clock.now += tokens.REFRESH_AFTER_SECONDS - 1
    await credentials.ready()
    assert len(host.asked_from) == 1  # still fresh

    clock.now += 2
    await credentials.ready()
    assert credentials.get_access_token() == "token-2"

    # Never made ready again: past USE_FOR the login host is asked directly.
    clock.now += tokens.USE_FOR_SECONDS + 1
    assert credentials.get_access_token() == "token-3"


async def test_a_failed_fetch_makes_signing_fail_as_retryable_until_a_fetch_succeeds() -> None:
    host = LoginHost()
    host.fail_next = 1
    credentials = OffLoopCredentials(host, now=Clock())

    with pytest.raises(PermissionError):
        await credentials.ready()
    with pytest.raises(TransientError):
        credentials.get_access_token()
    assert len(host.asked_from) == 1  # signing did not ask the failing host on the loop

    await credentials.ready()  # a later send's retry
    assert credentials.get_access_token() == "token-2"


async def test_a_failed_refresh_keeps_signing_with_the_token_still_valid() -> None:
    clock = Clock()
    host = LoginHost()
    credentials = OffLoopCredentials(host, now=clock)
    await credentials.ready()
    clock.now += tokens.REFRESH_AFTER_SECONDS + 1
    host.fail_next = 1

    await make_ready(credentials)  # logged, not raised

    assert credentials.get_access_token() == "token-1"


async def test_a_slow_login_host_is_waited_for_once_and_its_late_token_is_kept() -> None:
    host = LoginHost(delay=0.6)
    credentials = OffLoopCredentials(host, now=Clock(), fetch_timeout=0.2)

    outcomes = await asyncio.gather(
        *(credentials.ready() for _ in range(3)), return_exceptions=True
    )

    assert all(isinstance(outcome, TransientError) for outcome in outcomes)
    with pytest.raises(TransientError):
        credentials.get_access_token()  # signing never waits on the login host
    with pytest.raises(TransientError):
        await credentials.ready()  # the same fetch is still running: not a second one
    assert await _late_token(credentials) == "token-1"
    assert len(host.asked_from) == 1


async def _late_token(credentials: OffLoopCredentials) -> str:
    """The token signing uses, once the slow fetch has answered (bounded: 3 s)."""
    for _ in range(150):
        try:
            return credentials.get_access_token()
        except TransientError:
            await asyncio.sleep(0.02)
    raise AssertionError("the slow fetch never answered")


class Factory:
    """Shaped like botbuilder's ServiceClientCredentialsFactory."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> object:
        host = LoginHost()
        host.microsoft_app_id = self.app_id
        return host


async def test_the_factory_wraps_app_credentials_and_leaves_anonymous_ones() -> None:
    signed = await OffLoopCredentialFactory(Factory("app-1")).create_credentials(
        "app-1", "scope", "login", True
    )
    anonymous = await OffLoopCredentialFactory(Factory("")).create_credentials(
        "", "scope", "login", True
    )

    assert isinstance(signed, OffLoopCredentials) and signed.microsoft_app_id == "app-1"
    assert isinstance(anonymous, LoginHost)
    assert await OffLoopCredentialFactory(Factory("app-1")).is_valid_app_id("app-1")
    assert not await OffLoopCredentialFactory(Factory("app-1")).is_authentication_disabled()
