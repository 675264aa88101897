"""The adapter contract: what every chat platform adapter offers the server and the core.

Adapters translate platform payloads into `bot.events`, hand them to the
dispatcher, and render the returned `bot.messages` in the platform's format
(one renderer per adapter). Platform failures are mapped to the four
neutral delivery errors re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog
from aiohttp import web

from bot.conversation.dispatcher import Dispatcher
from bot.errors import DeliveryError, FatalError, RateLimited, RecipientGone, TransientError
from bot.events import ConversationRef, MessageRef
from bot.messages import Image, OutboundMessage

log = structlog.get_logger(__name__)


class ChatAdapter(Protocol):
    platform: str

    def mount(self, app: web.Application) -> None:
        """Add this platform's routes to the shared aiohttp application."""
        ...

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        """Post a message (a reply or a proactive one); returns the platform's ref to it.
        `paced` (the outbox): report a rate limit at once, never wait it out inside."""
        ...

    async def update(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace a message the bot sent earlier (e.g. a prompt once answered)."""
        ...

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        """Post to where a group (the leaders) reads: a configured channel, or each
        member's chat. None when this platform has no such place set up."""
        ...

    async def open_form(
        self, to: ConversationRef, form_message: OutboundMessage, trigger: str | None
    ) -> MessageRef | None:
        """Show a form: a modal where the platform has one (needs `trigger`), else a message."""
        ...

    async def upload_image(
        self, to: ConversationRef, image: Image, *, paced: bool = False
    ) -> MessageRef:
        """Show a picture (a report's chart) in the conversation: a file upload on Slack,
        an Adaptive Card image on Teams, an <img> in the local chat. `send` calls it for a
        message carrying an image, after the message's text."""
        ...


async def deliver_replies(
    adapter: ChatAdapter,
    dispatcher: Dispatcher,
    to: ConversationRef,
    replies: Sequence[OutboundMessage],
    trigger: str | None = None,
) -> list[MessageRef]:
    """Send the core's replies in order: updates in place, forms as forms, the rest as posts.

    Where a reply puts a prompt on screen, the core is told where, so it can mark
    that prompt answered later.
    """
    refs: list[MessageRef] = []
    for reply in replies:
        ref: MessageRef | None
        if reply.replaces is not None:
            try:
                await adapter.update(reply.replaces, reply)
            except DeliveryError as error:
                # Only cosmetic (an old message keeps its buttons): the confirmation and
                # the next prompt below matter more, so carry on.
                log.warning("reply.update_failed", error=repr(error))
                continue
            ref = reply.replaces
        elif reply.form is not None:
            ref = await adapter.open_form(to, reply, trigger)
        else:
            ref = await adapter.send(to, reply)
        if ref is None:
            continue
        refs.append(ref)
        if reply.question is not None and reply.question.delivery_id is not None:
            await dispatcher.prompt_shown(reply.question.delivery_id, ref)
    return refs


__all__ = [
    "ChatAdapter",
    "DeliveryError",
    "FatalError",
    "RateLimited",
    "RecipientGone",
    "TransientError",
    "deliver_replies",
]


def route_of(request: web.Request) -> str:
    """The route a request matched, as declared ("/chat/api/people/{person}/messages"): what
    a log line names instead of the path, which may hold a person's platform id."""
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    return resource.canonical if resource is not None else "(no route)"
