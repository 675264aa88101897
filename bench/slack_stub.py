"""The Slack Web API as far as the bot calls it, for bench/slack_ack.py: answers
{"ok": true, ...} and notes when the reply to each measured request arrived."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from aiohttp import web

from thrive.server import start_site

TEAM_ID = "T0BENCH"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
# A DM's reply offers its words as an idea: "hello <n>" says which request it answers.
DM_WORDS = re.compile(r"hello (\d+)")


class StubSlack:
    """Answers {"ok": true, ...} for the methods the adapter calls; notes when the reply
    to each request arrived (request number -> perf_counter())."""

    def __init__(self) -> None:
        self.replied: dict[int, float] = {}
        self._ts = itertools.count(1)
        self.origin = ""

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        runner, port = await start_site(app, "127.0.0.1", 0)
        self.origin = f"http://127.0.0.1:{port}"
        return runner

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    async def _api(self, request: web.Request) -> web.Response:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        method = request.match_info["method"]
        if method == "chat.postMessage":  # the reply to a DM offers its words as an idea
            for number in DM_WORDS.findall(str(args.get("blocks") or "")):
                self.replied.setdefault(int(number), time.perf_counter())
        return web.json_response(self._answer(method, args))

    async def _response_url(self, request: web.Request) -> web.Response:
        await request.read()
        self.replied.setdefault(int(request.match_info["name"]), time.perf_counter())
        return web.Response(text="ok")

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://thrive-bench.slack.com/",
                "team": "Thrive Bench",
                "user": "thrive",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "users.info":
            user = str(args.get("user") or "U0")
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "team_id": TEAM_ID,
                    "name": user.lower(),
                    "real_name": f"Bench Person {user}",
                    "tz": "America/Chicago",
                    "tz_offset": -21600,
                    "deleted": False,
                    "is_bot": False,
                    "profile": {"real_name": f"Bench Person {user}"},
                },
            }
        if method == "conversations.open":
            users = str(args.get("users") or "U0").split(",")[0]
            return {"ok": True, "channel": {"id": f"D{users}"}}
        if method in ("chat.postMessage", "chat.update"):
            channel = str(args.get("channel") or "D0")
            ts = str(args.get("ts") or f"1700000000.{next(self._ts):06d}")
            message = {"type": "message", "text": args.get("text", ""), "ts": ts}
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method.startswith("views."):
            view = {"id": f"V{next(self._ts):08d}", "team_id": TEAM_ID, "type": "home"}
            return {"ok": True, "view": view}
        return {"ok": True}
