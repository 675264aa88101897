"""Deciding one claimed prompt at send time: it goes now (a plan to send, worded), or
the row changes (waits, is withheld, closes, is skipped or fails), with the reason."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import structlog

from bot import metrics
from bot.context import BotContext
from bot.events import ConversationRef
from bot.local_time import resolve_zone
from bot.outbox.notifier import MISSING_ADAPTER_RETRY
from bot.outbox.recording import PlannedSend
from bot.outbox.send_check import (
    CLOSE,
    DEFER,
    FAIL,
    SEND,
    SKIP,
    WITHHOLD,
    verdict,
    window_of,
    wishes_of,
)
from bot.outbox.send_rules import reminder_due
from bot.pulses.prompting import question_message
from storage.dispatch import ClaimedDelivery, ClaimedOccurrence, Recipient
from storage.models import Pulse
from storage.states import DeliveryState

log = structlog.get_logger(__name__)


def plan_send(
    ctx: BotContext,
    platforms: Collection[str],
    row: ClaimedDelivery,
    person: Recipient,
    pulse: Pulse | None,
    recent: Sequence[datetime],
    now: datetime,
    changes: list[dict[str, Any]],
) -> PlannedSend | None:
    """The plan to send, if it goes now; otherwise the row's change, in `changes`.
    `platforms`: those this process has an adapter for."""
    found = verdict(ctx, row, person, pulse, recent, now)
    if row.reminder and found.action != SEND:
        # The one reminder waits or is dropped; the prompt itself stays as it is.
        until = found.until if found.action == DEFER else None
        reason = f"reminder: {found.reason}"
        changes.append({"id": row.id, "reminder_due_at": until, "reason": reason})
        return None
    if found.action != SEND:
        changes.append(_settled(row.id, found.action, found.until, found.reason))
        platform = str((person.conversation_ref or {}).get("platform", "unknown"))
        metrics.DELIVERIES.labels(platform, found.action).inc()
        return None
    assert person.conversation_ref is not None  # verdict fails a person without one
    conversation = ConversationRef.from_dict(person.conversation_ref)
    if conversation.platform not in platforms:
        # That platform's adapter is not configured in this process: try again later.
        changes.append(
            {
                "id": row.id,
                "due_at": now + MISSING_ADAPTER_RETRY,
                "last_error": f"no adapter running for {conversation.platform}",
            }
        )
        return None
    occurrence = row.occurrence
    prompt = ctx.content.prompt(occurrence.prompt_ids[row.next_index])
    message = question_message(ctx, prompt, row.id, row.next_index, len(occurrence.prompt_ids))
    if row.reminder:
        message = replace(message, text=ctx.say("prompt.reminder"))  # said first
    return PlannedSend(
        row.id,
        conversation,
        message,
        reminder=row.reminder,
        note=found.reason,
        attempts=row.attempts,
        person_id=person.id,
        claimed_at=now,
        lease_until=now,  # set once the batch is decided
        reminder_due_at=None if row.reminder else _reminder_at(ctx, person, pulse, occurrence, now),
    )


def _reminder_at(
    ctx: BotContext,
    person: Recipient,
    pulse: Pulse | None,
    occurrence: ClaimedOccurrence,
    now: datetime,
) -> datetime | None:
    if pulse is None or not pulse.reminder_after_hours:
        return None
    zone, _ = resolve_zone(person.timezone, ctx.default_timezone)
    return reminder_due(
        now,
        pulse.reminder_after_hours,
        zone=zone,
        wishes=wishes_of(ctx, person),
        window=window_of(pulse),
        closes=occurrence.closes_at,
    )


def _settled(delivery_id: int, action: str, until: datetime | None, reason: str) -> dict[str, Any]:
    """A prompt that does not go now: where it stays, and why."""
    change: dict[str, Any] = {"id": delivery_id, "reason": reason or None}
    if action == DEFER:
        assert until is not None
        change["due_at"] = until
    elif action == WITHHOLD:
        change["state"] = DeliveryState.WITHHELD
    elif action == CLOSE:
        change["state"] = DeliveryState.CLOSED
    elif action == SKIP:
        change["state"] = DeliveryState.SKIPPED
    elif action == FAIL:
        change |= {"state": DeliveryState.FAILED, "last_error": reason}
        log.warning("delivery.failed", id=delivery_id, reason=reason)
    return change
