"""How fast Thrive acknowledges Slack: signed requests at concurrency 1, 10 and 50.

Two kinds of request, each signed as Slack signs them with a fresh timestamp: a
`/thrive help` slash command (form-encoded) and a DM `message` event (JSON
event_callback, a new event_id each time so dedupe never short-circuits).

Three targets in the same run, on the same loopback, all pointed at one stub
Slack Web API started here:

  bot           the whole Thrive server (build_runtime + create_app, SQLite).
                It acks, then does the real work in the background (the
                database, users.info, replies to the stub); that load is part
                of the measurement by design.
  bare-default  a bare bolt AsyncApp, ack-only listeners, default mode
                (process_before_response=False): bolt's runner polls for ack()
                every 10 ms, so slash commands have a ~10 ms floor.
  bare-fast     the same with process_before_response=True.

req/s counts acks (what Slack sees). For the bot, "done/s" also waits for the
work behind the acks: requests over the time until that work was last seen
moving. Between rounds that work is left to drain so rounds do not bleed into
each other. Errors logged meanwhile (the bot's background work failing) are
counted and printed under the table.

Client, servers and stub share one event loop (as in chat_latency), so the
client's own cost is inside every figure.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import logging
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackAdapter
from thrive.server import build_runtime, create_app, start_site
from thrive.settings import load_settings

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
TEAM_ID = "T0BENCH"
API_APP_ID = "A0BENCH"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
PEOPLE = 50  # distinct people sending; the warm-up introduces each one to every target
CONCURRENCY = (1, 10, 50)
REQUESTS = {1: 400, 10: 1000, 50: 1000}
WARMUP = 100
GOAL_P99_MS = 5.0
GOAL_THROUGHPUT_RATIO = 0.8
DRAIN_TIMEOUT_SECONDS = 30.0
DRAIN_POLL_SECONDS = 0.02
QUIET_SECONDS = 0.2  # the stub saw no call for this long: the background work is done

KINDS = ("command", "dm")
TARGETS = ("bot", "bare-default", "bare-fast")


@dataclass(frozen=True)
class Prepared:
    body: str
    headers: dict[str, str]


@dataclass
class Round:
    timings: list[float]  # seconds per request, send to answer read
    began: float  # perf_counter() at the first send
    ended: float  # perf_counter() at the last answer
    settled: float | None = None  # perf_counter() when the work after the acks last moved

    @property
    def per_second(self) -> float:
        """Acks per second: what Slack sees."""
        return len(self.timings) / (self.ended - self.began)

    @property
    def done_per_second(self) -> float:
        """Requests fully handled (background work included) per second."""
        finished = self.ended if self.settled is None else max(self.settled, self.ended)
        return len(self.timings) / (finished - self.began)

    def ms(self, q: int) -> float:
        return statistics.quantiles(self.timings, n=100)[q - 1] * 1000


# --- requests as Slack sends them ---


def _signed(body: str, content_type: str) -> Prepared:
    timestamp = int(time.time())
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
    }
    return Prepared(body, headers)


def _user(n: int) -> str:
    return f"U{n % PEOPLE:05d}"


def _command(n: int, response_url: str) -> Prepared:
    user = _user(n)
    body = urlencode(
        {
            "token": "unused",
            "team_id": TEAM_ID,
            "team_domain": "thrive-bench",
            "channel_id": f"D{user}",
            "channel_name": "directmessage",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/thrive",
            "text": "help",
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{n}.{n}.bench",
        }
    )
    return _signed(body, "application/x-www-form-urlencoded")


def _dm(n: int) -> Prepared:
    user = _user(n)
    ts = f"{1_700_000_000 + n}.{n % 1_000_000:06d}"
    event = {
        "type": "message",
        "channel": f"D{user}",
        "user": user,
        "text": "hello",
        "ts": ts,
        "event_ts": ts,
        "team": TEAM_ID,
        "channel_type": "im",
    }
    envelope = {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return _signed(json.dumps(envelope), "application/json")


# --- a stub Slack Web API ---


class StubSlack:
    """Answers {"ok": true, ...} for the methods the adapter calls; counts every call."""

    def __init__(self) -> None:
        self.calls = 0
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
        self.calls += 1
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        return web.json_response(self._answer(request.match_info["method"], args))

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls += 1
        await request.read()
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


# --- the three targets ---


def _bare_bolt(stub: StubSlack, *, fast: bool) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=stub.base_url),
        process_before_response=fast,
    )

    @bolt.command("/thrive")
    async def command(ack: AsyncAck) -> None:
        await ack()

    @bolt.event("message")
    async def message() -> None:
        return None

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


# --- measuring ---


class FailureCount(logging.Handler):
    """Counts error records by event name (the bot's background work failing, mostly)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        self.seen[str(event)] += 1


async def _measure(
    url: str, make: Callable[[int], Prepared], concurrency: int, count: int, start: int
) -> Round:
    timings: list[float] = []
    numbers = iter(range(start, start + count))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for n in numbers:
                request = make(n)
                started = time.perf_counter()
                async with session.post(url, data=request.body, headers=request.headers) as reply:
                    await reply.read()
                    assert reply.status == 200, reply.status
                timings.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.perf_counter()
    return Round(timings, began, ended)


async def _drain(stub: StubSlack, pending: Callable[[], int]) -> float:
    """Wait until the bot has no acked work left and the stub has gone quiet; returns the
    perf_counter() at which work was last seen (to within a poll)."""
    deadline = time.perf_counter() + DRAIN_TIMEOUT_SECONDS
    seen, last_busy = stub.calls, time.perf_counter()
    while time.perf_counter() < deadline:
        await asyncio.sleep(DRAIN_POLL_SECONDS)
        now = time.perf_counter()
        if stub.calls != seen or pending():
            seen, last_busy = stub.calls, now
        elif now - last_busy >= QUIET_SECONDS:
            break
    else:
        print(f"  (work still running after {DRAIN_TIMEOUT_SECONDS:g} s; the next round shares it)")
    return last_busy


def _row(kind: str, concurrency: int, rounds: dict[str, Round]) -> str:
    cells = [f"{kind:<8}{concurrency:>3}"]
    for target in TARGETS:
        r = rounds[target]
        cells.append(f"{r.per_second:7.0f} {r.ms(50):6.2f} {r.ms(99):7.2f}")
    bot, fast = rounds["bot"], rounds["bare-fast"]
    cells.append(f"{bot.done_per_second:7.0f}")
    cells.append(f"{bot.per_second / fast.per_second:7.2f}x")
    cells.append(f"{bot.ms(99) / GOAL_P99_MS:6.2f}x")
    return " | ".join(cells)


async def run() -> None:
    failures = FailureCount()
    logging.getLogger().addHandler(failures)
    try:
        results = await _run_all()
    finally:
        logging.getLogger().removeHandler(failures)
    _report(results, failures.seen)


async def _run_all() -> dict[tuple[str, int], dict[str, Round]]:
    stub = StubSlack()
    stub_runner = await stub.start()
    runners = [stub_runner]
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            secret_key="bench",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=BOT_TOKEN,
            slack_api_url=stub.base_url,
            local_chat=False,
        )
        runtime = await build_runtime(settings)
        adapter = next(a for a in runtime.adapters if isinstance(a, SlackAdapter))
        urls: dict[str, str] = {}
        try:
            apps = {
                "bot": create_app(runtime),
                "bare-default": _bare_bolt(stub, fast=False),
                "bare-fast": _bare_bolt(stub, fast=True),
            }
            for target, app in apps.items():
                runner, port = await start_site(app, "127.0.0.1", 0)
                runners.append(runner)
                urls[target] = f"http://127.0.0.1:{port}/slack/events"

            def pending() -> int:
                # The adapter's set of acked-but-unfinished tasks, if it still keeps one;
                # without it, a quiet stub alone says the work is done.
                return len(getattr(adapter, "_work", ()))

            makers: dict[str, Callable[[int], Prepared]] = {
                "command": lambda n: _command(n, f"{stub.origin}/response/{n}"),
                "dm": _dm,
            }
            results: dict[tuple[str, int], dict[str, Round]] = {}
            numbers = itertools.count(0, 10_000)
            for kind in KINDS:
                for target in TARGETS:  # every person meets every target once first
                    await _measure(urls[target], makers[kind], 10, WARMUP, next(numbers))
                await _drain(stub, pending)
                for concurrency in CONCURRENCY:
                    rounds: dict[str, Round] = {}
                    for target in TARGETS:
                        measured = await _measure(
                            urls[target],
                            makers[kind],
                            concurrency,
                            REQUESTS[concurrency],
                            next(numbers),
                        )
                        settled = await _drain(stub, pending)
                        if target == "bot":
                            measured.settled = settled
                        rounds[target] = measured
                    results[(kind, concurrency)] = rounds
        finally:
            for runner in reversed(runners):
                await runner.cleanup()
    return results


