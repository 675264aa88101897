"""A recording fake Sender, and a chat harness over the real Dispatcher and Outbox.

The only fake is the chat platform (the `Sender`): everything else is the real
core talking to a real SQLite database.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select

from bot.context import BotContext
from bot.conversation.dispatcher import Dispatcher, Outcome
from bot.errors import DeliveryError
from bot.events import (
    ActionInvoked,
    ConversationRef,
    InboundEvent,
    MemberAdded,
    MessageReceived,
    MessageRef,
    PersonRef,
)
from bot.messages import Button, OutboundMessage
from bot.outbox.delivery import Outbox
from bot.pulses.runs import OpenedOccurrence, ask_now
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import AuditEntry, Delivery, Idea, IdeaEvent, Person, Response
from storage.people import PeopleRepository

LOCAL = "local"
THREE_PROMPTS = ["joy-more", "autonomy-vital", "break-the-rules"]


def person_ref(user_id: str) -> PersonRef:
    return PersonRef(platform=LOCAL, workspace=LOCAL, user_id=user_id, display_name=user_id.title())


def conversation_ref(user_id: str) -> ConversationRef:
    return ConversationRef(platform=LOCAL, workspace=LOCAL, conversation_id=f"dm-{user_id}")


class RecordingSender:
    """Stands in for a chat platform: records what was sent, fails on demand."""

    def __init__(self) -> None:
        self.sent: list[tuple[ConversationRef, OutboundMessage]] = []
        self._failures: list[DeliveryError] = []
        self.announced: list[tuple[str, str, OutboundMessage]] = []
        self.updated: list[tuple[MessageRef, OutboundMessage]] = []

    def fail_next(self, *errors: DeliveryError) -> None:
        """The next sends raise these, in order; later sends succeed again."""
        self._failures.extend(errors)

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append((to, message))
        return MessageRef(LOCAL, to.conversation_id, str(len(self.sent)))

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.updated.append((ref, message))

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        self.announced.append((workspace, audience, message))
        return MessageRef(LOCAL, f"{audience}-room", str(len(self.announced)))

    def messages_to(self, user_id: str) -> list[OutboundMessage]:
        return [message for to, message in self.sent if to.conversation_id == f"dm-{user_id}"]


class ChatHarness:
    """Clinicians talking to the bot: events in, replies out, the database to look at."""

    def __init__(self, database: Database, ctx: BotContext, sender: RecordingSender) -> None:
        self.database = database
        self.ctx = ctx
        self.sender = sender
        self.dispatcher = Dispatcher(database, ctx)
        self.outbox = Outbox(database, ctx, {LOCAL: sender})
        self._event_ids = itertools.count(1)
        self._reply_ids = itertools.count(1)
        # Replies as the person's chat client shows them, with the ref each was shown under.
        self.shown: list[tuple[MessageRef, OutboundMessage]] = []

    def _next_event_id(self) -> str:
        return f"evt-{next(self._event_ids)}"

    async def handle(self, event: InboundEvent) -> Outcome:
        """Hand the event to the core and show the replies the way an adapter does."""
        outcome = await self.dispatcher.handle(event)
        for reply in outcome.replies:
            ref = reply.replaces or MessageRef(
                LOCAL, event.conversation.conversation_id, f"reply-{next(self._reply_ids)}"
            )
            self.shown.append((ref, reply))
            if reply.question is not None and reply.question.delivery_id is not None:
                await self.dispatcher.prompt_shown(reply.question.delivery_id, ref)
        return outcome

    def ref_of(self, message: OutboundMessage) -> MessageRef:
        """Where a message (a reply, or a prompt the outbox sent) appeared."""
        for ref, shown in reversed(self.shown):
            if shown is message:
                return ref
        for position, (to, sent) in enumerate(self.sender.sent, start=1):
            if sent is message:
                return MessageRef(LOCAL, to.conversation_id, str(position))
        raise AssertionError(f"{message.text!r} was never shown")

    async def join(self, user_id: str) -> Person:
        """The person meets the bot (and is created as a clinician)."""
        await self.handle(
            MemberAdded(person_ref(user_id), conversation_ref(user_id), self._next_event_id())
        )
        return await self.person(user_id)

    async def say(
        self, user_id: str, text: str, *, event_id: str | None = None
    ) -> Sequence[OutboundMessage]:
        event = MessageReceived(
            person_ref(user_id),
            conversation_ref(user_id),
            event_id or self._next_event_id(),
            text=text,
        )
        return (await self.handle(event)).replies

    async def press(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        fields: Mapping[str, str] | None = None,
        message_ref: MessageRef | None = None,
    ) -> Sequence[OutboundMessage]:
        event = ActionInvoked(
            person_ref(user_id),
            conversation_ref(user_id),
            self._next_event_id(),
            action_id=action_id,
            value=value,
            fields=dict(fields or {}),
            message_ref=message_ref,
        )
        return (await self.handle(event)).replies

    async def press_button(
        self, user_id: str, button: Button, on: OutboundMessage | None = None
    ) -> Sequence[OutboundMessage]:
        """Press a button, optionally saying which message it was on."""
        ref = self.ref_of(on) if on is not None else None
        return await self.press(user_id, button.action_id, button.value, message_ref=ref)

    async def pick(
        self, user_id: str, asked: OutboundMessage, option: str
    ) -> Sequence[OutboundMessage]:
        """Press one of a question's option buttons (a scale number or a choice)."""
        assert asked.question is not None and asked.question.option_action_id
        return await self.press(
            user_id,
            asked.question.option_action_id,
            asked.question.option_value_prefix + option,
            message_ref=self.ref_of(asked),
        )

    async def open_prompts(
        self,
        user_ids: Iterable[str],
        prompt_ids: list[str],
        *,
        anonymity: str = "confidential",
    ) -> OpenedOccurrence:
        """Open an occurrence for these people and let the outbox send what is due."""
        people = [await self.person(user_id) for user_id in user_ids]
        opened = await ask_now(
            self.database, self.ctx, self.outbox, people, prompt_ids, anonymity=anonymity
        )
        await self.outbox.dispatch_due()
        return opened

    async def grant(self, user_id: str, role: str) -> Person:
        """The person meets the bot and is given a role (a leader, say)."""
        person = await self.join(user_id)
        async with self.database.transaction() as session:
            people = PeopleRepository(session)
            found = await people.get(person.id)
            assert found is not None
            await people.grant(found, role, now=self.ctx.clock.now())
        return person

    # --- Looking at the database ---

    async def person(self, user_id: str) -> Person:
        async with self.database.transaction() as session:
            person = await PeopleRepository(session).find_by_ref(LOCAL, LOCAL, user_id)
        assert person is not None, f"{user_id} has never talked to the bot"
        return person

    async def responses(self) -> list[Response]:
        async with self.database.transaction() as session:
            return list(await session.scalars(select(Response).order_by(Response.id)))

    async def ideas(self) -> list[Idea]:
        async with self.database.transaction() as session:
            return list(await session.scalars(select(Idea).order_by(Idea.id)))

    async def idea(self, idea_id: int) -> Idea:
        async with self.database.transaction() as session:
            found = await session.get(Idea, idea_id)
        assert found is not None
        return found

    async def idea_events(self, idea_id: int) -> list[IdeaEvent]:
        async with self.database.transaction() as session:
            return list(
                await session.scalars(
                    select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.id)
                )
            )

    async def deliveries(self) -> list[Delivery]:
        async with self.database.transaction() as session:
            return list(await session.scalars(select(Delivery).order_by(Delivery.id)))

    async def audit(self) -> list[AuditEntry]:
        async with self.database.transaction() as session:
            return list(await AuditRepository(session).entries(AuditFilter()))


async def update_person(database: Database, person_id: int, **values: object) -> None:
    """Set a person's columns directly, as if they had changed them some other way."""
    async with database.transaction() as session:
        person = await PeopleRepository(session).get(person_id)
        assert person is not None
        for name, value in values.items():
            setattr(person, name, value)


def texts(replies: Iterable[OutboundMessage]) -> list[str]:
    return [reply.text for reply in replies]


def button(replies: Iterable[OutboundMessage], action_id: str) -> Button:
    """The one button with this action id among the replies."""
    found = [b for reply in replies for b in reply.buttons if b.action_id == action_id]
    assert len(found) == 1, f"expected one {action_id} button, found {found}"
    return found[0]


def question(replies: Iterable[OutboundMessage]) -> OutboundMessage:
    """The one reply that asks a question."""
    asked = [reply for reply in replies if reply.question is not None]
    assert len(asked) == 1, f"expected one question among {texts(asked)}"
    return asked[0]
