"""Replies only one person should see: ephemeral messages, and replacing them.

`OutboundMessage.private` means "only the recipient sees it": in Slack that is
chat.postEphemeral, in the person's DM or in the thread they wrote in. An
ephemeral message cannot be chat.update'd, so when a button on one is pressed
(Undo on an answer's confirmation) the reply that replaces it goes through the
press's response_url with replace_original.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.base import ChatAdapter, DeliveryError, deliver_replies
from adapters.slack.blocks import render_message
from adapters.slack.inbound import SLACK_PLATFORM
from adapters.slack.web_api import SlackWebApi
from bot.conversation.dispatcher import Dispatcher
from bot.events import ConversationRef, MessageRef
from bot.messages import OutboundMessage

log = structlog.get_logger(__name__)

# In a thread's ConversationRef.data: whose reply it is, for a private reply there.
REPLY_FOR = "reply_for"


@dataclass(frozen=True)
class PressedEphemeral:
    """An ephemeral message a button was pressed on, and the press's response_url."""

    ref: MessageRef
    response_url: str


def for_person(to: ConversationRef, user_id: str) -> ConversationRef:
    """`to` (a thread) remembering whose message it answers, so private replies find them."""
    data = {**to.data, REPLY_FOR: user_id}
    return ConversationRef(to.platform, to.workspace, to.conversation_id, data)


async def post_private(
    web: SlackWebApi, to: ConversationRef, message: OutboundMessage
) -> MessageRef | None:
    """chat.postEphemeral where `to` points. None when it cannot be (the caller posts
    normally): no DM channel known yet, no person for a thread, or the post failed."""
    if message.question is not None or message.form is not None:
        return None  # a prompt must stay updatable, and a form is no message
    if to.conversation_id.startswith("channel:"):
        channel, user = to.data.get("channel"), to.data.get(REPLY_FOR)
    else:
        user = to.conversation_id
        channel = to.data.get("channel") or web.dm_of(to.workspace, user)
    if not channel or not user:
        return None
    thread_ts = to.data.get("thread_ts")
    try:
        await web.post_ephemeral(
            to.workspace, str(channel), str(user), message, str(thread_ts) if thread_ts else None
        )
    except DeliveryError as error:  # seen by everyone beats not seen at all
        log.info("slack.ephemeral_failed", error=repr(error))
        return None
    # Slack gives an ephemeral message no ts that chat.update accepts.
    return MessageRef(SLACK_PLATFORM, str(channel), "")


async def deliver(
    adapter: ChatAdapter,
    dispatcher: Dispatcher,
    web: SlackWebApi,
    to: ConversationRef,
    replies: Sequence[OutboundMessage],
    trigger: str | None = None,
    pressed: PressedEphemeral | None = None,
) -> None:
    """The core's replies in order; one replacing the ephemeral message pressed on goes
    through the response_url, the rest as adapters.base.deliver_replies sends them."""
    for reply in replies:
        if pressed is not None and reply.replaces == pressed.ref:
            await replace_ephemeral(web, pressed.response_url, reply)
        else:
            await deliver_replies(adapter, dispatcher, to, [reply], trigger)


async def replace_ephemeral(web: SlackWebApi, response_url: str, message: OutboundMessage) -> None:
    text, blocks = render_message(message)
    webhook = AsyncWebhookClient(response_url, session=web.client.session)
    response = await webhook.send(text=text, blocks=blocks, replace_original=True)
    if response.status_code >= 400:
        log.warning("slack.replace_ephemeral_failed", status=response.status_code)


async def reply_privately(
    adapter: ChatAdapter,
    dispatcher: Dispatcher,
    replies: Sequence[OutboundMessage],
    ephemeral: Callable[[OutboundMessage], Awaitable[None]],
    dm: ConversationRef,
) -> None:
    """Replies to something typed where others may see it (a channel, a command):
    plain ones only for the person, where they typed; anything with buttons (which must
    stay pressable and updatable) or a form goes to their DM."""
    for reply in replies:
        if is_plain(reply):
            try:
                await ephemeral(reply)
            except Exception as error:
                log.warning("slack.reply_failed", error=repr(error))
    interactive = [reply for reply in replies if not is_plain(reply)]
    if interactive:
        await deliver_replies(adapter, dispatcher, dm, interactive)


def is_plain(reply: OutboundMessage) -> bool:
    """An ephemeral message carries no file either: a chart goes to the DM too."""
    return not (reply.buttons or reply.question or reply.form or reply.replaces or reply.image)
