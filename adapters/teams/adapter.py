"""The Teams adapter: botbuilder's CloudAdapter at POST /api/messages on the shared server.

botbuilder checks every inbound JWT (ConfigurationBotFrameworkAuthentication: the
channel's OpenID keys, issuer, audience = our app id, serviceurl claim). Before it
sees a request we refuse what no reply could go to (no serviceUrl, conversation or
from: 400) and answer any auth failure 401, so nothing reaches the core unsigned.

So far (issue 4): a personal-chat text message becomes MessageReceived and a card's
Action.Submit becomes ActionInvoked. Replies and proactive prompts go out through the
Bot Connector as cards.py renders them (`send`, botbuilder's continue_conversation, so
both take the same path), and `update` replaces an earlier card in place (PUT).
Still to come: installs, @mentions, Execute invokes, `announce` to the leaders'
channel, and the Teams send limits.

botbuilder fetches OpenID metadata and msrest signs requests with blocking
`requests` calls on the event loop; see the README's Teams notes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import structlog
from aiohttp import web
from botbuilder.core import Bot, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botbuilder.schema import ConversationReference as BotConversationReference
from botframework.connector.auth import PasswordServiceClientCredentialFactory
from msrest.exceptions import HttpOperationError

from adapters.base import deliver_replies
from adapters.teams.auth import StrictAuthentication
from adapters.teams.cards import render_activity
from adapters.teams.config import BotFrameworkSettings, TeamsConfig
from adapters.teams.credentials import TokenEndpointCredentialFactory
from adapters.teams.inbound import (
    TEAMS_PLATFORM,
    UnusableActivity,
    action_invoked,
    check_activity,
    message_received,
    tenant_of,
)
from bot.dispatcher import Dispatcher
from bot.errors import FatalError, TransientError
from bot.events import ConversationRef, InboundEvent, MessageRef
from bot.messages import OutboundMessage

log = structlog.get_logger(__name__)

MESSAGES_PATH = "/api/messages"


class TeamsAdapter:
    platform = TEAMS_PLATFORM

    def __init__(self, config: TeamsConfig, dispatcher: Dispatcher) -> None:
        self.config = config
        self.dispatcher = dispatcher
        settings = BotFrameworkSettings(config)
        self.cloud = CloudAdapter(
            StrictAuthentication(
                ConfigurationBotFrameworkAuthentication(
                    settings, credentials_factory=_credentials(config, settings)
                )
            )
        )
        self.bot = _TurnHandler(self)
        # Where each conversation lives (serviceUrl, bot and user ids): `update` only
        # gets a MessageRef. Filled on every turn and send, so after a restart the
        # turn that answers a prompt has put it back before its card is replaced.
        self._conversations: dict[str, ConversationRef] = {}

    # --- ChatAdapter ---

    def mount(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self._handle_request)

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        """Post into the stored conversation: an Adaptive Card, or plain text."""
        self._conversations[to.conversation_id] = to
        sent: list[str] = []

        async def post(turn: TurnContext) -> None:
            # botbuilder gives the continuation a made-up activity id, and would post a
            # "reply" to it (POST .../activities/{id}); without one it posts to the chat.
            turn.activity.id = None
            answer = await turn.send_activity(_activity(message))
            sent.append(answer.id if answer is not None and answer.id else "")

        await self.cloud.continue_conversation(_reference(to), post, self._bot_app_id())
        return MessageRef(TEAMS_PLATFORM, to.conversation_id, sent[0] if sent else "")

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace an earlier message in place (PUT .../activities/{id})."""
        to = self._conversations.get(ref.conversation_id)
        if to is None or not ref.message_id:
            raise FatalError("Teams: no conversation reference for that message")

        async def replace(turn: TurnContext) -> None:
            activity = _activity(message)
            activity.id = ref.message_id
            await turn.update_activity(activity)

        try:
            await self.cloud.continue_conversation(_reference(to), replace, self._bot_app_id())
        except HttpOperationError as failed:  # the old card keeps its buttons: cosmetic
            raise TransientError(f"Teams: update failed: {failed}") from failed

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        return None  # the leaders' channel (THRIVE_TEAMS_LEADERS_CHANNEL) is later work

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        return await self.send(to, form_message)  # an Adaptive Card form is later work

    def _bot_app_id(self) -> str | None:
        return self.config.app_id if self.config.auth else None

    # --- HTTP ---

    async def _handle_request(self, request: web.Request) -> web.Response:
        try:
            body = check_activity(json.loads(await request.text()))
        except (ValueError, UnusableActivity) as problem:  # JSONDecodeError is a ValueError
            log.info("teams.unusable_activity", reason=str(problem))
            return web.json_response({"error": "unusable_activity"}, status=400)
        activity = Activity().deserialize(dict(body))
        auth_header = request.headers.get("Authorization", "")
        try:
            invoke = await self.cloud.process_activity(auth_header, activity, self.bot.on_turn)
        except PermissionError as refused:  # StrictAuthentication: every auth failure
            log.info("teams.unauthorized", reason=str(refused))
            return web.json_response({"error": "unauthorized"}, status=401)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    async def handle_turn(self, turn: TurnContext) -> None:
        raw: Mapping[str, Any] = turn.activity.serialize()
        tenant = tenant_of(raw, self.config.tenant_id)
        event: InboundEvent | None = action_invoked(raw, tenant) or message_received(raw, tenant)
        if event is None:
            log.info("teams.activity_ignored", type=raw.get("type"))
            return
        self._conversations[event.conversation.conversation_id] = event.conversation
        outcome = await self.dispatcher.handle(event)
        if outcome.duplicate:
            return
        await deliver_replies(self, self.dispatcher, event.conversation, outcome.replies)


class _TurnHandler(Bot):  # type: ignore[misc]
    def __init__(self, adapter: TeamsAdapter) -> None:
        self.adapter = adapter

    async def on_turn(self, context: TurnContext) -> None:
        if context.activity.type == ActivityTypes.message:
            await self.adapter.handle_turn(context)


def _credentials(config: TeamsConfig, settings: BotFrameworkSettings) -> Any:
    if not config.auth:  # no app id: botbuilder treats auth as disabled
        return PasswordServiceClientCredentialFactory()
    if config.login_url:
        return TokenEndpointCredentialFactory(
            config.app_id, config.app_password or "", config.login_url
        )
    return ConfigurationServiceClientCredentialFactory(settings)


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
