"""How many Teams message turns a second: our bot against a bare botbuilder echo bot.

Three processes, so the measured server has a core of its own to the extent two
cores allow: this one (the client: signed message activities at concurrency 1
and 10), the fake channel (bench/teams_stub.py: OpenID metadata, keys, the token
endpoint and the Bot Connector the replies go to) and the server, with two
targets on loopback, both authenticating every activity against the same channel:

  bot   the whole Thrive server (build_runtime + create_app, SQLite, auth on): each
        turn goes through the dispatcher and the database, and its reply (a card
        offering the words as an idea) is posted to the channel.
  bare  botbuilder's CloudAdapter with an echo ActivityHandler, the same auth and
        credentials: it posts "Echo: <text>" back. It builds new connector and
        user-token clients for every turn, which is most of its CPU.
  bare+reuse  the same echo bot behind our StrictAuthentication, which keeps those
        clients (adapters/teams/clients.py): what the reuse alone is worth.

Every message says "hello <n>"; the stub notes which n got a reply, and each row
says "replied n/n". "cpu ms" is the server process's CPU time (all its threads)
per turn over the round. Ratios are ours over the bare bot's, from the same run.

    python -m bench.teams_turn [--profile PREFIX]

--profile writes cProfile stats of the server during the c=10 rounds to
PREFIX.<target>.pstats, and prints their top entries.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import logging
import multiprocessing
import pstats
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams.auth import StrictAuthentication
from adapters.teams.config import BotFrameworkSettings, TeamsConfig
from adapters.teams.credentials import TokenEndpointCredentialFactory
from bench.teams_stub import TeamsStub
from thrive.log_setup import configure_logging
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

APP_ID = "00000000-0000-0000-0000-00000000be0c"
APP_PASSWORD = "bench-app-password"
TENANT_ID = "tenant-bench"
PEOPLE = 50  # distinct people; the warm-up introduces each one to both targets
CONCURRENCY = (1, 10)
REQUESTS = {1: 150, 10: 600}
WARMUP = 100
TARGETS = ("bot", "bare", "bare+reuse")
HEADINGS = {"bot": "bot", "bare": "bare echo bot", "bare+reuse": "bare echo bot + reuse"}
GOAL_THROUGHPUT_RATIO = 3.0  # ours over bare at c=10, with a lower p99
REPLY_WAIT_SECONDS = 10.0
REPLY_POLL_SECONDS = 0.02
PROFILE_TOP = 25


@dataclass
class Round:
    timings: list[float]  # seconds per request, send to answer read
    began: float
    ended: float
    cpu: float = 0.0  # the server's CPU seconds over the round
    replied: int = 0

    @property
    def per_second(self) -> float:
        return len(self.timings) / (self.ended - self.began)

    @property
    def cpu_ms(self) -> float:
        return self.cpu / len(self.timings) * 1000

    def ms(self, q: int) -> float:
        return statistics.quantiles(self.timings, n=100)[q - 1] * 1000


# --- activities as Teams posts them ---


def _message(n: int, service_url: str) -> bytes:
    user = f"29:bench-{n % PEOPLE:03d}"
    activity = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "text": f"hello {n}",  # comes back in the reply: see bench/teams_stub.py
        "from": {"id": user, "name": f"Bench {n % PEOPLE}", "aadObjectId": f"aad-{user}"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Thrive"},
        "conversation": {
            "id": f"a:personal-{user}",
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        },
        "channelData": {"tenant": {"id": TENANT_ID}},
        "localTimezone": "America/Chicago",
    }
    return json.dumps(activity).encode()


# --- the server's side (a child process): our bot and the bare echo bot ---


class _Echo(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


def _bare_echo(channel: dict[str, str], *, reuse: bool) -> web.Application:
    """botbuilder's CloudAdapter as its samples use it, with our token-endpoint
    credentials (msal cannot be pointed at a loopback channel) and the same endpoints;
    with `reuse`, behind StrictAuthentication, which keeps the clients."""
    config = TeamsConfig(
        app_id=APP_ID,
        app_password=APP_PASSWORD,
        openid_metadata_url=channel["metadata_url"],
        token_issuer=channel["issuer"],
        login_url=channel["login_url"],
    )
    credentials = TokenEndpointCredentialFactory(APP_ID, APP_PASSWORD, channel["login_url"])
    auth = ConfigurationBotFrameworkAuthentication(
        BotFrameworkSettings(config), credentials_factory=credentials
    )
    adapter = CloudAdapter(StrictAuthentication(auth) if reuse else auth)
    bot = _Echo()

    async def messages(request: web.Request) -> web.Response:
        answer = await adapter.process(request, bot)
        return answer if answer is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


class LogCount(logging.Handler):
    """Counts warnings and errors by event name, instead of printing them mid-table."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        self.seen[str(event)] += 1


