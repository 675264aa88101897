"""The Slack adapter: slack-bolt's AsyncApp at POST /slack/events on the shared server.

Every request's signature is checked over its raw bytes (5-minute replay window), and
its body parsed and shape-checked (adapters/slack/payloads.py), before bolt sees it:
a malformed one gets a 400 and one log line. Every listener acks at once
(adapters/slack/listeners.py) and queues the real work (translate, hand the
event to the core, send the replies), so Slack gets its answer in about a
millisecond; the queue (adapters/slack/work_queue.py) holds that work back
while requests are being handled here. (bolt's own ack-first mode polls for
ack() every 10 ms; with process_before_response=True and our queue we skip
that floor.)

Outbound calls (adapters/slack/web_api.py) go through slack_sdk's AsyncWebClient
with its rate-limit and server-error retry handlers, but for the outbox's prompts
(adapters/slack/chat_post.py: one request each; the outbox paces and retries).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.json_guard import BadJson
from adapters.slack import inbound
from adapters.slack.config import SlackConfig
from adapters.slack.inbound import SLACK_PLATFORM
from adapters.slack.layouts import Layouts
from adapters.slack.listeners import SlackListeners
from adapters.slack.manifest import OAUTH_REDIRECT_PATH
from adapters.slack.oauth import INSTALL_PATH, SlackInstallations
from adapters.slack.payloads import checked_body, is_signed
from adapters.slack.replies import post_private
from adapters.slack.web_api import SlackWebApi
from adapters.slack.work_queue import RequestGate, WorkQueue
from bot.conversation.dispatcher import Dispatcher
from bot.events import ConversationRef, MessageRef
from bot.messages import Image, OutboundMessage, fill
from storage.states import NotificationAudience

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


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
                self.installations.oauth_settings(on_installed=self._installed)
                if self.installations is not None
                else None
            ),
            process_before_response=True,  # we ack first ourselves: see listeners.py
        )
        if self.installations is not None:
            self.app.use(self._learn_channel)
        self.gate = RequestGate()
        self.work = WorkQueue(self.gate)
        SlackListeners(self, dispatcher, self.web, self.work).register(self.app)

    # --- ChatAdapter ---

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/slack/events", self._handle_request)
        if self.installations is not None:
            app.router.add_get(INSTALL_PATH, self._install)
            app.router.add_get(OAUTH_REDIRECT_PATH, self._oauth_redirect)
            # Mounted before create_app adds the outbox loop, so this runs before any send.
            app.cleanup_ctx.append(self._installation_tables)
        app.on_shutdown.append(self._finish_work)

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        if message.image is not None:  # the words first, then the picture as a file
            posted = None
            if message.text.strip() or message.buttons or message.notices:
                posted = await self.send(to, replace(message, image=None), paced=paced)
            uploaded = await self.upload_image(to, message.image, paced=paced)
            return posted or uploaded
        if message.private:  # ephemeral where Slack can; otherwise a normal post
            ref = await post_private(self.web, to, message)
            if ref is not None:
                return ref
        return await self.web.post(to, message, paced=paced)

    async def send_filled(
        self,
        to: ConversationRef,
        template: OutboundMessage,
        target: str,
        delivery_id: int,
        *,
        paced: bool = False,
    ) -> MessageRef:
        """One delivery of a fan-out's prompt: its template laid out once (paced posts)."""
        if paced and Layouts.fits(template, target):
            return await self.web.post_filled(to, template, target)
        return await self.send(to, fill(template, target, delivery_id), paced=paced)

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        await self.web.update(ref, message)

    async def upload_image(
        self, to: ConversationRef, image: Image, *, paced: bool = False
    ) -> MessageRef:
        return await self.web.upload_image(to, image, paced=paced)

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Leaders read new ideas in THRIVE_SLACK_LEADERS_CHANNEL (the bot is invited)."""
        channel = self.config.leaders_channel
        if audience != NotificationAudience.LEADERS or not channel:
            return None
        # Through send: a scheduled report's chart is uploaded there after its words.
        return await self.send(inbound.channel_ref(workspace, channel), message)

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        return await self.web.open_form(to, form_message, trigger)

    # --- HTTP ---

    async def _handle_request(self, request: web.Request) -> web.Response:
        with self.gate.handling():  # queued work waits while we answer Slack
            return await self._answer(request)

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()  # over the size limit: 413 (thrive/server.py)
        # Checked here as well as in bolt: a forged request must not even be decoded, and
        # a signed one that does not parse (payloads.py) deserves a 400, not a 500 or an
        # exception in a listener after the ack.
        if not is_signed(self.config.signing_secret, raw, request.headers, time.time()):
            log.info("slack.bad_signature", path=request.path)
            return _json_error(401, "invalid_signature")
        try:
            text = checked_body(raw, request.content_type)
        except BadJson as problem:
            log.info("slack.malformed_body", code=problem.code, reason=problem.detail)
            return _json_error(400, "malformed_body", reason=problem.code)
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry is not None:  # the same event_id again: the core's ledger drops it
            reason = request.headers.get("X-Slack-Retry-Reason", "")
            log.info("slack.retry", retry=retry[:8], reason=reason[:40])
        bolt_request = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)
        )
        bolt_response = await self.app.async_dispatch(bolt_request)
        if bolt_response.status == 404:  # a well-signed payload no listener understands
            kind = bolt_request.body.get("type")
            log.info("slack.unhandled_payload", body_type=str(kind)[:40])
            return _json_error(400, "unhandled_payload")
        if bolt_response.status >= 400:
            log.info("slack.request_refused", status=bolt_response.status, path=request.path)
        return await to_aiohttp_response(bolt_response)

    async def _finish_work(self, _app: web.Application) -> None:
        """At shutdown, let work already acked to Slack finish (bounded)."""
        await self.work.drain(SHUTDOWN_GRACE_SECONDS)
        await self.web.close()

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

    async def _installed(self, team_id: str, name: str) -> None:
        """A workspace installed the app: known from now on, by its name."""
        await self.dispatcher.workspace_installed(SLACK_PLATFORM, team_id, name)

    async def _installation_tables(self, _app: web.Application) -> AsyncIterator[None]:
        assert self.installations is not None
        await self.installations.create_tables()
        yield

    async def _learn_channel(
        self, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> None:
        """bolt middleware: note which workspace each channel we hear from is in."""
        self.web.tokens.learn_from(body)
        await next_()


def _json_error(status: int, code: str, **detail: str) -> web.Response:
    return web.json_response({"error": code, **detail}, status=status)
