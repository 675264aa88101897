"""Sending the outbox's notifications: a card to the leaders, an update of that card, or
news for one person (an idea's submitter). One at a time: they are few."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.errors import DeliveryError
from bot.events import ConversationRef, MessageRef
from bot.local_time import resolve_zone
from bot.messages import OutboundMessage, from_body
from bot.outbox_rows import after_failed_send, fail
from bot.send_check import wishes_of
from bot.send_rules import earliest_allowed
from storage import notifications
from storage.engine import Database
from storage.models import Idea, Notification, Person
from storage.notifications import NotificationRepository

MISSING_ADAPTER_RETRY = timedelta(minutes=5)


class Sender(Protocol):
    """What the outbox needs of an adapter."""

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        """`paced`: the outbox sends it and paces the workspace itself, so a rate limit
        must come back as RateLimited at once rather than be waited out inside the call."""
        ...

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None: ...

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Post to where `audience` reads on this platform; None if nowhere is set up."""
        ...


async def send_one_notification(
    database: Database, ctx: BotContext, senders: Mapping[str, Sender]
) -> bool:
    """Send one due notification; False when none is due."""
    now = ctx.clock.now()
    async with database.transaction() as session:
        claimed = await NotificationRepository(session).claim_due(now, limit=1)
        if not claimed:
            return False
        await _notify(session, ctx, senders, claimed[0], now)
        return True


async def _notify(
    session: AsyncSession,
    ctx: BotContext,
    senders: Mapping[str, Sender],
    note: Notification,
    now: datetime,
) -> None:
    message = from_body(note.body)
    person = await session.get(Person, note.person_id) if note.person_id else None
    platform = note.platform
    if note.person_id is not None:
        if person is None or person.gone or not person.conversation_ref:
            fail(note, "recipient gone or never reachable")
            return
        later = _quiet_until(ctx, person, now)
        if later is not None:
            note.due_at = later
            return
        platform = ConversationRef.from_dict(person.conversation_ref).platform
    sender = senders.get(platform)
    if sender is None:
        note.due_at = now + MISSING_ADAPTER_RETRY
        note.last_error = f"no adapter running for {platform}"
        return
    try:
        ref = await _send(sender, note, person, message)
    except DeliveryError as error:
        after_failed_send(note, error, now)
        return
    note.attempts += 1
    note.state = notifications.SENT if ref is not None else notifications.NOWHERE
    note.message_ref = ref.to_dict() if ref is not None else None
    if ref is not None and message.idea is not None and message.replaces is None:
        # The card just posted is the one every later pathway move updates.
        idea = await session.get(Idea, message.idea.idea_id)
        if idea is not None:
            idea.card_ref = ref.to_dict()


def _quiet_until(ctx: BotContext, person: Person, now: datetime) -> datetime | None:
    """News waits for the morning (and Monday) like a prompt; snooze is about questions."""
    wishes = replace(wishes_of(ctx, person), snoozed_until=None)
    zone, _ = resolve_zone(person.timezone, ctx.default_timezone)
    moment, _reasons = earliest_allowed(now, zone, wishes)
    return moment if moment is not None and moment > now else None


async def _send(
    sender: Sender, note: Notification, person: Person | None, message: OutboundMessage
) -> MessageRef | None:
    if person is not None:
        assert person.conversation_ref is not None  # checked by the caller
        to = ConversationRef.from_dict(person.conversation_ref)
        return await sender.send(to, message, paced=True)
    if message.replaces is not None:
        await sender.update(message.replaces, message)
        return message.replaces
    return await sender.announce(note.workspace, note.audience, message)
