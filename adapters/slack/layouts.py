"""A fan-out's prompt laid out once: chat.postMessage bodies for each delivery of it.

Every delivery of one prompt gets the same blocks but for the target its buttons carry
(bot.messages.TARGET in the template). Building each delivery's message and laying it
out as Block Kit cost about 20 µs of the event loop per prompt, as much as a fifth of
the HTTP request itself; here the template is rendered and encoded once, and each body
is that JSON with the delivery's channel and target put in.
"""

from __future__ import annotations

import orjson

from adapters.slack.blocks import render_message
from adapters.slack.chat_post import NO_UNFURL
from bot.messages import TARGET, OutboundMessage

MAX_LAID_OUT = 256  # templates kept (a fan-out has one per prompt of its pulse)
# Longer targets take the ordinary way, where a button's value is cut to Slack's limit.
MAX_TARGET = 200
_TARGET_BYTES = TARGET.encode()


class Layouts:
    """Templates laid out, by identity: a template is an immutable message the outbox's
    planner keeps for the whole claim, so the same object comes back for every delivery."""

    def __init__(self) -> None:
        # id -> (the template itself, so its id is not reused while kept; the JSON
        # after the channel, in pieces around each TARGET)
        self._laid: dict[int, tuple[OutboundMessage, list[bytes]]] = {}

    @staticmethod
    def fits(template: OutboundMessage, target: str) -> bool:
        """Whether this can be laid out once: a plain post (no picture, not private) and
        a target short enough to be sent whole."""
        return (
            template.image is None
            and not template.private
            and template.replaces is None
            and len(target) <= MAX_TARGET
        )

    def body(
        self, template: OutboundMessage, target: str, channel: str, thread_ts: str | None
    ) -> bytes:
        """The chat.postMessage JSON for one delivery, as `render_message` of the filled
        message would give it (the fields in another order)."""
        pieces = self._pieces(template)
        head = b'{"channel":' + orjson.dumps(channel)
        if thread_ts:
            head += b',"thread_ts":' + orjson.dumps(thread_ts)
        # The target as it stands inside a JSON string (ids and slugs: itself).
        inner = orjson.dumps(target)[1:-1]
        return head + b"," + inner.join(pieces)

    def _pieces(self, template: OutboundMessage) -> list[bytes]:
        found = self._laid.get(id(template))
        if found is not None and found[0] is template:
            return found[1]
        text, blocks = render_message(template)
        fields = orjson.dumps({"text": text, "blocks": blocks, **NO_UNFURL})
        pieces = fields[1:].split(_TARGET_BYTES)  # without its "{": the channel goes first
        if len(self._laid) >= MAX_LAID_OUT:
            self._laid.clear()
        self._laid[id(template)] = (template, pieces)
        return pieces
