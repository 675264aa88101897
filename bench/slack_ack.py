"""How fast Thrive acknowledges Slack: signed requests at concurrency 1, 10 and 50.

Two kinds of request, each signed as Slack signs them with a fresh timestamp: a
`/thrive help` slash command (form-encoded) and a DM `message` event (JSON
event_callback, a new event_id and words each time so dedupe never short-circuits).

Two processes, as in production: Slack's side (this one: the client sending
the requests, and a stub Slack Web API receiving the bot's replies) and the
server (a child process) with three targets on loopback:

  bot           the whole Thrive server (build_runtime + create_app, SQLite).
                It acks, then does the real work from its queue (the database,
                users.info, replies to the stub); that work is on the same
                event loop as the acks, by design.
  bare-default  a bare bolt AsyncApp, ack-only listeners, default mode
                (process_before_response=False): bolt's runner polls for ack()
                every 10 ms, so slash commands have a ~10 ms floor.
  bare-fast     the same with process_before_response=True.

req/s counts acks (what Slack sees). Acks alone could hide dropped or endless
work, so for the bot each round also waits until the stub has the reply to
every request of the round (a command's response_url post; for a DM, the
chat.postMessage whose idea button carries that DM's words) and prints "drain":
seconds from the last ack to the last reply, "done/s": requests over first
send to last reply, and "replied": how many requests got their reply. The
server's own counts (work queued, finished, failed) and its error logs are
printed under the table.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import logging
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackAdapter
from bench.slack_stub import BOT_USER_ID, TEAM_ID, StubSlack
from thrive.log_setup import configure_logging
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
API_APP_ID = "A0BENCH"
PEOPLE = 50  # distinct people sending; the warm-up introduces each one to every target
CONCURRENCY = (1, 10, 50)
REQUESTS = {1: 400, 10: 1000, 50: 1000}
WARMUP = 100
GOAL_P99_MS = 5.0
GOAL_THROUGHPUT_RATIO = 0.8
DRAIN_TIMEOUT_SECONDS = 60.0
DRAIN_POLL_SECONDS = 0.005
PAUSE_SECONDS = 0.2  # between rounds of the bare apps (nothing behind their acks)

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
    settled: float | None = None  # perf_counter() when the last reply reached the stub
    replied: int = 0  # requests whose reply reached the stub

    @property
    def per_second(self) -> float:
        """Acks per second: what Slack sees."""
        return len(self.timings) / (self.ended - self.began)

    @property
    def done_per_second(self) -> float:
        """Requests fully handled (the work behind the acks included) per second."""
        finished = self.ended if self.settled is None else max(self.settled, self.ended)
        return len(self.timings) / (finished - self.began)

    @property
    def drain(self) -> float:
        """Seconds from the last ack to the last reply."""
        return max(0.0, (self.settled or self.ended) - self.ended)

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
        "text": f"hello {n}",  # comes back in the reply's idea button: see StubSlack
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


# --- the server's side (a child process): the bot and two bare bolt apps ---


def _bare_bolt(api_url: str, *, fast: bool) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
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


class FailureCount(logging.Handler):
    """Counts error records by event name (the bot's queued work failing, mostly)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        self.seen[str(event)] += 1


def _serve(api_url: str, conn: Connection) -> None:
    """The child process: serve the targets until told to stop; answer "stats"."""
    configure_logging("warning")
    failures = FailureCount()
    logging.getLogger().addHandler(failures)
    asyncio.run(_serve_targets(api_url, conn, failures))


async def _serve_targets(api_url: str, conn: Connection, failures: FailureCount) -> None:
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            secret_key="bench",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=BOT_TOKEN,
            slack_api_url=api_url,
            local_chat=False,
        )
        runtime = await build_runtime(settings)
        adapter = next(a for a in runtime.adapters if isinstance(a, SlackAdapter))
        apps = {
            "bot": create_app(runtime),
            "bare-default": _bare_bolt(api_url, fast=False),
            "bare-fast": _bare_bolt(api_url, fast=True),
        }
        runners, ports = [], {}
        for target, app in apps.items():
            runner, ports[target] = await start_site(app, "127.0.0.1", 0)
            runners.append(runner)
        conn.send(ports)
        try:
            while await loop.run_in_executor(None, conn.recv) == "stats":
                work = adapter.work
                conn.send(
                    {
                        "submitted": work.submitted,
                        "finished": work.finished,
                        "failed": work.failed,
                        "errors": dict(failures.seen),
                    }
                )
        finally:
            for runner in reversed(runners):
                await runner.cleanup()  # the bot's on_shutdown drains its queue


# --- Slack's side (this process): the client ---


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


