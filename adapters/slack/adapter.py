"""The Slack adapter: slack-bolt's AsyncApp at POST /slack/events on the shared server.

Bolt verifies signatures (5-minute replay window). Every listener acks at once
and leaves the real work (translate, hand the event to the core, send the
replies) to a background task, so Slack gets its answer in about a
millisecond. (bolt's own ack-first mode polls for ack() every 10 ms; with
process_before_response=True and our own task we skip that floor.)

Outbound calls (adapters/slack/web_api.py) go through slack_sdk's AsyncWebClient
with its rate-limit and server-error retry handlers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import deliver_replies
from adapters.slack import inbound
from adapters.slack.blocks import parse_modal_submission
from adapters.slack.config import SlackConfig
from adapters.slack.inbound import SLACK_PLATFORM, Profile
from adapters.slack.manifest import OAUTH_REDIRECT_PATH
from adapters.slack.oauth import INSTALL_PATH, SlackInstallations
from adapters.slack.web_api import SlackWebApi
from bot.actions import IDEA_FROM_MESSAGE, IDEA_OPEN_FORM
from bot.dispatcher import Dispatcher
from bot.events import (
    ActionInvoked,
    ConversationRef,
    HomeOpened,
    InboundEvent,
    MessageRef,
    ProfileChanged,
)
from bot.messages import OutboundMessage

log = structlog.get_logger(__name__)

# An action id no handler has: the core answers it with its polite "that no longer works".
UNREADABLE_FORM = "form.unreadable"
MAX_SHORTCUT_TEXT = 4000
SHUTDOWN_GRACE_SECONDS = 10.0

Listener = Callable[..., Awaitable[None]]
EventWork = Callable[[dict[str, Any], dict[str, Any], AsyncBoltContext], Coroutine[Any, Any, None]]
InteractionWork = Callable[[dict[str, Any], AsyncRespond], Coroutine[Any, Any, None]]


class SlackAdapter:
    platform = SLACK_PLATFORM

    def __init__(
        self, config: SlackConfig, dispatcher: Dispatcher, *, engine: AsyncEngine | None = None
    ) -> None:
        """`engine` (our database's) is needed only for OAuth installs (`config.uses_oauth`)."""
        self.config = config
        self.dispatcher = dispatcher
        # One workspace: config.bot_token. OAuth installs: each workspace's token from the
        # installation store (bolt authorizes inbound requests from the same store).
        self.installations = (
            SlackInstallations.from_config(config, engine) if config.uses_oauth else None
        )
        self.web = SlackWebApi(config, self.installations)
        self.app = AsyncApp(
            signing_secret=config.signing_secret,
            client=self.web.client,  # bolt's OAuth flow calls oauth.v2.access through it too
            oauth_settings=(
                self.installations.oauth_settings() if self.installations is not None else None
            ),
            process_before_response=True,  # we ack first ourselves: see _acked()
        )
        if self.installations is not None:
            self.app.use(self._learn_channel)
        self._work: set[asyncio.Task[None]] = set()
        self._verifier = SignatureVerifier(config.signing_secret)
        self._register()

    # --- ChatAdapter ---

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/slack/events", self._handle_request)
        if self.installations is not None:
            app.router.add_get(INSTALL_PATH, self._install)
            app.router.add_get(OAUTH_REDIRECT_PATH, self._oauth_redirect)
            # Mounted before create_app adds the outbox loop, so this runs before any send.
            app.cleanup_ctx.append(self._installation_tables)
        app.on_shutdown.append(self._finish_work)

    async def send(self, to: ConversationRef, message: OutboundMessage) -> MessageRef:
        return await self.web.post(to, message)

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        await self.web.update(ref, message)

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Leaders read new ideas in THRIVE_SLACK_LEADERS_CHANNEL (the bot is invited)."""
        channel = self.config.leaders_channel
        if audience != "leaders" or not channel:
            return None
        return await self.web.post(inbound.channel_ref(workspace, channel), message)

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        return await self.web.open_form(to, form_message, trigger)

    # --- HTTP ---

    async def _handle_request(self, request: web.Request) -> web.Response:
        raw = await request.text()
        # Checked here as well as in bolt: a forged request must not even be parsed, and a
        # signed one bolt cannot parse deserves a 400, not bolt's 500.
        if not self._verifier.is_valid_request(raw, dict(request.headers)):
            log.info("slack.bad_signature", path=request.path)
            return _json_error(401, "invalid_signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=raw, query=request.query_string, headers=dict(request.headers)
            )
        except Exception as problem:  # bolt parses JSON and form bodies itself
            log.info("slack.malformed_body", reason=repr(problem))
            return _json_error(400, "malformed_body")
        bolt_response = await self.app.async_dispatch(bolt_request)
        if bolt_response.status == 404:  # a well-signed payload no listener understands
            log.info("slack.unhandled_payload", body_type=bolt_request.body.get("type"))
            return _json_error(400, "unhandled_payload")
        if bolt_response.status >= 400:
            log.info("slack.request_refused", status=bolt_response.status, path=request.path)
        return await to_aiohttp_response(bolt_response)

    # --- Listeners: translate, hand to the core, send the replies ---

    def _register(self) -> None:
        self.app.event("message")(self._acked_event(self._message))
        self.app.event("app_mention")(self._acked_event(self._mention))
        self.app.event("app_home_opened")(self._acked_event(self._home_opened))
        self.app.event("user_change")(self._acked_event(self._user_change))
        self.app.action(re.compile(".*"))(self._acked(self._block_action))
        self.app.view(re.compile(".*"))(self._acked(self._view_submission))
        self.app.command("/thrive")(self._acked(self._command))
        self.app.shortcut("thrive.share_idea")(self._acked(self._share_idea))
        self.app.shortcut("thrive.message_to_idea")(self._acked(self._message_to_idea))
        self.app.error(self._on_error)

    # bolt passes listeners the arguments their parameter names ask for, so these two
    # small shapes cover every listener: ack now, work later.

    def _acked_event(self, work: EventWork) -> Listener:
        async def listener(
            body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
        ) -> None:
            self._later(work(body, event, context))  # bolt acks an event when we return

        return listener

    def _acked(self, work: InteractionWork) -> Listener:
        async def listener(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            self._later(work(body, respond))

        return listener

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
        received = inbound.direct_message(team_id, event, event_id, profile)
        reply_to = received.conversation
        if event.get("thread_ts"):  # answer in the thread the person wrote in
            reply_to = inbound.channel_ref(team_id, str(event["channel"]), str(event["thread_ts"]))
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
        channel = str(event["channel"])
        thread = str(event.get("thread_ts") or event.get("ts") or "")

        async def ephemeral(reply: OutboundMessage) -> None:
            await self.web.post_ephemeral(team_id, channel, user_id, reply, thread)

        dm = inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id))
        await self._reply_privately(outcome.replies, ephemeral, dm)

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
            conversation=inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
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
        profile = Profile(
            timezone=user.get("tz"),
            display_name=str(user.get("real_name") or user.get("name") or ""),
        )
        self.web.remember_profile(team_id, user_id, profile)
        changed = ProfileChanged(
            person=inbound.person_ref(team_id, user_id, profile),
            conversation=inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
            event_id=body.get("event_id"),
            deactivated=bool(user.get("deleted")),
        )
        await self.dispatcher.handle(changed)

    async def _block_action(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        # No users.info wait here: an Answer press must open its modal within 3 s.
        action = inbound.block_action(body, self.web.cached_profile(team_id, user_id))
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or "")
        to = action.conversation
        if channel and not channel.startswith("D"):
            to = inbound.channel_ref(team_id, channel, container.get("thread_ts"))
        await self._dispatch(action, to, trigger=body.get("trigger_id"))

    async def _view_submission(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        # The ack closed the modal; replies arrive in the DM.
        team_id, user_id = inbound.team_and_user(body)
        try:
            action_id, value, fields = parse_modal_submission(body.get("view") or {})
        except ValueError as problem:
            log.info("slack.unreadable_form", reason=str(problem), user=user_id)
            action_id, value, fields = UNREADABLE_FORM, "", {}
        submitted = inbound.form_submission(body, action_id, value, fields)
        await self._dispatch(
            submitted, inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id))
        )

    async def _command(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id = str(body.get("team_id") or "")
        user_id = str(body.get("user_id") or "")
        command = inbound.slash_command(body, await self._profile(team_id, user_id))
        outcome = await self.dispatcher.handle(command)
        response_url = str(body.get("response_url") or "")

        async def ephemeral(reply: OutboundMessage) -> None:
            await self.web.respond(response_url, reply, respond)

        await self._reply_privately(outcome.replies, ephemeral, command.conversation)

    async def _share_idea(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        await self._dispatch(
            ActionInvoked(
                person=inbound.person_ref(
                    team_id, user_id, self.web.cached_profile(team_id, user_id)
                ),
                conversation=inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
                action_id=IDEA_OPEN_FORM,
            ),
            inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
            trigger=body.get("trigger_id"),
        )

    async def _message_to_idea(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        team_id, user_id = inbound.team_and_user(body)
        text = str((body.get("message") or {}).get("text") or "")[:MAX_SHORTCUT_TEXT]
        await self._dispatch(
            ActionInvoked(
                person=inbound.person_ref(team_id, user_id, await self._profile(team_id, user_id)),
                conversation=inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
                action_id=IDEA_FROM_MESSAGE,
                value=text,
            ),
            inbound.dm_ref(team_id, user_id, self._dm_of(team_id, user_id)),
        )

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack.listener_failed", error=repr(error), type=body.get("type"))

    # --- helpers ---

    async def _reply_privately(
        self,
        replies: Sequence[OutboundMessage],
        ephemeral: Callable[[OutboundMessage], Awaitable[None]],
        dm: ConversationRef,
    ) -> None:
        """Replies to something typed where others may see it (a channel, a command):
        plain ones only for the person, where they typed; anything with buttons (which must
        stay pressable and updatable) or a form goes to their DM."""
        for reply in replies:
            if _is_plain(reply):
                try:
                    await ephemeral(reply)
                except Exception as error:
                    log.warning("slack.reply_failed", error=repr(error), user=dm.conversation_id)
        interactive = [reply for reply in replies if not _is_plain(reply)]
        if interactive:
            await deliver_replies(self, self.dispatcher, dm, interactive)

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run the slow part after Slack has its ack; failures are logged, never lost."""
        task = asyncio.create_task(self._logged(work))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _logged(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:  # a listener must never take the server down
            log.exception("slack.work_failed")

    async def _finish_work(self, _app: web.Application) -> None:
        """At shutdown, let work already acked to Slack finish (bounded)."""
        if self._work:
            await asyncio.wait(set(self._work), timeout=SHUTDOWN_GRACE_SECONDS)
        await self.web.close()

    async def _dispatch(
        self, event: InboundEvent, reply_to: ConversationRef, trigger: str | None = None
    ) -> None:
        outcome = await self.dispatcher.handle(event)
        if outcome.duplicate:
            return
        for reply in outcome.replies:  # messages to update are in the person's workspace
            if reply.replaces is not None:
                self.web.tokens.learn(reply.replaces.conversation_id, event.person.workspace)
        try:
            await deliver_replies(self, self.dispatcher, reply_to, outcome.replies, trigger)
        except Exception as error:  # the answer is stored; only the reply failed
            log.warning("slack.reply_failed", error=repr(error), user=event.person.user_id)

    # --- OAuth installs (only with config.uses_oauth): bolt's flow, our routes ---

    async def _install(self, request: web.Request) -> web.Response:
        """The "Add to Slack" page, with a fresh state (stored, and set as a cookie)."""
        flow = self.app.oauth_flow
        assert flow is not None  # mounted only with OAuth installs
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        """Slack's redirect back: check the state, swap the code for a token, store it."""
        flow = self.app.oauth_flow
        assert flow is not None
        response = await flow.handle_callback(await to_bolt_request(request))
        if response.status >= 400:
            log.info("slack.install_refused", status=response.status)
        return await to_aiohttp_response(response)

    async def _installation_tables(self, _app: web.Application) -> AsyncIterator[None]:
        assert self.installations is not None
        await self.installations.create_tables()
        yield

    async def _profile(self, team_id: str, user_id: str) -> Profile | None:
        return await self.web.profile(team_id, user_id)

    def _dm_of(self, team_id: str, user_id: str) -> str | None:
        return self.web.dm_of(team_id, user_id)

    async def _learn_channel(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> None:
        """bolt middleware: note which workspace each channel we hear from is in."""
        self.web.tokens.learn_from(body)
        await next_()


def _json_error(status: int, code: str) -> web.Response:
    return web.json_response({"error": code}, status=status)


def _is_plain(reply: OutboundMessage) -> bool:
    return not (reply.buttons or reply.question or reply.form or reply.replaces)
