"""Bot Connector failures as the neutral delivery errors, and a retry loop for replies.

What botbuilder 4.17 raises (async ConnectorClient, msrest 0.7 over `requests`):

- a non-2xx answer: `botbuilder.schema.ErrorResponseException`, an msrest
  `HttpOperationError` whose `.response` is the `requests.Response` (status, headers);
- no answer (refused, reset, timed out): msrest `ClientRequestError` wrapping the
  `requests` exception (`.inner_exception`); a failing token fetch can also surface as a
  bare `requests` exception or PermissionError.

msrest also retries inside the call, in a worker thread (urllib3 `Retry`, total 3,
backoff 0.8 s): connection errors for every method, and for PUT (update_activity) 5xx
and 408, and 429 after sleeping its Retry-After. A PUT that keeps failing then ends
as `ClientRequestError(RetryError)` with the status lost. The outbox paces and retries
itself and must hear about a 429 at once, so `disable_internal_retries` switches that
off per client.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import requests
from msrest.exceptions import (
    AuthenticationError,
    ClientException,
    ClientRequestError,
    HttpOperationError,
    TokenExpiredError,
)
from urllib3.util.retry import Retry

from bot.errors import DeliveryError, FatalError, RateLimited, RecipientGone, TransientError

T = TypeVar("T")

DEFAULT_RETRY_AFTER = 1.0
# 412: Teams' "precondition failed" under load; the rest are the usual transient ones.
TRANSIENT_STATUSES = frozenset({408, 412})
# The bot was removed, the user blocked it or left, or the conversation is gone.
GONE_STATUSES = frozenset({403, 404})
# A request with a bad URL fails the same way every time.
_BAD_REQUEST = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)

# What a Bot Connector call can raise that `neutral_error` knows how to read; anything
# else (a bug) is left to propagate as it is.
CONNECTOR_ERRORS: tuple[type[BaseException], ...] = (
    ClientException,
    requests.RequestException,
    aiohttp.ClientError,
    # ConnectionError, TimeoutError (asyncio.TimeoutError on 3.11) and PermissionError
    # (botbuilder's token fetch refused) are all OSErrors.
    OSError,
)
_RETRIABLE: tuple[type[BaseException], ...] = (*CONNECTOR_ERRORS, DeliveryError)


def neutral_error(error: BaseException) -> DeliveryError:
    """The neutral delivery error for what a Bot Connector call raised."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, HttpOperationError):
        return _from_response(error)
    if isinstance(error, aiohttp.ClientResponseError):
        return _from_status(error.status, error.headers or {}, str(error))
    if isinstance(error, ClientRequestError):
        inner = getattr(error, "inner_exception", None)
        if isinstance(inner, _BAD_REQUEST):
            return FatalError(f"Teams: bad connector request: {error}")
        # Refused, reset, timed out, or msrest's own retries used up: worth another go.
        return TransientError(f"Teams: connector unreachable: {error}")
    if isinstance(error, (TokenExpiredError, AuthenticationError, PermissionError)):
        return FatalError(f"Teams: our credentials were refused: {error}")
    if isinstance(error, _BAD_REQUEST):
        return FatalError(f"Teams: bad connector request: {error}")
    if isinstance(error, (requests.RequestException, aiohttp.ClientError, OSError)):
        return TransientError(f"Teams: connector unreachable: {error}")
    return FatalError(f"Teams: {type(error).__name__}: {error}")


def _from_response(error: HttpOperationError) -> DeliveryError:
    response = error.response
    # requests.Response has status_code; an aiohttp response (msrest's aiohttp
    # driver) has status.
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if not isinstance(status, int):
        return TransientError(f"Teams: connector failed without a status: {error}")
    return _from_status(status, getattr(response, "headers", None) or {}, str(error))


def _from_status(status: int, headers: Any, detail: str) -> DeliveryError:
    message = f"Teams: connector answered {status}: {detail}"
    if status == 429:
        return RateLimited(retry_after_seconds(headers.get("Retry-After")), message)
    if status in GONE_STATUSES:
        return RecipientGone(message)
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientError(message)
    return FatalError(message)  # 401: our credentials; any other 4xx: our request


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float:
    """Retry-After as seconds: a number, or an HTTP date; 1 s when absent or unreadable."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:  # HTTP dates are GMT; parsedate leaves "-0000" naive
        return DEFAULT_RETRY_AFTER
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def disable_internal_retries(client: Any) -> None:
    """Make a botframework ConnectorClient try each call once and report what happened.

    msrest hands `client.config.retry_policy.policy` (a urllib3 Retry) to the requests
    session; it is changed in place so a session already made sees it too. With no
    status list and raise_on_status off, a 5xx or 429 comes back as the response, so
    botbuilder raises ErrorResponseException with the real status and Retry-After.
    """
    policy: Retry = client.config.retry_policy.policy
    policy.total = 0
    policy.connect = 0
    policy.read = 0
    policy.status = 0
    policy.status_forcelist = frozenset()
    policy.raise_on_status = False
    policy.respect_retry_after_header = False


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run a reply's connector call, retrying what may pass (for replies, not the outbox).

    429: waits its Retry-After plus up to `base_delay` of jitter, unless that is longer
    than `max_delay` (then it is raised, for the caller to queue rather than keep the
    person waiting). Transient: exponential backoff with full jitter. RecipientGone and
    FatalError are raised at once. Connector exceptions are raised as neutral errors.
    """
    if attempts < 1:
        raise ValueError("with_retries needs at least one attempt")
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except _RETRIABLE as raised:
            failure = neutral_error(raised)
            if isinstance(failure, RateLimited) and failure.retry_after <= max_delay:
                delay = failure.retry_after + rand() * base_delay
            elif isinstance(failure, TransientError):
                delay = rand() * min(max_delay, base_delay * 2 ** (attempt - 1))
            else:
                delay = None
            if delay is None or attempt == attempts:
                if failure is raised:
                    raise
                raise failure from raised
        await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")
