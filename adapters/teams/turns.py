"""One Teams turn: save where it came from, map it, hand it to the core, answer.

Where the person hears back:
- in their 1:1 chat with the bot, always. A channel is public and Teams has no
  message only one person sees, so a channel @mention is answered in the person's
  1:1 chat (opened by the bot if it has none yet), and the person's prompts never
  go to a channel;
- an Action.Execute press is answered in the invoke response (see `invokes`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import structlog
from botbuilder.core import TurnContext
from botbuilder.core.invoke_response import InvokeResponse
from botbuilder.schema import Activity, ActivityTypes

from adapters.base import deliver_replies
from adapters.teams.inbound import (
    MESSAGE_UPDATE,
    action_invoked,
    channel_command,
    conversation_ref,
    edited_message,
    execute_invoked,
    installation,
    is_execute,
    is_personal,
    is_submission,
    mention_text,
    message_received,
)
from adapters.teams.invokes import ExecuteAnswer, execute_answer, message_body
from bot.errors import DeliveryError, FatalError, RecipientGone
from bot.events import ConversationRef, InboundEvent, MessageRef
from bot.messages import OutboundMessage

if TYPE_CHECKING:
    from adapters.teams.adapter import TeamsAdapter

log = structlog.get_logger(__name__)

# Said in a channel thread when the bot cannot open a private chat with the person (the
# core never sees such a turn, so the adapter says it, in the copy's words).
NO_PRIVATE_CHAT = "teams.no_private_chat"
UNREACHABLE = "teams.unreachable"
UNSUPPORTED_INVOKE = 400


class TeamsTurns:
    def __init__(self, adapter: TeamsAdapter) -> None:
        self.adapter = adapter
        # Work after an invoke's answer (botbuilder answers when the turn ends).
        self._after_answer: set[asyncio.Task[None]] = set()

    async def on_turn(self, turn: TurnContext, raw: Mapping[str, Any], tenant: str) -> None:
        """`raw`: the activity as posted. botbuilder's models drop fields they do not
        declare (a mention entity's `mentioned`), so mapping reads the JSON itself.
        `tenant`: whose organisation it is, as the adapter read it before auth."""
        here = conversation_ref(raw, tenant)
        await self.adapter.conversations.remember(here)  # install, and every turn
        if raw.get("type") == ActivityTypes.invoke:
            await self._invoke(turn, raw, tenant, here)
        elif raw.get("type") == ActivityTypes.conversation_update:
            event = installation(raw, tenant)
            if event is not None:
                await self._dispatch(event, here)
        elif raw.get("type") == ActivityTypes.message:
            await self._message(raw, tenant, here)
        elif raw.get("type") == MESSAGE_UPDATE:
            edited = edited_message(raw, tenant)
            if edited is not None:
                await self._dispatch(edited, here)
        else:  # reactions, typing, installationUpdate...: nothing to do
            log.debug("teams.activity_ignored", type=raw.get("type"))

    async def _message(self, raw: Mapping[str, Any], tenant: str, here: ConversationRef) -> None:
        if is_personal(raw):
            event: InboundEvent | None = action_invoked(raw, tenant) or message_received(
                raw, tenant
            )
            if event is not None:
                await self._dispatch(event, here)
            return
        words = mention_text(raw)
        if words is None and not is_submission(raw):
            return  # channel chatter not addressed to the bot
        chat = await self._personal_chat(raw, tenant, here)
        if isinstance(chat, str):
            await self._say_in_thread(raw, here, chat)
            return
        if words is not None:
            await self._dispatch(channel_command(raw, tenant, words, chat), chat)
            return
        submitted = action_invoked(raw, tenant, reply_to=chat)  # a form in a channel card
        if submitted is not None:
            await self._dispatch(submitted, chat)

    async def _invoke(
        self, turn: TurnContext, raw: Mapping[str, Any], tenant: str, here: ConversationRef
    ) -> None:
        if not is_execute(raw):
            log.info("teams.invoke_unsupported", name=raw.get("name"))
            await _answer_invoke(turn, UNSUPPORTED_INVOKE, {"error": "unsupported_invoke"})
            return
        chat = here if is_personal(raw) else await self._personal_chat(raw, tenant, here)
        if isinstance(chat, str):
            await _answer_invoke(turn, 200, message_body(chat))
            return
        event = execute_invoked(raw, tenant, chat)
        outcome = await self.adapter.dispatcher.handle(event)
        answer = execute_answer(outcome.replies, event.message_ref)
        await _answer_invoke(turn, 200, answer.body)
        # Teams shows the presser an error if the answer takes long: everyone's copy
        # of the card and the follow-ups go after it.
        task = asyncio.create_task(self._after_press(event.message_ref, answer, chat))
        self._after_answer.add(task)
        task.add_done_callback(self._after_answer.discard)

    async def finish(self, grace_seconds: float) -> None:
        """At shutdown: let the work after answered presses finish (bounded)."""
        if self._after_answer:
            await asyncio.wait(set(self._after_answer), timeout=grace_seconds)

    async def _after_press(
        self, pressed: MessageRef | None, answer: ExecuteAnswer, chat: ConversationRef
    ) -> None:
        if answer.update_everyone is not None and pressed is not None:
            try:
                await self.adapter.update(pressed, answer.update_everyone)
            except Exception as error:  # the presser sees the new card already
                log.warning("teams.card_update_failed", error=repr(error))
        await self._deliver(chat, answer.rest)

    async def _dispatch(self, event: InboundEvent, reply_to: ConversationRef) -> None:
        outcome = await self.adapter.dispatcher.handle(event)
        if not outcome.duplicate:
            await self._deliver(reply_to, outcome.replies)

    async def _deliver(self, to: ConversationRef, replies: Sequence[OutboundMessage]) -> None:
        if not replies:
            return
        try:
            await deliver_replies(self.adapter, self.adapter.dispatcher, to, replies)
        except Exception as error:  # what the person did is stored; only the reply failed
            log.warning("teams.reply_failed", error=repr(error))

    async def _personal_chat(
        self, raw: Mapping[str, Any], tenant: str, here: ConversationRef
    ) -> ConversationRef | str:
        """The person's 1:1 chat with the bot, opened if need be; else what to tell them."""
        say = self.adapter.dispatcher.ctx.say
        user_id = str(raw["from"]["id"])
        known = await self.adapter.conversations.personal_chat(tenant, user_id)
        if known is not None:
            return known
        try:
            return await self.adapter.open_personal_chat(here, user_id)
        except (RecipientGone, FatalError) as error:  # e.g. 403: the app may not
            log.warning("teams.personal_chat_refused", error=repr(error))
            return say(NO_PRIVATE_CHAT)
        except DeliveryError as error:  # still rate limited or down after retries
            log.warning("teams.personal_chat_failed", error=repr(error))
            return say(UNREACHABLE)

    async def _say_in_thread(
        self, raw: Mapping[str, Any], here: ConversationRef, text: str
    ) -> None:
        """A reply in the thread the person wrote in (its id keeps ";messageid=")."""
        thread_id = str(raw["conversation"]["id"])
        thread = ConversationRef(here.platform, here.workspace, thread_id, here.data)
        try:
            await self.adapter.send(thread, OutboundMessage(text=text))
        except Exception as error:
            log.warning("teams.reply_failed", error=repr(error))


async def _answer_invoke(turn: TurnContext, status: int, body: dict[str, Any]) -> None:
    """The invoke's HTTP answer. A plain dict body: botbuilder's own AdaptiveCardInvoke
    path serialises it twice (see issue 4), so it is never handed a model object."""
    await turn.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status, body))
    )
