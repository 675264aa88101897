"""Sending the outbox's notifications: a card to the leaders, an update of that card, or
news for one person (an idea's submitter). One at a time: they are few; none is sent
while a transaction is open."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.errors import DeliveryError
from bot.events import ConversationRef, MessageRef
from bot.local_time import resolve_zone
from bot.messages import OutboundMessage, from_body
from bot.outbox.rows import after_failed_send, fail
from bot.outbox.send_check import wishes_of
from bot.outbox.send_rules import earliest_allowed
from bot.pathway.cards import read_old_card
from storage.engine import Database
from storage.ideas import IdeaRepository
from storage.models import Notification, Person
from storage.notifications import NotificationRepository
from storage.states import NotificationAudience, NotificationState

MISSING_ADAPTER_RETRY = timedelta(minutes=5)
# How long a claimed notification is left alone while it is on the wire; due again
# after that only if this process died mid-send.
NOTIFICATION_LEASE = timedelta(minutes=2)


@runtime_checkable
class TemplateSender(Protocol):
    """An adapter that lays a fan-out's prompt template out once and sends each delivery
    its copy with only the delivery's target put in (Slack: building and laying out each
    prompt afresh cost 20 µs of the event loop per prompt)."""

    async def send_filled(
        self,
        to: ConversationRef,
        template: OutboundMessage,
        target: str,
        delivery_id: int,
        *,
        paced: bool = False,
    ) -> MessageRef:
        """As `send(to, fill(template, target, delivery_id))`."""
        ...


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
    database: Database,
    ctx: BotContext,
    senders: Mapping[str, Sender],
    lease: timedelta = NOTIFICATION_LEASE,
) -> bool:
    """Send one due notification; False when none is due.

    Claimed and leased (due again only if this process dies) in one transaction, sent
    with none open, recorded in another: a slow platform must not hold the database.
    """
    now = ctx.clock.now()
    async with database.transaction() as session:
        claimed = await NotificationRepository(session).claim_due(now, limit=1)
        if not claimed:
            return False
        note = claimed[0]
        plan = await _plan(session, ctx, senders, note, now)
        if plan is None:
            return True  # settled without sending: failed, or deferred
        note.due_at = now + lease
    ref: MessageRef | None = None
    failure: DeliveryError | None = None
    try:
        ref = await plan.send()
    except DeliveryError as error:
        failure = error
    async with database.transaction() as session:
        leased = await NotificationRepository(session).get(plan.note_id)
        if leased is not None:
            await _record(session, leased, plan.message, ref, failure, ctx.clock.now())
    return True


@dataclass(frozen=True)
class _Plan:
    note_id: int
    message: OutboundMessage
    send: Callable[[], Awaitable[MessageRef | None]]


async def _plan(
    session: AsyncSession,
    ctx: BotContext,
    senders: Mapping[str, Sender],
    note: Notification,
    now: datetime,
) -> _Plan | None:
    """How to send `note` now; None when it is settled here instead (gone, quiet, no adapter)."""
    message = from_body(note.body, lambda raw: read_old_card(ctx.say, raw))
    person = await session.get(Person, note.person_id) if note.person_id else None
    platform = note.platform
    to: ConversationRef | None = None
    if note.person_id is not None:
        if person is None or person.gone or not person.conversation_ref:
            fail(note, "recipient gone or never reachable")
            return None
        later = _quiet_until(ctx, person, now)
        if later is not None:
            note.due_at = later
            return None
        to = ConversationRef.from_dict(person.conversation_ref)
        platform = to.platform
    sender = senders.get(platform)
    if sender is None:
        note.due_at = now + MISSING_ADAPTER_RETRY
        note.last_error = f"no adapter running for {platform}"
        return None
    return _Plan(note.id, message, _sending(sender, note.workspace, note.audience, to, message))


def _sending(
    sender: Sender,
    workspace: str,
    audience: str,
    to: ConversationRef | None,
    message: OutboundMessage,
) -> Callable[[], Awaitable[MessageRef | None]]:
    async def send() -> MessageRef | None:
        if to is not None:
            return await sender.send(to, message, paced=True)
        if message.replaces is not None:
            await sender.update(message.replaces, message)
            return message.replaces
        return await sender.announce(workspace, audience, message)

    return send


async def _record(
    session: AsyncSession,
    note: Notification,
    message: OutboundMessage,
    ref: MessageRef | None,
    failure: DeliveryError | None,
    now: datetime,
) -> None:
    if failure is not None:
        after_failed_send(note, failure, now)
        return
    note.attempts += 1
    note.state = NotificationState.SENT if ref is not None else NotificationState.NOWHERE
    note.message_ref = ref.to_dict() if ref is not None else None
    # A new card posted for the leaders (a submitter's news carries a card of its own).
    posted = note.audience == NotificationAudience.LEADERS and message.replaces is None
    if ref is not None and message.idea is not None and posted:
        # A card just posted for one workspace's leaders: every later pathway move
        # updates it, beside the cards of the organisation's other workspaces.
        idea = await IdeaRepository(session).locked(message.idea.idea_id)
        if idea is not None:
            idea.card_refs = [*idea.card_refs, {**ref.to_dict(), "workspace": note.workspace}]


def _quiet_until(ctx: BotContext, person: Person, now: datetime) -> datetime | None:
    """News waits for the morning (and Monday) like a prompt; snooze is about questions."""
    wishes = replace(wishes_of(ctx, person), snoozed_until=None)
    zone, _ = resolve_zone(person.timezone, ctx.default_timezone)
    moment, _reasons = earliest_allowed(now, zone, wishes)
    return moment if moment is not None and moment > now else None