def _serve(channel: dict[str, str], conn: Connection) -> None:
    configure_logging("warning")
    logged = LogCount()
    logging.getLogger().handlers[:] = [logged]
    asyncio.run(_serve_targets(channel, conn, logged))


async def _serve_targets(channel: dict[str, str], conn: Connection, logged: LogCount) -> None:
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            secret_key="bench",
            local_chat=False,
            teams_app_id=APP_ID,
            teams_app_password=APP_PASSWORD,
            teams_openid_metadata_url=channel["metadata_url"],
            teams_token_issuer=channel["issuer"],
            teams_login_url=channel["login_url"],
        )
        runtime = await build_runtime(settings)
        apps = {
            "bot": create_app(runtime),
            "bare": _bare_echo(channel, reuse=False),
            "bare+reuse": _bare_echo(channel, reuse=True),
        }
        runners, ports = [], {}
        for target, app in apps.items():
            runner, ports[target] = await start_site(app, "127.0.0.1", 0)
            runners.append(runner)
        conn.send(ports)
        profile: cProfile.Profile | None = None
        try:
            while (question := await loop.run_in_executor(None, conn.recv))[0] != "stop":
                if question[0] == "cpu":  # all threads: msrest sends from the executor
                    conn.send(time.process_time())
                elif question[0] == "logged":
                    conn.send(dict(logged.seen))
                elif question[0] == "profile":
                    profile = cProfile.Profile()
                    profile.enable()
                    conn.send(None)
                elif question[0] == "dump" and profile is not None:
                    profile.disable()
                    profile.dump_stats(question[1])
                    profile = None
                    conn.send(None)
        finally:
            for runner in reversed(runners):
                await runner.cleanup()


class Server:
    """The child process serving both targets, and the pipe to it."""

    def __init__(self, channel: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(channel, child), daemon=True)

    async def start(self) -> dict[str, int]:
        self._process.start()
        ports: dict[str, int] = await self.ask(None)
        return ports

    async def stop(self) -> None:
        self._conn.send(("stop",))
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 30)

    async def ask(self, question: tuple[Any, ...] | None) -> Any:
        if question is not None:
            self._conn.send(question)
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)


# --- the channel's side (this process): the client ---


async def _measure(
    url: str, service_url: str, token: str, concurrency: int, numbers: range
) -> Round:
    timings: list[float] = []
    todo = iter(numbers)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for n in todo:
                body = _message(n, service_url)
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    assert answer.status in (200, 201), answer.status
                timings.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.perf_counter()
    return Round(timings, began, ended)


async def _replied(stub: TeamsStub, numbers: range) -> int:
    """Replies are posted before the turn's answer, but wait a little in case."""
    deadline = time.monotonic() + REPLY_WAIT_SECONDS
    while (count := await stub.replied(numbers)) < len(numbers):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(REPLY_POLL_SECONDS)
    return count


async def run(profile: str | None = None) -> None:
    results, calls, logged = await _run_all(profile)
    _report(results, calls, logged)
    if profile:
        for target in TARGETS:
            print(f"\nserver profile, {target} at c={max(CONCURRENCY)} (tottime):")
            stats = pstats.Stats(f"{profile}.{target}.pstats")
            stats.sort_stats("tottime").print_stats(PROFILE_TOP)


