"""Routes inbound events to the services and returns the replies.

Each event is one transaction: a retried platform event id is recognised and
ignored; a domain error rolls everything back and becomes one sentence for
the person, with the details in the log.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.context import BotContext, Turn
from bot.conversation.action_routes import ACTIONS
from bot.conversation.home import home
from bot.conversation.message_routes import on_command, on_message, welcome_reply
from bot.errors import BadAction, ThriveError
from bot.events import (
    ActionInvoked,
    CommandInvoked,
    HomeOpened,
    InboundEvent,
    MemberAdded,
    MessageEdited,
    MessageReceived,
    MessageRef,
    ProfileChanged,
)
from bot.messages import OutboundMessage
from bot.people.directory import ensure_person, valid_timezone
from bot.people.permissions import ACTION_PERMISSIONS, permissions_of
from bot.privacy import pseudonym, redact
from bot.pulses import answers
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.ledger import LedgerRepository
from storage.people import PeopleRepository

log = structlog.get_logger(__name__)

Replies = list[OutboundMessage]

BUSY_ATTEMPTS = 4
BUSY_BACKOFF_SECONDS = 0.2


@dataclass(frozen=True)
class Outcome:
    """The replies to send, and whether the event was a repeat that was ignored."""

    replies: Replies
    duplicate: bool = False
    # The person asked to be forgotten: adapters erase what they keep of the chat.
    erase_history: bool = False


class Dispatcher:
    def __init__(self, database: Database, ctx: BotContext) -> None:
        self.database = database
        self.ctx = ctx

    async def handle(self, event: InboundEvent) -> Outcome:
        platform = event.person.platform
        with metrics.INBOUND_SECONDS.labels(platform).time():
            outcome, result = await self._handle(event)
        metrics.INBOUND_EVENTS.labels(platform, type(event).__name__, result).inc()
        return outcome

    async def _handle(self, event: InboundEvent) -> tuple[Outcome, str]:
        try:
            return await self._retrying_when_busy(event)
        except ThriveError as error:
            log.info(
                "inbound.refused",
                error=type(error).__name__,
                detail=redact(str(error)).text[:200],
                platform=event.person.platform,
                person=self._log_id(event.person.user_id),
            )
            # Only for the person (ephemeral in a Slack channel), like the error below.
            reply = OutboundMessage(text=error.sentence(self.ctx.say), private=True)
            return Outcome([reply]), "refused"
        except Exception:
            # A bug or an outage: nothing was committed; the person still gets a sentence.
            log.exception(
                "inbound.failed",
                platform=event.person.platform,
                event_type=type(event).__name__,
            )
            failed = OutboundMessage(text=self.ctx.say("error.generic"), private=True)
            return Outcome([failed]), "failed"

    def _log_id(self, platform_id: str | None) -> str:
        """What the log says for a person's or an event's platform id (which may hold the
        user id): a short keyed hash, the same in every line, reversible by no one."""
        return pseudonym(self.ctx.secret_key, "log", platform_id)[:12] if platform_id else ""

    async def _retrying_when_busy(self, event: InboundEvent) -> tuple[Outcome, str]:
        """The server's own SQLite transactions take turns (storage/engine.py), but a
        writer outside them (APScheduler's job store, a `thrive` CLI command) can still
        hold the file past the busy timeout. Everything rolled back, so the whole event
        is tried again rather than lost (a Slack event is acked already: nobody would
        send it again)."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                return await self._in_transaction(event)
            except OperationalError as error:
                if "locked" not in str(error.orig) or attempt == BUSY_ATTEMPTS:
                    raise
                log.warning(
                    "inbound.database_busy",
                    attempt=attempt,
                    event_hash=self._log_id(event.event_id),
                )
                await asyncio.sleep(BUSY_BACKOFF_SECONDS * attempt)
        raise AssertionError("unreachable")

    async def _in_transaction(self, event: InboundEvent) -> tuple[Outcome, str]:
        async with self.database.transaction() as session:
            turn_now = self.ctx.clock.now()
            turn_ledger = LedgerRepository(session)
            if event.event_id and not await turn_ledger.first_time_seen(
                event.person.platform, event.event_id, turn_now
            ):
                log.info(
                    "inbound.duplicate",
                    platform=event.person.platform,
                    event_hash=self._log_id(event.event_id),
                )
                return Outcome([], duplicate=True), "duplicate"
            if isinstance(event, ProfileChanged):
                return await self._profile_changed(session, event, turn_now)
            person, first_contact = await ensure_person(
                PeopleRepository(session),
                event.person,
                event.conversation,
                now=turn_now,
                default_timezone=self.ctx.default_timezone,
            )
            allowed = permissions_of(grant.role for grant in person.roles)
            turn = Turn(self.ctx, session, person, turn_now, allowed, first_contact)
            replies = await self._route(turn, event)
            return Outcome(replies, erase_history=turn.erase_history), "handled"

    async def _profile_changed(
        self, session: AsyncSession, event: ProfileChanged, now: datetime
    ) -> tuple[Outcome, str]:
        """A platform's profile news about someone we know: never signs anyone up."""
        ref = event.person
        person = await PeopleRepository(session).find_by_ref(
            ref.platform, ref.workspace, ref.user_id
        )
        if person is None:
            return Outcome([]), "ignored"
        # Deactivated people are never messaged again (until they come back).
        person.gone = event.deactivated
        if valid_timezone(ref.timezone):
            person.timezone = ref.timezone
        if ref.email:
            person.email = ref.email
        return Outcome([]), "handled"

    async def workspace_installed(self, platform: str, workspace: str, name: str) -> None:
        """A workspace installed the app (Slack's OAuth): it is known from now on, as an
        organisation of its own named after it, before anyone there writes."""
        async with self.database.transaction() as session:
            await PeopleRepository(session).workspace(
                platform, workspace, now=self.ctx.clock.now(), name=name
            )

    async def prompt_shown(self, delivery_id: int, ref: MessageRef) -> None:
        """Remember where a prompt sent as a reply appeared, to mark it answered later."""
        async with self.database.transaction() as session:
            delivery = await DeliveryRepository(session).get(delivery_id)
            if delivery is not None:
                delivery.message_ref = ref.to_dict()
                delivery.message_key = ref.key

    async def _route(self, turn: Turn, event: InboundEvent) -> Replies:
        if isinstance(event, MessageReceived):
            return await on_message(turn, event)
        if isinstance(event, CommandInvoked):
            return await on_command(turn, event.text, event.mentions)
        if isinstance(event, ActionInvoked):
            return await self._action(turn, event)
        if isinstance(event, HomeOpened):
            return await home(turn)
        if isinstance(event, MemberAdded):
            return await welcome_reply(turn)
        if isinstance(event, MessageEdited):
            if event.message_ref is None:
                return []
            return await answers.edit_answer(turn, event.message_ref, event.text)
        raise BadAction(f"unhandled event {type(event).__name__}")

    async def _action(self, turn: Turn, event: ActionInvoked) -> Replies:
        handler = ACTIONS.get(event.action_id)
        if handler is None:
            raise BadAction(f"unknown action id {event.action_id!r}")
        # Before the handler: a refused press changes nothing, not even a half step.
        turn.require(ACTION_PERMISSIONS[event.action_id])
        return await handler(turn, event)
