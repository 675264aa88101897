"""What every outbox row (a prompt delivery, a notification) does after a failed send:
wait out a rate limit, back off from a transient error, give up on the rest."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from bot.errors import DeliveryError, RateLimited, RecipientGone, TransientError
from storage.states import DeliveryState

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 300.0


class OutboxRow(Protocol):
    id: int
    state: str
    due_at: datetime
    attempts: int
    last_error: str | None


def after_failed_send(row: OutboxRow, error: DeliveryError, now: datetime) -> str:
    """Bookkeeping after a failed send (giving up after MAX_ATTEMPTS transient errors).
    Returns what happened, for the metrics."""
    if isinstance(error, RateLimited):
        row.due_at = now + timedelta(seconds=max(error.retry_after, 1.0))
        row.last_error = f"rate limited, retry after {error.retry_after}s"
        return "rate_limited"
    if isinstance(error, TransientError):
        row.attempts += 1
        row.last_error = f"transient: {error}"
        if row.attempts >= MAX_ATTEMPTS:
            fail(row, f"gave up after {row.attempts} attempts: {error}")
        else:
            row.due_at = now + timedelta(seconds=backoff(row.attempts))
        return "transient"
    if isinstance(error, RecipientGone):
        fail(row, f"recipient gone: {error}")
        return "gone"
    fail(row, f"fatal: {error}")
    return "fatal"


def fail(row: OutboxRow, reason: str) -> None:
    # The same word in deliveries and notifications.
    row.state = DeliveryState.FAILED
    row.last_error = reason
    log.warning(f"{type(row).__name__.lower()}.failed", id=row.id, reason=reason)


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, so retries from many rows don't align."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)