def _report(results: dict[tuple[str, int], dict[str, Round]], failures: Counter[str]) -> None:
    counts = ", ".join(f"{n} at c={c}" for c, n in REQUESTS.items())
    print(f"slack ack: signed requests, loopback, SQLite, stub Web API ({counts})")
    print(" | ".join([" " * 11, *(f"{t:^22}" for t in TARGETS), "bot    ", "bot/fast", "bot p99"]))
    columns = f"{'req/s':>7} {'p50 ms':>6} {'p99 ms':>7}"
    print(" | ".join([f"{'kind':<8}{'c':>3}", *[columns] * 3, "done/s ", "   req/s", "vs 5 ms"]))
    for (kind, concurrency), rounds in results.items():
        print(_row(kind, concurrency, rounds))
    print(
        f"goal: bot p99 <= {GOAL_P99_MS:g} ms at c=1;"
        f" bot throughput >= {GOAL_THROUGHPUT_RATIO}x bare-fast at c=50"
    )
    for kind in KINDS:
        c1 = results[(kind, 1)]["bot"]
        top = results[(kind, max(CONCURRENCY))]
        ratio = top["bot"].per_second / top["bare-fast"].per_second
        done = top["bot"].done_per_second / top["bare-fast"].per_second
        verdict = (
            "met" if c1.ms(99) <= GOAL_P99_MS and ratio >= GOAL_THROUGHPUT_RATIO else "not met"
        )
        print(
            f"  {kind}: p99 at c=1 {c1.ms(99):.2f} ms; throughput at c=50 {ratio:.2f}x"
            f" (acks; {done:.2f}x counting the work behind them) -> {verdict}"
        )
    logged = ", ".join(f"{event} x{count}" for event, count in failures.most_common())
    print(f"errors logged during the run: {logged or 'none'}")
