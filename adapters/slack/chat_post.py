"""chat.postMessage for the outbox's fan-out: one JSON POST on the shared aiohttp session,
answered with slack_sdk's own response and errors.

A fan-out posts thousands of prompts in a row, and slack_sdk's generic call path
(request and retry-state objects, URL joining, debug strings built whenever its
logger's level is unset) cost as much CPU per call as the HTTP request itself, and
the standard library's JSON encoder 15 µs more a prompt (orjson: about 1 µs). The
outbox needs none of it: it waits out a 429 for the whole workspace and retries a
failed send itself (bot.outbox.rows), so here a call is one request, and its answer goes
through AsyncSlackResponse.validate, which raises the SlackApiError every other call
raises (adapters/slack/errors.py maps it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import aiohttp
import orjson
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

POST_MESSAGE = "chat.postMessage"
# Every post leaves links unfurled: Slack would fetch and show what a link points to.
NO_UNFURL = {"unfurl_links": False, "unfurl_media": False}
MAX_TOKENS = 1000  # workspaces' bot tokens whose headers are kept built


class ChatPoster:
    """chat.postMessage with any workspace's bot token, through one shared session."""

    def __init__(self, http: aiohttp.ClientSession, client: AsyncWebClient) -> None:
        self._http = http
        self._client = client  # the response names it, as slack_sdk's own calls do
        self.url = urljoin(client.base_url, POST_MESSAGE)
        # Per token: built once, not per call.
        self._headers: dict[str, Mapping[str, str]] = {}

    async def post(self, token: str, arguments: Mapping[str, Any]) -> AsyncSlackResponse:
        """Post; raises slack_sdk's SlackApiError when Slack says no (or answers with
        anything but JSON), aiohttp's errors when it cannot be reached."""
        body = orjson.dumps({name: value for name, value in arguments.items() if value is not None})
        return await self.post_body(token, body)

    async def post_body(self, token: str, body: bytes) -> AsyncSlackResponse:
        """As `post`, with the arguments' JSON encoded already (adapters.slack.layouts)."""
        async with self._http.post(self.url, data=body, headers=self._headers_for(token)) as res:
            raw = await res.read()
        try:
            data: Any = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:  # an HTML error page from a proxy, say
            data = None
        if not isinstance(data, dict):
            data = {"ok": False, "error": "invalid_response"}
        response = AsyncSlackResponse(
            client=self._client,
            http_verb="POST",
            api_url=self.url,
            req_args={},
            data=data,
            headers=res.headers,  # type: ignore[arg-type]  # as slack_sdk passes them
            status_code=res.status,
        )
        response.validate()  # type: ignore[no-untyped-call]  # raises SlackApiError
        return response

    def _headers_for(self, token: str) -> Mapping[str, str]:
        headers = self._headers.get(token)
        if headers is None:
            if len(self._headers) >= MAX_TOKENS:  # rotated tokens are not kept for ever
                self._headers.clear()
            headers = self._headers[token] = {
                **self._client.headers,
                "Content-Type": "application/json;charset=utf-8",
                "Authorization": f"Bearer {token}",
            }
        return headers