async def _replies(stub: StubSlack, numbers: range, measured: Round) -> None:
    """Wait (bounded) for the reply to every request in `numbers` to reach the stub."""
    deadline = time.perf_counter() + DRAIN_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        if all(n in stub.replied for n in numbers):
            break
        await asyncio.sleep(DRAIN_POLL_SECONDS)
    arrived = [stub.replied[n] for n in numbers if n in stub.replied]
    measured.replied = len(arrived)
    measured.settled = max(arrived, default=measured.ended)


class Server:
    """The child process serving the targets, and the pipe to it."""

    def __init__(self, api_url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(api_url, child), daemon=True)

    async def start(self) -> dict[str, int]:
        self._process.start()
        ports: dict[str, int] = await self._ask(None)
        return ports

    async def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self._ask("stats")
        return answer

    async def stop(self) -> None:
        self._conn.send("stop")
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 30)

    async def _ask(self, question: str | None) -> Any:
        if question is not None:
            self._conn.send(question)
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)


def _row(kind: str, concurrency: int, rounds: dict[str, Round]) -> str:
    cells = [f"{kind:<8}{concurrency:>3}"]
    for target in TARGETS:
        r = rounds[target]
        cells.append(f"{r.per_second:7.0f} {r.ms(50):6.2f} {r.ms(99):7.2f}")
    bot, fast = rounds["bot"], rounds["bare-fast"]
    cells.append(f"{bot.per_second / fast.per_second:7.2f}x")
    cells.append(f"{bot.ms(99) / GOAL_P99_MS:6.2f}x")
    cells.append(f"{bot.drain:6.2f} {bot.done_per_second:6.0f} {bot.replied:5}/{len(bot.timings)}")
    return " | ".join(cells)


async def run() -> None:
    results, stats = await _run_all()
    _report(results, stats)


async def _run_all() -> tuple[dict[tuple[str, int], dict[str, Round]], dict[str, Any]]:
    stub = StubSlack()
    stub_runner = await stub.start()
    server = Server(stub.base_url)
    try:
        ports = await server.start()
        urls = {target: f"http://127.0.0.1:{port}/slack/events" for target, port in ports.items()}
        makers: dict[str, Callable[[int], Prepared]] = {
            "command": lambda n: _command(n, f"{stub.origin}/response/{n}"),
            "dm": _dm,
        }
        results: dict[tuple[str, int], dict[str, Round]] = {}
        numbers = itertools.count(0, 10_000)
        for kind in KINDS:
            for target in TARGETS:  # every person meets every target once first
                start = next(numbers)
                warmup = await _measure(urls[target], makers[kind], 10, WARMUP, start)
                if target == "bot":
                    await _replies(stub, range(start, start + WARMUP), warmup)
            for concurrency in CONCURRENCY:
                rounds: dict[str, Round] = {}
                for target in TARGETS:
                    start, count = next(numbers), REQUESTS[concurrency]
                    measured = await _measure(urls[target], makers[kind], concurrency, count, start)
                    if target == "bot":
                        await _replies(stub, range(start, start + count), measured)
                    else:
                        await asyncio.sleep(PAUSE_SECONDS)
                    rounds[target] = measured
                results[(kind, concurrency)] = rounds
        stats = await server.stats()
    finally:
        await server.stop()
        await stub_runner.cleanup()
    return results, stats


def _report(results: dict[tuple[str, int], dict[str, Round]], stats: dict[str, Any]) -> None:
    counts = ", ".join(f"{n} at c={c}" for c, n in REQUESTS.items())
    print(f"slack ack: signed requests, loopback, SQLite, stub Web API ({counts})")
    headings = [" " * 11, *(f"{t:^22}" for t in TARGETS), "bot/fast", "bot p99"]
    print(" | ".join([*headings, "bot: work behind the acks"]))
    columns = f"{'req/s':>7} {'p50 ms':>6} {'p99 ms':>7}"
    work = "drain s done/s replied"
    print(" | ".join([f"{'kind':<8}{'c':>3}", *[columns] * 3, "   req/s", "vs 5 ms", work]))
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
    replied = sum(r["bot"].replied for r in results.values())
    sent = sum(len(r["bot"].timings) for r in results.values())
    print(
        f"bot work: {stats['submitted']} jobs queued, {stats['finished']} finished,"
        f" {stats['failed']} failed; measured requests replied to: {replied}/{sent}"
    )
    errors: dict[str, int] = stats["errors"]
    logged = ", ".join(f"{event} x{count}" for event, count in Counter(errors).most_common())
    print(f"errors logged by the server during the run: {logged or 'none'}")


if __name__ == "__main__":
    configure_logging("warning")
    asyncio.run(run())
