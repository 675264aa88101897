"""Thrive's calls to the Slack Web API: posting, updating, modals, the home tab, DMs and
profiles, each with the right workspace's token and errors mapped to neutral ones."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import structlog
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import render_home, render_message, render_modal
from adapters.slack.chat_post import NO_UNFURL, ChatPoster
from adapters.slack.config import SlackConfig
from adapters.slack.errors import neutral_error
from adapters.slack.inbound import SLACK_PLATFORM, Profile, profile_of
from adapters.slack.layouts import Layouts
from adapters.slack.oauth import BotTokens, SlackInstallations
from bot.events import ConversationRef, MessageRef
from bot.messages import Image, OutboundMessage

log = structlog.get_logger(__name__)

SLACK_DEFAULT_API = "https://slack.com/api/"


class SlackWebApi:
    def __init__(self, config: SlackConfig, installations: SlackInstallations | None) -> None:
        # One HTTP session for every call: without it slack_sdk opens a new session (and
        # connection) per API call, which dominated the work behind each Slack event.
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.client = self._client(config, wait_out_rate_limits=True)
        # The outbox's client: a 429 comes straight back (as RateLimited), because the
        # outbox holds the whole workspace for the Retry-After. Retried inside one call,
        # the batch's other sends would go on knocking while Slack says wait.
        self.paced_client = self._client(config, wait_out_rate_limits=False)
        # Its fan-out's prompts: one request each, on the same session.
        self.poster = ChatPoster(self._http, self.paced_client)
        self.layouts = Layouts()
        # One workspace: config.bot_token. OAuth installs: each workspace's token from the
        # installation store (bolt authorizes inbound requests from the same store).
        self.tokens = BotTokens(config, installations)
        # conversations.open is Tier 3: remember each person's DM channel.
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._opening: dict[tuple[str, str], asyncio.Future[str]] = {}
        self._profiles: dict[tuple[str, str], Profile] = {}

    def _client(self, config: SlackConfig, *, wait_out_rate_limits: bool) -> AsyncWebClient:
        retry_handlers: list[AsyncRetryHandler] = [
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ]
        if wait_out_rate_limits:
            retry_handlers.insert(0, AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        return AsyncWebClient(
            session=self._http,
            token=config.bot_token,
            base_url=config.api_url or SLACK_DEFAULT_API,
            retry_handlers=retry_handlers,
        )

    async def post(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        channel, thread_ts = await self._channel_for(to)
        text, blocks = render_message(message)
        token = await self.tokens.for_workspace(to.workspace)
        arguments: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "blocks": blocks,
            "thread_ts": thread_ts,
            **NO_UNFURL,
        }
        try:
            if paced:
                response = await self.poster.post(token, arguments)
            else:
                response = await self.client.chat_postMessage(token=token, **arguments)
        except Exception as error:
            raise neutral_error(error) from error
        self.tokens.learn(str(response["channel"]), to.workspace)
        return MessageRef(SLACK_PLATFORM, str(response["channel"]), str(response["ts"]))

    async def post_filled(
        self, to: ConversationRef, template: OutboundMessage, target: str
    ) -> MessageRef:
        """A paced post of one delivery of a fan-out's prompt template (see `layouts`)."""
        channel, thread_ts = await self._channel_for(to)
        body = self.layouts.body(template, target, channel, thread_ts)
        token = await self.tokens.for_workspace(to.workspace)
        try:
            response = await self.poster.post_body(token, body)
        except Exception as error:
            raise neutral_error(error) from error
        self.tokens.learn(str(response["channel"]), to.workspace)
        return MessageRef(SLACK_PLATFORM, str(response["channel"]), str(response["ts"]))

    async def upload_image(
        self, to: ConversationRef, image: Image, *, paced: bool = False
    ) -> MessageRef:
        """Slack's external upload (files_upload_v2: files.getUploadURLExternal, the
        bytes to the URL it gives, files.completeUploadExternal into the channel)."""
        channel, thread_ts = await self._channel_for(to)
        token = await self.tokens.for_workspace(to.workspace)
        client = self.paced_client if paced else self.client
        try:
            response = await client.files_upload_v2(
                channel=channel,
                content=image.data,
                filename=image.filename,
                title=image.title or image.filename,
                alt_txt=image.alt,
                thread_ts=thread_ts,
                token=token,
            )
        except Exception as error:
            raise neutral_error(error) from error
        uploaded = response.get("file")
        file_id = str(uploaded.get("id", "")) if isinstance(uploaded, dict) else ""
        return MessageRef(SLACK_PLATFORM, channel, file_id)

    async def post_ephemeral(
        self,
        team_id: str,
        channel: str,
        user_id: str,
        message: OutboundMessage,
        thread_ts: str | None = None,
    ) -> None:
        """Only `user_id` sees it, in `channel` (where they mentioned the bot)."""
        text, blocks = render_message(message)
        try:
            await self.client.chat_postEphemeral(
                token=await self.tokens.for_workspace(team_id),
                channel=channel,
                user=user_id,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
            )
        except Exception as error:
            raise neutral_error(error) from error

    async def respond(
        self, response_url: str, message: OutboundMessage, fallback: AsyncRespond
    ) -> None:
        """An ephemeral reply to a slash command through its response_url, on one shared
        HTTP session (bolt's respond() opens a new connection for every call)."""
        text, blocks = render_message(message)
        if not response_url:
            await fallback(text=text, blocks=blocks, response_type="ephemeral")
            return
        webhook = AsyncWebhookClient(response_url, session=self._http)
        response = await webhook.send(text=text, blocks=blocks, response_type="ephemeral")
        if response.status_code >= 400:
            log.warning("slack.respond_failed", status=response.status_code)

    async def close(self) -> None:
        if not self._http.closed:
            await self._http.close()

    def cached_profile(self, team_id: str, user_id: str) -> Profile | None:
        """No users.info call: for interactions, whose trigger id expires in 3 s."""
        return self._profiles.get((team_id, user_id))

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        text, blocks = render_message(message)
        token = await self.tokens.for_channel(ref.conversation_id)
        try:
            await self.client.chat_update(
                token=token,
                channel=ref.conversation_id,
                ts=ref.message_id,
                text=text,
                blocks=blocks,
            )
        except Exception as error:
            raise neutral_error(error) from error

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        if trigger is None:
            # A modal needs a fresh trigger id; without one, show the form's words instead,
            # with the button that opens it where the core gave one (a press has a trigger).
            form = form_message.form
            if form is not None and form.opener is not None:
                return await self.post(
                    to, OutboundMessage(text=form_message.text, buttons=(form.opener,))
                )
            return await self.post(to, form_message)
        token = await self.tokens.for_workspace(to.workspace)
        try:
            await self.client.views_open(
                token=token, trigger_id=trigger, view=render_modal(form_message)
            )
        except Exception as error:
            raise neutral_error(error) from error
        return None

    async def publish_home(
        self, team_id: str, user_id: str, replies: Sequence[OutboundMessage]
    ) -> None:
        try:
            await self.client.views_publish(
                token=await self.tokens.for_workspace(team_id),
                user_id=user_id,
                view=render_home(replies),
            )
        except Exception as error:
            log.warning("slack.home_publish_failed", error=repr(neutral_error(error)))

    async def profile(self, team_id: str, user_id: str) -> Profile | None:
        """The person's time zone and name from users.info, once per process."""
        key = (team_id, user_id)
        if key in self._profiles:
            return self._profiles[key]
        try:
            token = await self.tokens.for_workspace(team_id)
            response = await self.client.users_info(token=token, user=user_id)
        except Exception as error:
            log.info("slack.users_info_failed", error=repr(neutral_error(error)))
            return None
        user: Mapping[str, Any] = response.get("user") or {}
        profile = profile_of(user)
        self._profiles[key] = profile
        return profile

    def remember_profile(self, team_id: str, user_id: str, profile: Profile) -> None:
        self._profiles[(team_id, user_id)] = profile

    def remember_dm(self, team_id: str, user_id: str, channel: str) -> None:
        self._dm_channels[(team_id, user_id)] = channel

    def dm_of(self, team_id: str, user_id: str) -> str | None:
        return self._dm_channels.get((team_id, user_id))

    async def _channel_for(self, to: ConversationRef) -> tuple[str, str | None]:
        """(channel, thread_ts) to post to: a channel thread, or the person's DM."""
        thread_ts = to.data.get("thread_ts")
        if to.conversation_id.startswith("channel:"):
            return str(to.data["channel"]), str(thread_ts) if thread_ts else None
        key = (to.workspace, to.conversation_id)
        channel = to.data.get("channel") or self._dm_channels.get(key)
        if not channel:
            # Two prompts to one person in one outbox batch: open their DM once.
            opening = self._opening.get(key)
            if opening is None:
                opening = self._opening[key] = asyncio.ensure_future(self._open_dm(to))
                opening.add_done_callback(lambda _: self._opening.pop(key, None))
            channel = await asyncio.shield(opening)
        self._dm_channels[key] = str(channel)
        return str(channel), str(thread_ts) if thread_ts else None

    async def _open_dm(self, to: ConversationRef) -> str:
        token = await self.tokens.for_workspace(to.workspace)
        try:
            opened = await self.client.conversations_open(token=token, users=to.conversation_id)
        except Exception as error:
            raise neutral_error(error) from error
        return str(opened["channel"]["id"])
