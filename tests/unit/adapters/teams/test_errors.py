"""Bot Connector failures -> neutral delivery errors, and the reply retry loop.

The exceptions are built as botbuilder builds them: ErrorResponseException over a real
requests.Response (what msrest hands it), ClientRequestError wrapping a requests error.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator

import aiohttp
import pytest
import requests
from botbuilder.schema import ErrorResponseException
from botframework.connector import models
from botframework.connector.aio import ConnectorClient
from msrest import Deserializer
from msrest.exceptions import ClientRequestError, TokenExpiredError, ValidationError
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from adapters.teams.errors import (
    DEFAULT_RETRY_AFTER,
    disable_internal_retries,
    neutral_error,
    retry_after_seconds,
    with_retries,
)
from bot.errors import (
    DeliveryError,
    FatalError,
    RateLimited,
    RecipientGone,
    TransientError,
)

CLIENT_MODELS = {k: v for k, v in models.__dict__.items() if isinstance(v, type)}
DESERIALIZE = Deserializer(CLIENT_MODELS)  # type: ignore[no-untyped-call]


def connector_error(
    status: int, headers: dict[str, str] | None = None, code: str = "SomeCode"
) -> ErrorResponseException:
    """What ConversationsOperations raises for a non-2xx answer."""
    response = requests.Response()
    response.status_code = status
    response.reason = "Reason"
    response.url = "https://smba.example/v3/conversations/a:1/activities"
    response.headers.update({"Content-Type": "application/json", **(headers or {})})
    body = {"error": {"code": code, "message": "no"}}
    response._content = json.dumps(body).encode()
    return ErrorResponseException(DESERIALIZE, response)


def request_error(inner: Exception) -> ClientRequestError:
    """What msrest raises when no answer came back (it wraps the requests error)."""
    return ClientRequestError("Error occurred in request.", inner)


# --- neutral_error ---


def test_the_built_exception_is_what_botbuilder_raises() -> None:
    error = connector_error(404, code="ConversationNotFound")
    assert error.response.status_code == 404
    assert str(error) == "(ConversationNotFound) no"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (412, TransientError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
        (408, TransientError),
        (403, RecipientGone),
        (404, RecipientGone),
        (401, FatalError),
        (400, FatalError),
        (413, FatalError),
    ],
)
def test_statuses_map_to_neutral_errors(status: int, expected: type[DeliveryError]) -> None:
    error = neutral_error(connector_error(status))
    assert type(error) is expected
    assert str(status) in str(error)


def test_429_carries_retry_after_seconds() -> None:
    error = neutral_error(connector_error(429, {"Retry-After": "7"}, code="Throttled"))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_429_without_retry_after_waits_a_second() -> None:
    error = neutral_error(connector_error(429))
    assert isinstance(error, RateLimited)
    assert error.retry_after == DEFAULT_RETRY_AFTER == 1.0


def test_a_plain_status_response_without_json_body_still_maps() -> None:
    response = requests.Response()
    response.status_code = 502
    response.reason = "Bad Gateway"
    response._content = b"<html>bad gateway</html>"
    assert isinstance(neutral_error(ErrorResponseException(DESERIALIZE, response)), TransientError)


@pytest.mark.parametrize(
    "inner",
    [
        requests.ConnectionError("refused"),
        requests.ReadTimeout("slow"),
        requests.ConnectTimeout("slow"),
        requests.exceptions.RetryError("msrest's own retries used up"),
    ],
)
def test_no_answer_is_transient(inner: Exception) -> None:
    assert isinstance(neutral_error(request_error(inner)), TransientError)


def test_a_bad_url_is_fatal() -> None:
    assert isinstance(neutral_error(request_error(requests.exceptions.InvalidURL())), FatalError)


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("token endpoint down"),  # raised bare by a token fetch
        aiohttp.ClientConnectionError("refused"),
        aiohttp.ServerDisconnectedError(),
        TimeoutError(),
        ConnectionRefusedError(),
    ],
)
def test_other_network_failures_are_transient(error: BaseException) -> None:
    assert isinstance(neutral_error(error), TransientError)


def test_aiohttp_status_errors_map_like_requests_ones() -> None:
    url = URL("https://smba.example/v3/conversations/a:1/activities")
    request = aiohttp.RequestInfo(url, "POST", CIMultiDictProxy(CIMultiDict()), url)
    headers = CIMultiDictProxy(CIMultiDict({"retry-after": "3"}))  # any case, as aiohttp
    limited = aiohttp.ClientResponseError(request, (), status=429, headers=headers)
    error = neutral_error(limited)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 3.0


@pytest.mark.parametrize(
    "error",
    [
        PermissionError("Failed to get access token"),
        TokenExpiredError("Token expired or is invalid."),
        ValidationError("required", "activity", ""),
        KeyError("something else"),
    ],
)
def test_credential_and_unknown_failures_are_fatal(error: BaseException) -> None:
    assert isinstance(neutral_error(error), FatalError)


def test_neutral_errors_pass_through() -> None:
    gone = RecipientGone("already neutral")
    assert neutral_error(gone) is gone


# --- Retry-After ---


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        (" 2 ", 2.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        (None, 1.0),
        ("", 1.0),
        ("soon", 1.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),  # an HTTP date, 10 s after `now`
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # already passed
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(value, now=now) == pytest.approx(seconds)


# --- disable_internal_retries ---


def test_disable_internal_retries_leaves_every_status_to_the_caller() -> None:
    client = ConnectorClient(object(), base_url="https://smba.example/")
    policy = client.config.retry_policy.policy
    assert policy.total == 3 and 502 in policy.status_forcelist  # msrest's default
    disable_internal_retries(client)
    assert policy is client.config.retry_policy()  # changed in place: what sessions get
    for status, method in [(502, "PUT"), (503, "PUT"), (429, "PUT"), (502, "POST")]:
        assert not policy.is_retry(method, status, has_retry_after=True)
    assert policy.raise_on_status is False


# --- with_retries ---


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def failing(*errors: BaseException, result: str = "sent") -> Callable[[], Awaitable[str]]:
    """A call raising each of `errors` in turn, then returning `result`."""
    pending: Iterator[BaseException] = iter(errors)

    async def call() -> str:
        error = next(pending, None)
        if error is not None:
            raise error
        return result

    return call


def fixed(value: float) -> Callable[[], float]:
    return lambda: value


async def test_a_first_success_does_not_sleep() -> None:
    sleeps = Sleeps()
    assert await with_retries(failing(), sleep=sleeps) == "sent"
    assert sleeps.delays == []


async def test_transient_failures_back_off_exponentially_with_full_jitter() -> None:
    sleeps = Sleeps()
    call = failing(connector_error(502), connector_error(503), connector_error(504))
    assert await with_retries(call, sleep=sleeps, rand=fixed(1.0)) == "sent"
    assert sleeps.delays == [0.5, 1.0, 2.0]

    sleeps = Sleeps()
    call = failing(connector_error(502), connector_error(502))
    assert await with_retries(call, sleep=sleeps, rand=fixed(0.5)) == "sent"
    assert sleeps.delays == [0.25, 0.5]  # full jitter: anywhere in [0, cap)


async def test_backoff_is_capped() -> None:
    sleeps = Sleeps()
    call = failing(*(TransientError("down") for _ in range(5)))
    await with_retries(call, attempts=6, max_delay=1.5, sleep=sleeps, rand=fixed(1.0))
    assert sleeps.delays == [0.5, 1.0, 1.5, 1.5, 1.5]


async def test_rate_limited_waits_retry_after_plus_jitter() -> None:
    sleeps = Sleeps()
    call = failing(connector_error(429, {"Retry-After": "2"}))
    assert await with_retries(call, sleep=sleeps, rand=fixed(0.5)) == "sent"
    assert sleeps.delays == [2.25]


async def test_a_retry_after_longer_than_max_delay_is_raised_for_the_caller() -> None:
    sleeps = Sleeps()
    call = failing(connector_error(429, {"Retry-After": "30"}))
    with pytest.raises(RateLimited) as raised:
        await with_retries(call, sleep=sleeps)
    assert raised.value.retry_after == 30.0
    assert sleeps.delays == []


async def test_gives_up_after_attempts_with_the_last_error() -> None:
    sleeps = Sleeps()
    original = connector_error(504)
    call = failing(connector_error(502), connector_error(502), original)
    with pytest.raises(TransientError) as raised:
        await with_retries(call, attempts=3, sleep=sleeps, rand=fixed(0.0))
    assert raised.value.__cause__ is original
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize(
    "error",
    [connector_error(403), connector_error(404), connector_error(401), RecipientGone("gone")],
)
async def test_gone_and_fatal_are_raised_at_once(error: Exception) -> None:
    sleeps = Sleeps()
    with pytest.raises((RecipientGone, FatalError)):
        await with_retries(failing(error), sleep=sleeps)
    assert sleeps.delays == []


async def test_neutral_errors_from_the_call_are_retried_too() -> None:
    sleeps = Sleeps()
    call = failing(RateLimited(1.0), TransientError("blip"))
    assert await with_retries(call, sleep=sleeps, rand=fixed(0.0)) == "sent"
    assert sleeps.delays == [1.0, 0.0]


async def test_bugs_are_not_swallowed_or_retried() -> None:
    sleeps = Sleeps()
    with pytest.raises(KeyError):
        await with_retries(failing(KeyError("bug")), sleep=sleeps)
    assert sleeps.delays == []


async def test_needs_an_attempt() -> None:
    with pytest.raises(ValueError):
        await with_retries(failing(), attempts=0)
