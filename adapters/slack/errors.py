"""Slack API failures mapped to the core's four neutral delivery errors."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.errors import DeliveryError, FatalError, RateLimited, RecipientGone, TransientError

# Errors that mean "this person or conversation is not there to message any more".
GONE_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "is_archived",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
    }
)
DEFAULT_RETRY_AFTER = 30.0


def neutral_error(error: Exception) -> DeliveryError:
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error", "")) if error.response.data else ""
        if status == 429 or code == "ratelimited":
            return RateLimited(_retry_after(error), f"slack: {code or 'rate limited'}")
        if code in GONE_ERRORS:
            return RecipientGone(f"slack: {code}")
        if status >= 500:
            return TransientError(f"slack: HTTP {status}")
        return FatalError(f"slack: {code or f'HTTP {status}'}")
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return TransientError(f"slack: {type(error).__name__}")
    return FatalError(f"slack: {type(error).__name__}: {error}")


def _retry_after(error: SlackApiError) -> float:
    raw = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
    try:
        return max(float(raw), 1.0) if raw is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
