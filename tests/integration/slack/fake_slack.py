"""A fake Slack Web API on loopback, for integration tests of the Slack adapter.

Point slack_sdk at it with `AsyncWebClient(token="xoxb-test", base_url=fake.base_url)`.
It answers the methods the adapter uses with realistic bodies, records every call
(failed ones too), and fails on demand: HTTP 429 with Retry-After, HTTP 5xx with an
empty or HTML body, or HTTP 200 `{"ok": false, "error": ...}`. It can also hold a call's
answer on demand (`hold_next`): the message is posted, as the person sees it, but the
caller hears of it only on release.

    async with FakeSlack() as slack:
        slack.fail_next("chat.postMessage", status=429, retry_after=1)
        ...  # run the app against slack.base_url
        [call] = await slack.wait_for("chat.postMessage")

Besides /api/{method} it serves response URLs (`response_url()`, for slash commands
and interactions: bolt's `respond` posts there), recorded as method "response_url".

Files arrive by the external upload slack_sdk's files_upload_v2 makes: the fake answers
files.getUploadURLExternal with an upload URL of its own, records the bytes posted there
(as method "upload", body {"file_id", "size"}; the bytes in `uploads`), and
files.completeUploadExternal shares them into a channel (`files`, by file id).

Ephemeral messages (chat.postEphemeral) are kept apart in `ephemeral`: as in Slack,
chat.update cannot touch them, only a post with replace_original to the response_url
of a press on them (`ephemeral_response_url()`).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from tests.integration.slack.fake_slack_http import (
    Answer,
    Body,
    Call,
    Failure,
    error_answer,
    failure_response,
    read_arguments,
)

__all__ = ["Answer", "Body", "Call", "FakeSlack", "Hold"]

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
TEAM_ID = "T0TEST"
DEFAULT_TOKEN = "xoxb-test"
DEFAULT_TZ = "America/Chicago"

POLL_SECONDS = 0.01


class Hold:
    """One held answer: `done` is set once the call was carried out, `release()` lets the
    answer go back to the caller."""

    def __init__(self) -> None:
        self.done = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()


class FakeSlack:
    """The Slack Web API, as far as Thrive uses it, on 127.0.0.1 and a free port."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, delay: float = 0.0) -> None:
        self.token = token
        # Other workspaces' bot tokens it answers to as well (several OAuth installs).
        self.other_tokens: set[str] = set()
        self.delay = delay
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        # (channel, ts) -> the message as it stands after any chat.update; gone on chat.delete.
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        # (channel, ts) -> an ephemeral message, with the "user" who alone sees it.
        self.ephemeral: dict[tuple[str, str], dict[str, Any]] = {}
        self._removed_users: set[str] = set()
        self._failures: dict[str, deque[Failure]] = {}
        self._holds: dict[str, deque[Hold]] = {}
        self._ts_micros = 1_700_000_000_000_000
        self._ids = 0
        self._home_views: dict[str, str] = {}
        self._external_views: dict[str, str] = {}
        # file id -> the bytes uploaded to its URL; and, once completed, where it was shared.
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._origin: str | None = None
        self._methods: dict[str, Callable[[Body], Answer]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete,
            "conversations.open": self._open_conversation,
            "users.info": self._user_info,
            "views.open": self._view,
            "views.push": self._view,
            "views.update": self._view,
            "views.publish": self._view,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    # ---- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("GET", "/api/{method}", self._handle_api)
        app.router.add_route("POST", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{name}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._origin = f"http://{host}:{port}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def origin(self) -> str:
        """Like "http://127.0.0.1:PORT" (no trailing slash)."""
        if self._origin is None:
            raise RuntimeError("FakeSlack is not started")
        return self._origin

    @property
    def base_url(self) -> str:
        """What AsyncWebClient(base_url=...) expects: ".../api/" (it appends the method)."""
        return f"{self.origin}/api/"

    def response_url(self, name: str = "default") -> str:
        """A response_url for commands/interactions; posts to it are recorded as method
        "response_url" with the name in body["_name"]."""
        return f"{self.origin}/response/{name}"

    # ---- inspection and control

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (a bounded poll that reports what it saw)
    ) -> list[Call]:
        """Wait until at least `count` calls to `method` were recorded; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            if time.monotonic() >= deadline:
                seen = [f"{call.method} -> {call.status}" for call in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, "
                    f"got {len(calls)}; all calls seen: {seen}"
                )
            await asyncio.sleep(POLL_SECONDS)

    def reset(self) -> None:
        """Forget recorded calls and queued failures (users, messages and ids stay)."""
        self.calls.clear()
        self._failures.clear()

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        body: str | None = None,
    ) -> None:
        """Make the next `times` calls to `method` fail (queued after any earlier failures).

        With `error`: HTTP 200 {"ok": false, "error": error} (`status` is ignored).
        Else `status` 429: HTTP 429, Retry-After: `retry_after`, {"ok": false, "error":
        "ratelimited"}. Else a 5xx: body `body` if given, otherwise empty for 500 and an
        HTML error page for any other 5xx (as a load balancer would send).
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is None and status != 429 and not 500 <= status <= 599:
            raise ValueError(f"status must be 429 or 5xx, not {status}")
        failure = Failure(
            status=200 if error is not None else status,
            retry_after=retry_after,
            error=error,
            body=body,
        )
        self._failures.setdefault(method, deque()).extend([failure] * times)

    def hold_next(self, method: str) -> Hold:
        """The next call to `method` is carried out (a message is posted, the person can
        see it) but its HTTP answer waits until the returned hold is released."""
        hold = Hold()
        self._holds.setdefault(method, deque()).append(hold)
        return hold

    def remove_user(self, user_id: str) -> None:
        """From now on users.info (and conversations.open) answer user_not_found for it."""
        self.users.pop(user_id, None)
        self._removed_users.add(user_id)

    def ephemeral_response_url(self, channel: str, ts: str) -> str:
        """The response_url Slack sends with a press on the ephemeral message (channel, ts)."""
        return self.response_url(f"ephemeral~{channel}~{ts}")

    def dm_channel(self, user_id: str) -> str:
        """The direct-message channel id conversations.open gives for `user_id`."""
        return f"D{user_id}"

    def user_profile(self, user_id: str) -> dict[str, Any]:
        """What users.info returns for a known or unknown (not removed) user."""
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "real_name": f"Test User {user_id}",
            "tz": DEFAULT_TZ,
            "deleted": False,
            "is_bot": False,
        }
        user.update(self.users.get(user_id, {}))
        user["id"] = user_id
        if "tz_offset" not in user:
            offset = datetime.now(ZoneInfo(user["tz"])).utcoffset()
            user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        user.setdefault("profile", {"real_name": user["real_name"]})
        return user

    # ---- HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body, parse_error = await read_arguments(request)
        return await self._answer(
            request, method, body, lambda: self._api(request, method, body, parse_error)
        )

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        body, _ = await read_arguments(request)
        body["_name"] = request.match_info["name"]
        self._replace_ephemeral(body)
        return await self._answer(request, "response_url", body, lambda: (200, {"ok": True}))

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        """The upload URL files.getUploadURLExternal gave: Slack answers plain "OK"."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.uploads[file_id] = data
        self.calls.append(
            Call(
                "upload", {"file_id": file_id, "size": len(data)}, request.headers, time.monotonic()
            )
        )
        return web.Response(text=f"OK - {len(data)}")

    async def _answer(
        self,
        request: web.Request,
        method: str,
        body: Body,
        respond: Callable[[], Answer],
    ) -> web.StreamResponse:
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        headers = CIMultiDictProxy(CIMultiDict(request.headers))
        queue = self._failures.get(method)
        if queue:
            failure = queue.popleft()
            error = failure.error or ("ratelimited" if failure.status == 429 else None)
            self.calls.append(Call(method, body, headers, time.monotonic(), failure.status, error))
            return failure_response(failure)
        status, answer = respond()
        error = None if answer.get("ok", True) is True else str(answer.get("error"))
        self.calls.append(Call(method, body, headers, time.monotonic(), status, error))
        holds = self._holds.get(method)
        if holds:
            hold = holds.popleft()
            hold.done.set()
            await hold.released.wait()
        return web.json_response(answer, status=status)

    def _api(
        self, request: web.Request, method: str, body: Body, parse_error: str | None
    ) -> Answer:
        known = {f"Bearer {token}" for token in (self.token, *self.other_tokens)}
        if request.headers.get("Authorization") not in known:
            return 200, {"ok": False, "error": "invalid_auth"}
        if parse_error is not None:
            return 200, {"ok": False, "error": parse_error}
        handler = self._methods.get(method)
        return handler(body) if handler is not None else (200, {"ok": True})

    # ---- Web API methods

    def _auth_test(self, body: Body) -> Answer:
        return 200, {
            "ok": True,
            "url": "https://thrive-test.slack.com/",
            "team": "Thrive Test",
            "user": "thrive",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, body: Body) -> Answer:
        channel = str(body.get("channel", ""))
        if not channel:
            return error_answer("channel_not_found")
        if not any(body.get(key) for key in ("text", "blocks", "attachments")):
            return error_answer("no_text")
        if channel[0] in "UW":  # posting to a user id lands in the DM with the bot
            channel = self.dm_channel(channel)
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": body.get("text", ""),
            "blocks": body.get("blocks") or [],
            "ts": ts,
            "bot_id": BOT_ID,
            "user": BOT_USER_ID,
            "team": TEAM_ID,
        }
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        self.messages[(channel, ts)] = message
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, body: Body) -> Answer:
        channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
        if not channel or not ts or (channel, ts) in self.ephemeral:
            return error_answer("message_not_found")
        message = self.messages.setdefault((channel, ts), {"type": "message", "ts": ts})
        for key in ("text", "blocks", "attachments"):
            if key in body:
                message[key] = body[key]
        return 200, {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": body.get("text", ""),
            "message": message,
        }

    def _post_ephemeral(self, body: Body) -> Answer:
        channel, user = str(body.get("channel", "")), str(body.get("user", ""))
        if not channel or not user:
            return error_answer("user_not_found" if channel else "channel_not_found")
        ts = self._next_ts()
        message = {"type": "message", "text": body.get("text", ""), "ts": ts, "user": user}
        message["blocks"] = body.get("blocks") or []
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        self.ephemeral[(channel, ts)] = message
        return 200, {"ok": True, "message_ts": ts}

    def _replace_ephemeral(self, body: Body) -> None:
        kind, _, where = str(body["_name"]).partition("~")
        channel, _, ts = where.partition("~")
        message = self.ephemeral.get((channel, ts))
        if kind == "ephemeral" and message is not None and body.get("replace_original"):
            message["text"] = body.get("text", "")
            message["blocks"] = body.get("blocks") or []

    def _delete(self, body: Body) -> Answer:
        channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
        self.messages.pop((channel, ts), None)
        return 200, {"ok": True, "channel": channel, "ts": ts}

    def _open_conversation(self, body: Body) -> Answer:
        if body.get("channel"):
            return 200, {"ok": True, "channel": {"id": str(body["channel"])}}
        users = [user for user in str(body.get("users", "")).split(",") if user]
        if not users:
            return error_answer("users_list_not_supplied")
        if any(self._is_gone(user) for user in users):
            return error_answer("user_not_found")
        if len(users) == 1:
            channel_id = self.dm_channel(users[0])
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()
            channel_id = "G" + digest[:10].upper()
        return 200, {"ok": True, "no_op": True, "channel": {"id": channel_id}}

    def _user_info(self, body: Body) -> Answer:
        user_id = str(body.get("user", ""))
        if not user_id or self._is_gone(user_id):
            return error_answer("user_not_found")
        return 200, {"ok": True, "user": self.user_profile(user_id)}

    def _is_gone(self, user_id: str) -> bool:
        return user_id in self._removed_users and user_id not in self.users

    def _view(self, body: Body) -> Answer:
        view = body.get("view")
        if not isinstance(view, dict):
            return error_answer("invalid_arguments")
        view_id = body.get("view_id") or self._external_views.get(str(view.get("external_id")))
        if view_id is None and body.get("user_id"):
            view_id = self._home_views.setdefault(str(body["user_id"]), self._next_id("V"))
        view_id = str(view_id or self._next_id("V"))
        if view.get("external_id"):
            self._external_views[str(view["external_id"])] = view_id
        answered = {"type": "modal", **view, "id": view_id, "team_id": TEAM_ID}
        answered["hash"] = f"{int(time.time())}.{view_id.lower()}"
        return 200, {"ok": True, "view": answered}

    # ---- ids

    def _upload_url(self, body: Body) -> Answer:
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return error_answer("invalid_arguments")
        file_id = self._next_id("F")
        return 200, {
            "ok": True,
            "upload_url": f"{self.origin}/upload/{file_id}",
            "file_id": file_id,
        }

    def _complete_upload(self, body: Body) -> Answer:
        files = body.get("files")
        if not isinstance(files, list) or not files:
            return error_answer("invalid_arguments")
        shared = []
        for item in files:
            file_id = str(item.get("id", ""))
            if file_id not in self.uploads:
                return error_answer("file_not_found")
            found = {
                "id": file_id,
                "title": item.get("title", ""),
                "channel": body.get("channel_id"),
                "thread_ts": body.get("thread_ts"),
                "initial_comment": body.get("initial_comment"),
                "size": len(self.uploads[file_id]),
            }
            self.files[file_id] = found
            shared.append({"id": file_id, "title": found["title"]})
        return 200, {"ok": True, "files": shared}

    def _next_ts(self) -> str:
        self._ts_micros += 100
        seconds, micros = divmod(self._ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}0{self._ids:08d}"
