"""bolt listeners: ack at once, then (queued) translate, hand to the core, reply.

bolt passes listeners the arguments their parameter names ask for, so two small
shapes cover every listener: events (bolt acks when the listener returns) and
interactions (acked explicitly). The work after the ack goes to the WorkQueue,
which lets acks go first (adapters/slack/work_queue.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from adapters.base import ChatAdapter
from adapters.slack import inbound
from adapters.slack.blocks import parse_modal_submission
from adapters.slack.inbound import Profile
from adapters.slack.replies import PressedEphemeral, deliver, for_person, reply_privately
from adapters.slack.web_api import SlackWebApi
from adapters.slack.work_queue import WorkQueue
from bot.actions import IDEA_FROM_MESSAGE, IDEA_OPEN_FORM
from bot.conversation.dispatcher import Dispatcher
from bot.events import ActionInvoked, ConversationRef, HomeOpened, InboundEvent, ProfileChanged
from bot.messages import OutboundMessage

log = structlog.get_logger(__name__)

# An action id no handler has: the core answers it with its polite "that no longer works".
UNREADABLE_FORM = "form.unreadable"
MAX_SHORTCUT_TEXT = 4000

Listener = Callable[..., Awaitable[None]]
EventWork = Callable[[dict[str, Any], dict[str, Any], AsyncBoltContext], Coroutine[Any, Any, None]]
InteractionWork = Callable[[dict[str, Any], AsyncRespond], Coroutine[Any, Any, None]]


class SlackListeners:
    def __init__(
        self, adapter: ChatAdapter, dispatcher: Dispatcher, web: SlackWebApi, work: WorkQueue
    ) -> None:
        self.adapter = adapter  # replies go out through its send/update/open_form
        self.dispatcher = dispatcher
        self.web = web
        self.work = work

    def register(self, app: AsyncApp) -> None:
        app.event("message")(self._acked_event(self._message))
        app.event("app_mention")(self._acked_event(self._mention))
        app.event("app_home_opened")(self._acked_event(self._home_opened))
        app.event("user_change")(self._acked_event(self._user_change))
        app.action(re.compile(".*"))(self._acked(self._block_action))
        app.view(re.compile(".*"))(self._acked(self._view_submission))
        app.command("/thrive")(self._acked(self._command))
        app.shortcut("thrive.share_idea")(self._acked(self._share_idea))
        app.shortcut("thrive.message_to_idea")(self._acked(self._message_to_idea))
        app.error(self._on_error)

    def _acked_event(self, work: EventWork) -> Listener:
        async def listener(
            body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
        ) -> None:
            # bolt acks an event when we return
            self.work.submit(_unless_unusable(work(body, event, context)))

        return listener

    def _acked(self, work: InteractionWork) -> Listener:
        async def listener(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            self.work.submit(_unless_unusable(work(body, respond)))

        return listener

    # --- events ---

    async def _message(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if inbound.is_own_message(event, context.bot_user_id, context.bot_id):
            return
        if event.get("channel_type") != "im":
            return  # channel chatter is not for us; mentions arrive as app_mention
        team_id = str(body.get("team_id") or context.team_id or "")
        event_id = body.get("event_id")
        subtype = event.get("subtype")
        if subtype == "message_changed":
            edited = inbound.edited_message(team_id, event, event_id)
            if edited is not None:
                await self._dispatch(edited, inbound.dm_ref(team_id, edited.person.user_id))
            return
        if subtype not in (None, "file_share", "thread_broadcast"):
            return  # joins, deletions and the like
        user_id = str(event.get("user") or "")
        self.web.remember_dm(team_id, user_id, str(event.get("channel")))
        profile = await self._profile(team_id, user_id)
        received = inbound.direct_message(team_id, event, event_id, profile, context.bot_user_id)
        reply_to = received.conversation
        if event.get("thread_ts"):  # answer in the thread the person wrote in
            channel = str(event.get("channel") or "")
            thread = inbound.channel_ref(team_id, channel, str(event["thread_ts"]))
            reply_to = for_person(thread, user_id)
        await self._dispatch(received, reply_to)

    async def _mention(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if inbound.is_own_message(event, context.bot_user_id, context.bot_id):
            return
        team_id = str(body.get("team_id") or context.team_id or "")
        user_id = str(event.get("user") or "")
        profile = await self._profile(team_id, user_id)
        command = inbound.mention_command(
            team_id, event, body.get("event_id"), profile, context.bot_user_id
        )
        outcome = await self.dispatcher.handle(command)
        if outcome.duplicate:
            return
        # A channel is public: nothing of the person's but plain words, and those only
        # for them (ephemeral, in the thread).
        channel = str(event.get("channel") or "")
        thread = str(event.get("thread_ts") or event.get("ts") or "")

        async def ephemeral(reply: OutboundMessage) -> None:
            await self.web.post_ephemeral(team_id, channel, user_id, reply, thread)

        await reply_privately(
            self.adapter, self.dispatcher, outcome.replies, ephemeral, self._dm(team_id, user_id)
        )

    async def _home_opened(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        team_id = str(body.get("team_id") or context.team_id or "")
        user_id = str(event.get("user") or "")
        profile = await self._profile(team_id, user_id)
        opened = HomeOpened(
            person=inbound.person_ref(team_id, user_id, profile),
            conversation=self._dm(team_id, user_id),
            event_id=body.get("event_id"),
        )
        outcome = await self.dispatcher.handle(opened)
        if outcome.duplicate:
            return
        await self.web.publish_home(team_id, user_id, outcome.replies)

    async def _user_change(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        user = event.get("user") or {}
        # The workspace that told us, not the user's home team (Slack Connect guests).
        team_id = str(body.get("team_id") or context.team_id or user.get("team_id") or "")
        user_id = str(user.get("id") or "")
        profile = inbound.profile_of(user)
        self.web.remember_profile(team_id, user_id, profile)
        changed = ProfileChanged(
            person=inbound.person_ref(team_id, user_id, profile),
            conversation=self._dm(team_id, user_id),
            event_id=body.get("event_id"),
            deactivated=bool(user.get("deleted")),
        )
        await self.dispatcher.handle(changed)

    # --- interactions ---

    async def _block_action(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        # No users.info wait here: an Answer press must open its modal within 3 s.
        action = inbound.block_action(body, self.web.cached_profile(team_id, user_id))
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or "")
        to = action.conversation
        if channel and not channel.startswith("D"):
            to = for_person(
                inbound.channel_ref(team_id, channel, container.get("thread_ts")), user_id
            )
        pressed = None
        response_url = str(body.get("response_url") or "")
        if container.get("is_ephemeral") and response_url and action.message_ref is not None:
            pressed = PressedEphemeral(action.message_ref, response_url)
        await self._dispatch(action, to, trigger=body.get("trigger_id"), pressed=pressed)

    async def _view_submission(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        # The ack closed the modal; replies arrive in the DM.
        team_id, user_id = inbound.team_and_user(body)
        try:
            action_id, value, fields = parse_modal_submission(body.get("view") or {})
        except ValueError as problem:
            log.info("slack.unreadable_form", reason=str(problem)[:200])
            action_id, value, fields = UNREADABLE_FORM, "", {}
        submitted = inbound.form_submission(body, action_id, value, fields)
        await self._dispatch(submitted, self._dm(team_id, user_id))

    async def _command(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id = str(body.get("team_id") or "")
        user_id = str(body.get("user_id") or "")
        command = inbound.slash_command(body, await self._profile(team_id, user_id))
        outcome = await self.dispatcher.handle(command)
        response_url = str(body.get("response_url") or "")

        async def ephemeral(reply: OutboundMessage) -> None:
            await self.web.respond(response_url, reply, respond)

        await reply_privately(
            self.adapter, self.dispatcher, outcome.replies, ephemeral, command.conversation
        )

    async def _share_idea(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        profile = self.web.cached_profile(team_id, user_id)
        dm = self._dm(team_id, user_id)
        opened = ActionInvoked(
            person=inbound.person_ref(team_id, user_id, profile),
            conversation=dm,
            action_id=IDEA_OPEN_FORM,
        )
        await self._dispatch(opened, dm, trigger=body.get("trigger_id"))

    async def _message_to_idea(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        text = str((body.get("message") or {}).get("text") or "")[:MAX_SHORTCUT_TEXT]
        dm = self._dm(team_id, user_id)
        shared = ActionInvoked(
            person=inbound.person_ref(team_id, user_id, await self._profile(team_id, user_id)),
            conversation=dm,
            action_id=IDEA_FROM_MESSAGE,
            value=text,
        )
        await self._dispatch(shared, dm)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack.listener_failed", error=repr(error), type=body.get("type"))

    # --- helpers ---

    async def _dispatch(
        self,
        event: InboundEvent,
        reply_to: ConversationRef,
        trigger: str | None = None,
        pressed: PressedEphemeral | None = None,
    ) -> None:
        outcome = await self.dispatcher.handle(event)
        if outcome.duplicate:
            return
        for reply in outcome.replies:  # messages to update are in the person's workspace
            if reply.replaces is not None:
                self.web.tokens.learn(reply.replaces.conversation_id, event.person.workspace)
        try:
            await deliver(
                self.adapter, self.dispatcher, self.web, reply_to, outcome.replies, trigger, pressed
            )
        except Exception as error:  # the answer is stored; only the reply failed
            log.warning("slack.reply_failed", error=repr(error))

    async def _profile(self, team_id: str, user_id: str) -> Profile | None:
        return await self.web.profile(team_id, user_id)

    def _dm(self, team_id: str, user_id: str) -> ConversationRef:
        """The person's DM, with its channel id once known."""
        return inbound.dm_ref(team_id, user_id, self.web.dm_of(team_id, user_id))


async def _unless_unusable(job: Coroutine[Any, Any, None]) -> None:
    """A well-formed payload that still lacks what the core needs (a message event with
    no user, a profile change with no id) is dropped after the ack with one log line:
    nobody could be answered, and it is not a fault of ours worth a traceback."""
    try:
        await job
    except inbound.UnusablePayload as problem:
        log.info("slack.unusable_payload", reason=str(problem))