async def _run_all(
    profile: str | None,
) -> tuple[dict[int, dict[str, Round]], dict[str, int], dict[str, int]]:
    stub = TeamsStub(APP_ID, APP_PASSWORD)
    service_url = await stub.start()
    channel = {
        "metadata_url": stub.metadata_url,
        "issuer": stub.issuer,
        "login_url": stub.login_url,
    }
    server = Server(channel)
    token = stub.mint(service_url=service_url)
    try:
        ports = await server.start()
        urls = {target: f"http://127.0.0.1:{port}/api/messages" for target, port in ports.items()}
        numbers = itertools.count(0, 10_000)
        for target in TARGETS:  # metadata, keys, the app token and every person, first
            start = next(numbers)
            await _measure(urls[target], service_url, token, 10, range(start, start + WARMUP))
        results: dict[int, dict[str, Round]] = {}
        for concurrency in CONCURRENCY:
            rounds: dict[str, Round] = {}
            for target in TARGETS:
                start = next(numbers)
                todo = range(start, start + REQUESTS[concurrency])
                profiled = profile is not None and concurrency == max(CONCURRENCY)
                if profiled:
                    await server.ask(("profile",))
                cpu = await server.ask(("cpu",))
                measured = await _measure(urls[target], service_url, token, concurrency, todo)
                measured.cpu = await server.ask(("cpu",)) - cpu
                if profiled:
                    await server.ask(("dump", f"{profile}.{target}.pstats"))
                measured.replied = await _replied(stub, todo)
                rounds[target] = measured
            results[concurrency] = rounds
        calls = await stub.counts()
        logged: dict[str, int] = await server.ask(("logged",))
    finally:
        await server.stop()
        await stub.stop()
    return results, calls, logged


def _report(
    results: dict[int, dict[str, Round]], calls: dict[str, int], logged: dict[str, int]
) -> None:
    counts = ", ".join(f"{n} at c={c}" for c, n in REQUESTS.items())
    print(f"teams turn: signed message activities, loopback, SQLite, fake channel ({counts})")
    print(" | ".join([f"{'':>3}", *(f"{HEADINGS[t]:^37}" for t in TARGETS), "bot/bare"]))
    columns = f"{'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} {'replied':>7}"
    print(" | ".join([f"{'c':>3}", *[columns] * len(TARGETS), f"{'req/s':>6} {'p99':>6}"]))
    for concurrency, rounds in results.items():
        cells = [f"{concurrency:>3}"]
        for target in TARGETS:
            r = rounds[target]
            replied = f"{r.replied}/{len(r.timings)}"
            cells.append(
                f"{r.per_second:6.0f} {r.ms(50):7.2f} {r.ms(99):7.2f} {r.cpu_ms:6.2f} {replied:>7}"
            )
        bot, bare = rounds["bot"], rounds["bare"]
        cells.append(f"{bot.per_second / bare.per_second:5.2f}x {bot.ms(99) / bare.ms(99):5.2f}x")
        print(" | ".join(cells))
    top = results[max(CONCURRENCY)]
    ratio = top["bot"].per_second / top["bare"].per_second
    lower = top["bot"].ms(99) < top["bare"].ms(99)
    verdict = "met" if ratio >= GOAL_THROUGHPUT_RATIO and lower else "not met"
    print(
        f"goal: bot >= {GOAL_THROUGHPUT_RATIO:g}x the bare bot's req/s at c={max(CONCURRENCY)}"
        f" with a lower p99: {ratio:.2f}x, p99 {'lower' if lower else 'not lower'} -> {verdict}"
    )
    shown = ", ".join(f"{kind} {count}" for kind, count in sorted(calls.items()))
    print(f"channel calls during the run: {shown}")
    warned = ", ".join(f"{event} x{n}" for event, n in Counter(logged).most_common())
    print(f"server warnings and errors during the run: {warned or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.teams_turn")
    parser.add_argument("--profile", metavar="PREFIX", help="cProfile the server at c=10")
    args = parser.parse_args()
    configure_logging("warning")
    asyncio.run(run(args.profile))


if __name__ == "__main__":
    main()
