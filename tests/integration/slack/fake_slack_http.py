"""The HTTP side of FakeSlack: what it records per request, queued failures, and
reading arguments as Slack does (query, form or JSON; JSON-string fields decoded)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Arguments slack_sdk (or an app) may send as JSON strings inside form or query parameters.
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "unfurls", "files"})
SERVER_ERROR_HTML = (
    "<html><head><title>{status} Server Error</title></head>"
    "<body><h1>{status}</h1><p>Slack is having trouble.</p></body></html>"
)

Body = dict[str, Any]
Answer = tuple[int, Body]


@dataclass(frozen=True)
class Call:
    """One request the fake received; `at` is `time.monotonic()` when it arrived."""

    method: str
    body: dict[str, Any]
    headers: Mapping[str, str]
    at: float
    status: int = 200
    error: str | None = None  # the "error" the fake answered with, if any

    @property
    def ok(self) -> bool:
        """Whether the fake answered HTTP 200 with ok: true."""
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class Failure:
    """One queued failure: an HTTP status (429 or 5xx), or an ok:false error at HTTP 200."""

    status: int
    retry_after: int
    error: str | None
    body: str | None


def error_answer(error: str) -> Answer:
    return 200, {"ok": False, "error": error}


def failure_response(failure: Failure) -> web.Response:
    if failure.error is not None:
        return web.json_response({"ok": False, "error": failure.error})
    if failure.status == 429:
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(failure.retry_after)},
        )
    if failure.body is not None:
        return web.Response(status=failure.status, text=failure.body, content_type="text/html")
    if failure.status == 500:
        return web.Response(status=500)
    html = SERVER_ERROR_HTML.format(status=failure.status)
    return web.Response(status=failure.status, text=html, content_type="text/html")


async def read_arguments(request: web.Request) -> tuple[Body, str | None]:
    """Query parameters overlaid with a JSON or form body; JSON-string fields decoded."""
    arguments: Body = dict(request.query)
    parse_error: str | None = None
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                parsed = json.loads(await request.text())
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                arguments.update(parsed)
            else:
                parse_error = "invalid_json"
        elif request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            arguments.update({key: value for key, value in form.items() if isinstance(value, str)})
    for key in JSON_FIELDS & arguments.keys():
        if isinstance(arguments[key], str):
            try:
                decoded = json.loads(arguments[key])
            except ValueError:
                continue
            if isinstance(decoded, list | dict):
                arguments[key] = decoded
    return arguments, parse_error
