"""The Teams adapter: botbuilder's CloudAdapter at POST /api/messages on the shared server.

botbuilder checks every inbound JWT (ConfigurationBotFrameworkAuthentication: the
channel's OpenID keys, issuer, audience = our app id, serviceurl claim). Before it
sees a request we refuse what no reply could go to (no serviceUrl, conversation or
from: 400) and answer any auth failure 401, so nothing reaches the core unsigned.

Turns are mapped by `inbound` and answered by `turns`. Everything the bot writes goes
out through the Bot Connector with botbuilder's continue_conversation (replies and
proactive prompts take the same path), rendered by `cards`; `update` replaces a card in
place (PUT); `announce` posts idea cards to the leaders' channel. Every conversation
seen is saved (`ConversationBook`), so all of this works after a restart. Writes into
one conversation keep to Teams' limits per conversation (`conversation_pace`).

botbuilder's blocking fetches of the channel's signing keys (`signing_keys`) and of
the bot's own token (`tokens`) are moved off the event loop; Bot Connector calls run
in msrest's worker threads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationParameters
from botbuilder.schema import ConversationReference as BotConversationReference
from botframework.connector.auth import PasswordServiceClientCredentialFactory

from adapters import json_guard
from adapters.teams.auth import StrictAuthentication, Unauthenticated
from adapters.teams.cards import render_activity
from adapters.teams.config import BotFrameworkSettings, TeamsConfig
from adapters.teams.conversation_pace import ConversationPace
from adapters.teams.conversations import ConversationBook
from adapters.teams.credentials import TokenEndpointCredentialFactory
from adapters.teams.errors import (
    CONNECTOR_ERRORS,
    neutral_error,
    with_retries,
)
from adapters.teams.inbound import (
    TEAMS_PLATFORM,
    UnusableActivity,
    check_activity,
    personal_ref,
    tenant_of,
)
from adapters.teams.signing_keys import PUBLIC_METADATA_URLS, use_off_loop_metadata
from adapters.teams.tokens import OffLoopCredentialFactory
from adapters.teams.turns import TeamsTurns
from bot.conversation.dispatcher import Dispatcher
from bot.errors import FatalError
from bot.events import ConversationRef, MessageRef
from bot.messages import Image, OutboundMessage
from storage.states import NotificationAudience

log = structlog.get_logger(__name__)

MESSAGES_PATH = "/api/messages"
SHUTDOWN_GRACE_SECONDS = 10.0


class TeamsAdapter:
    platform = TEAMS_PLATFORM

    def __init__(
        self, config: TeamsConfig, dispatcher: Dispatcher, conversations: ConversationBook
    ) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.conversations = conversations
        settings = BotFrameworkSettings(config)
        configured = [config.openid_metadata_url] if config.openid_metadata_url else []
        use_off_loop_metadata([*configured, *PUBLIC_METADATA_URLS])
        self.cloud = CloudAdapter(
            StrictAuthentication(
                ConfigurationBotFrameworkAuthentication(
                    settings, credentials_factory=_credentials(config, settings)
                )
            )
        )
        self.turns = TeamsTurns(self)
        self.pace = ConversationPace()

    # --- ChatAdapter ---

    def mount(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self._handle_request)
        app.on_shutdown.append(self._finish_work)

    async def _finish_work(self, _app: web.Application) -> None:
        # A press is answered before everyone's copy of the card is updated.
        await self.turns.finish(SHUTDOWN_GRACE_SECONDS)

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        """Post into a conversation: an Adaptive Card, or plain text. A reply is retried
        here (429s and 5xx, with backoff); the outbox (`paced`) hears of a failure at
        once, as a neutral error, and retries on its own schedule; that includes a
        conversation at its limit (ConversationBusy), which a reply would wait out."""
        if paced:
            return await self._post(to, message, may_wait=False)
        return await with_retries(lambda: self._post(to, message))

    async def upload_image(
        self, to: ConversationRef, image: Image, *, paced: bool = False
    ) -> MessageRef:
        """Teams takes no upload from a bot into a chat without Graph: the image travels
        in an Adaptive Card (a data URI), within the activity's size limit."""
        return await self.send(to, OutboundMessage(text="", image=image), paced=paced)

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace an earlier message in place (PUT .../activities/{id})."""
        to = await self.conversations.find(ref.conversation_id)
        if to is None or not ref.message_id:
            raise FatalError("Teams: no conversation reference for that message")

        async def replace(turn: TurnContext) -> None:
            activity = _activity(message)
            activity.id = ref.message_id
            async with self.pace.write(ref.conversation_id):
                await turn.update_activity(activity)

        await with_retries(lambda: self._continue(to, replace))

    async def _post(
        self, to: ConversationRef, message: OutboundMessage, *, may_wait: bool = True
    ) -> MessageRef:
        sent: list[str] = []

        async def post(turn: TurnContext) -> None:
            # botbuilder gives the continuation a made-up activity id, and would post a
            # "reply" to it (POST .../activities/{id}); without one it posts to the chat.
            turn.activity.id = None
            # Here, with the client and its token ready: the write is timed as it goes.
            async with self.pace.write(to.conversation_id, may_wait=may_wait):
                answer = await turn.send_activity(_activity(message))
            sent.append(answer.id if answer is not None and answer.id else "")

        await self._continue(to, post)
        return MessageRef(TEAMS_PLATFORM, to.conversation_id, sent[0] if sent else "")

    async def _continue(
        self, to: ConversationRef, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """Run `logic` in the conversation; Bot Connector failures come out neutral."""
        try:
            await self.cloud.continue_conversation(_reference(to), logic, self._bot_app_id())
        except CONNECTOR_ERRORS as failed:
            raise neutral_error(failed) from failed

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Leaders read new ideas in THRIVE_TEAMS_LEADERS_CHANNEL (the app is in its team)."""
        channel = self.config.leaders_channel
        if audience != NotificationAudience.LEADERS or not channel:
            return None
        to = await self.conversations.channel(workspace, channel)
        if to is None:  # the channel is another organisation's: their ideas stay theirs
            log.info("teams.leaders_channel_of_another_tenant", tenant=workspace)
            return None
        posted = await self.send(to, message)
        await self.conversations.remember(to)  # so its card can be updated after a restart
        return posted

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        # Teams has no modal for a bot message: the form is a card with inputs, in the chat.
        return await self.send(to, form_message)

    # --- what turns need ---

    async def open_personal_chat(self, near: ConversationRef, user_id: str) -> ConversationRef:
        """A 1:1 chat with someone met in a channel (POST /v3/conversations), saved."""
        created: list[str] = []

        async def opened(turn: TurnContext) -> None:
            created.append(str(turn.activity.conversation.id))

        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=near.data.get("bot_id", "")),
            members=[ChannelAccount(id=user_id)],
            tenant_id=near.workspace,
            channel_data={"tenant": {"id": near.workspace}},
        )

        async def create() -> None:
            await self.cloud.create_conversation(
                self._bot_app_id() or "",
                opened,
                parameters,
                near.data.get("channel_id", "msteams"),
                near.data["service_url"],
                None,
            )

        await with_retries(create)  # connector failures come out as neutral errors
        if not created or not created[0]:
            raise FatalError("Teams: the new conversation came back without an id")
        chat = personal_ref(near, created[0], user_id)
        await self.conversations.remember(chat)
        return chat

    def _bot_app_id(self) -> str | None:
        return self.config.app_id if self.config.auth else None

    # --- HTTP ---

    async def _handle_request(self, request: web.Request) -> web.Response:
        raw = await request.read()  # over the size limit: 413 (thrive/server.py)
        try:
            # Strict, shallow JSON with storable text (adapters/json_guard.py), shaped as
            # mapping and botbuilder read it: a hostile body never reaches either.
            body = check_activity(json_guard.loads(raw))
            # botbuilder's models refuse odd field types (a timestamp that is no date).
            activity = Activity().deserialize(dict(body))
        except (json_guard.BadJson, UnusableActivity) as problem:
            log.info("teams.unusable_activity", reason=str(problem)[:200])
            return web.json_response({"error": "unusable_activity"}, status=400)
        except ValueError as problem:  # msrest's: its message quotes the data, so not logged
            log.info("teams.unusable_activity", reason=type(problem).__name__)
            return web.json_response({"error": "unusable_activity"}, status=400)
        tenant = tenant_of(body, self.config.tenant_id)
        if self.config.tenant_id and tenant != self.config.tenant_id:
            # A single-tenant bot serves its own organisation only.
            log.info("teams.other_tenant", tenant=tenant)
            return web.json_response({"error": "other_tenant"}, status=403)
        auth_header = request.headers.get("Authorization", "")

        async def on_turn(turn: TurnContext) -> None:
            await self.turns.on_turn(turn, body, tenant)

        try:
            invoke = await self.cloud.process_activity(auth_header, activity, on_turn)
        except Unauthenticated as refused:  # StrictAuthentication: every auth failure
            log.info("teams.unauthorized", reason=str(refused))
            return web.json_response({"error": "unauthorized"}, status=401)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)


def _credentials(config: TeamsConfig, settings: BotFrameworkSettings) -> object:
    if not config.auth:  # no app id: botbuilder treats auth as disabled
        return PasswordServiceClientCredentialFactory()
    if config.login_url:
        inner: object = TokenEndpointCredentialFactory(
            config.app_id, config.app_password or "", config.login_url
        )
    else:
        inner = ConfigurationServiceClientCredentialFactory(settings)
    # Tokens are fetched in a worker thread, not by msrest on the event loop.
    return OffLoopCredentialFactory(inner)


def _reference(to: ConversationRef) -> BotConversationReference:
    data = to.data
    return BotConversationReference(
        channel_id=data.get("channel_id", "msteams"),
        service_url=data["service_url"],
        conversation=ConversationAccount(
            id=to.conversation_id,
            tenant_id=to.workspace,
            conversation_type=data.get("conversation_type", "personal"),
        ),
        bot=ChannelAccount(id=data.get("bot_id", ""), name=data.get("bot_name", "")),
        user=ChannelAccount(id=data.get("user_id", "")),
    )


def _activity(message: OutboundMessage) -> Activity:
    return Activity().deserialize(render_activity(message))
