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
from bot.messages import OutboundMessage
from bot.outbox.notifier import MISSING_ADAPTER_RETRY
from bot.outbox.recording import PlannedSend
from bot.outbox.send_check import (
    CLOSE,
    DEFER,
    FAIL,
    SEND,
    SKIP,
    WITHHOLD,
    Decisions,
    verdict,
)
from bot.outbox.send_rules import reminder_due
from bot.pulses.prompting import QuestionMessages, target_of
from storage.dispatch import ClaimedDelivery, ClaimedOccurrence, PulseRules, Recipient
from storage.states import DeliveryState

log = structlog.get_logger(__name__)


class Planner:
    """Decides the prompts of one claim, at the claim's moment: each goes now (a plan to
    send, worded), or its row changes (waits, is withheld, closes, is skipped or fails),
    with the reason. `platforms`: those this process has an adapter for."""

    def __init__(self, ctx: BotContext, platforms: Collection[str], now: datetime) -> None:
        self.ctx = ctx
        self.platforms = platforms
        self.now = now
        self.decisions = Decisions(ctx, now)
        self.messages = QuestionMessages(ctx)
        self._reminders: dict[tuple[Any, ...], datetime | None] = {}
        # By the id of a template `messages` keeps (so the id stays its own).
        self._reminder_templates: dict[int, OutboundMessage] = {}

    def plan(
        self,
        row: ClaimedDelivery,
        pulse: PulseRules | None,
        recent: Sequence[datetime],
        changes: list[dict[str, Any]],
    ) -> PlannedSend | None:
        """The plan to send, if it goes now; otherwise the row's change, in `changes`."""
        ctx, now, person = self.ctx, self.now, row.person
        found = verdict(ctx, row, person, pulse, recent, now, self.decisions)
        if row.reminder and found.action != SEND:
            # The one reminder waits or is dropped; the prompt itself stays as it is.
            until = found.until if found.action == DEFER else None
            reason = f"reminder: {found.reason}"
            changes.append({"id": row.id, "reminder_due_at": until, "reason": reason})
            return None
        if found.action != SEND:
            changes.append(_settled(row.id, found.action, found.until, found.reason))
            platform = str((person.conversation_ref or {}).get("platform", "unknown"))
            metrics.deliveries(platform, found.action).inc()
            return None
        assert person.conversation_ref is not None  # verdict fails a person without one
        conversation = ConversationRef.from_dict(person.conversation_ref)
        if conversation.platform not in self.platforms:
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
        total = len(occurrence.prompt_ids)
        template = self.messages.template(prompt, row.next_index, total)
        if row.reminder:
            template = self._reminder(template)
        return PlannedSend(
            row.id,
            conversation,
            template,
            reminder=row.reminder,
            note=found.reason,
            attempts=row.attempts,
            person_id=person.id,
            claimed_at=now,
            lease_until=now,  # set once the batch is decided
            reminder_due_at=None if row.reminder else self._reminder_at(person, pulse, occurrence),
            target=target_of(row.id, prompt.id),
        )

    def _reminder(self, template: OutboundMessage) -> OutboundMessage:
        """The template with the reminder's lead-in said first, made once per template
        (an adapter lays each template out once)."""
        found = self._reminder_templates.get(id(template))
        if found is None:
            found = replace(template, text=self.ctx.say("prompt.reminder"))
            self._reminder_templates[id(template)] = found
        return found

    def _reminder_at(
        self, person: Recipient, pulse: PulseRules | None, occurrence: ClaimedOccurrence
    ) -> datetime | None:
        if pulse is None or not pulse.reminder_after_hours:
            return None
        zone = self.decisions.zone(person.timezone).zone
        wishes = self.decisions.wishes(person)
        window = self.decisions.window(pulse)
        # A pure function of these: people alike get it worked out once.
        key = (zone.key, wishes, window, pulse.reminder_after_hours, occurrence.closes_at)
        if key not in self._reminders:
            self._reminders[key] = reminder_due(
                self.now,
                pulse.reminder_after_hours,
                zone=zone,
                wishes=wishes,
                window=window,
                closes=occurrence.closes_at,
            )
        return self._reminders[key]


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
