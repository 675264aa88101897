"""Fan-out: 10,000 prompts through the outbox to a stub Slack Web API, against a bare
slack_sdk chat.postMessage loop at the same concurrency, in the same run.

The stub runs in its own process (its CPU is not ours). Both sides post the same
rendered prompt. The machine's speed wanders from minute to minute, so the two sides take
turns and each figure is the best of a few rounds. The outbox has the database in the
loop (claim, decide, send, record) on SQLite and, if it is reachable, PostgreSQL; each
ratio is printed beside the goal
(GOAL_RATIO). Then a configured rate limit: the achieved rate as a share of it, and the
busiest second, which must never exceed it. Last, a kill: an outbox in its own process,
at the default batch size, concurrency and Slack rate, is killed with SIGKILL after
KILL_AFTER prompts; another outbox (its clock past the lease) finishes the fan-out, and
the figure is how many people got the prompt twice.

    python -m bench.fanout [--messages N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from adapters.slack.blocks import render_message
from bot.outbox.delivery import BATCH_SIZE, LEASE, Outbox
from bot.outbox.send_limits import DEFAULT_RATES, SendLimits
from bot.pulses.prompting import question_message
from bot.pulses.runs import ask_now
from storage.models import Delivery, Person
from storage.people import PeopleRepository
from thrive.gil import share_the_gil
from thrive.heap import settle_heap
from thrive.log_setup import configure_logging
from thrive.runtime import Runtime, build_runtime
from thrive.settings import load_settings

TOKEN = "xoxb-bench"
TEAM = "T0BENCH"
PROMPT = "joy-more"
GOAL_RATIO = 1.2  # the outbox within 1.2x the time of the bare client
KILL_PEOPLE = 60
KILL_AFTER = 30  # prompts posted before the kill, as in the issue that asked for this
PG_URL = os.environ.get("THRIVE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --- the stub Slack Web API, in its own process ---


def _stub_process(conn: Connection) -> None:
    asyncio.run(_stub_main(conn))


async def _stub_main(conn: Connection) -> None:
    posted: list[float] = []
    channels: list[str] = []
    ts = iter(range(1, 10**9))

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "chat.postMessage":
            form = await request.post() if request.content_type != "application/json" else {}
            body = form or await request.json()
            posted.append(time.monotonic())
            channels.append(str(body.get("channel")))
            return web.json_response(
                {"ok": True, "channel": body.get("channel"), "ts": f"1700000000.{next(ts):06d}"}
            )
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": TEAM}
            )
        return web.json_response({"ok": True})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({"count": len(posted), "times": posted, "channels": channels})

    async def reset(_request: web.Request) -> web.Response:
        posted.clear()
        channels.clear()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/api/{method}", api)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    conn.send(port)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
    await runner.cleanup()


@dataclass
class Stub:
    process: BaseProcess
    conn: Connection
    url: str

    async def stats(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.url}/stats") as answer:
            result: dict[str, Any] = await answer.json()
            return result

    async def reset(self) -> None:
        async with aiohttp.ClientSession() as http, http.post(f"{self.url}/reset") as answer:
            await answer.read()

    def stop(self) -> None:
        self.conn.send("stop")
        self.process.join(timeout=5)


def start_stub() -> Stub:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_stub_process, args=(child,))
    process.start()
    port = parent.recv()
    return Stub(process, parent, f"http://127.0.0.1:{port}")


# --- the two sides ---


async def bare_loop(stub: Stub, messages: int, concurrency: int, blocks: Any, text: str) -> float:
    """slack_sdk's client posting the same prompt, `concurrency` at a time: seconds taken."""
    numbers = iter(range(messages))
    # One HTTP session, as any real app (and Thrive) keeps: without it slack_sdk opens a
    # connection per call and the baseline would be slow for the wrong reason.
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=TOKEN, base_url=f"{stub.url}/api/", session=session)

        async def worker() -> None:
            for n in numbers:
                await client.chat_postMessage(channel=f"D{n}", text=text, blocks=blocks)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


async def seeded_runtime(database_url: str, stub: Stub, messages: int) -> Runtime:
    """A Thrive runtime with Slack pointed at the stub, `messages` people and one occurrence
    for all of them queued (setup, not measured)."""
    settings = load_settings(
        database_url=database_url,
        secret_key="bench",
        slack_signing_secret="bench-secret",
        slack_bot_token=TOKEN,
        slack_api_url=f"{stub.url}/api/",
        local_chat=False,
        scheduler=False,
    )
    runtime = await build_runtime(settings)
    now = runtime.ctx.clock.now()
    async with runtime.database.transaction() as session:
        workspace = await PeopleRepository(session).workspace("slack", TEAM, now=now)
        session.add_all(
            Person(
                workspace_id=workspace.id,
                platform_user_id=f"U{n}",
                display_name=f"Clinician {n}",
                tags=[],
                timezone="UTC",
                # Measured at any hour: nobody's quiet hours may hold a prompt back.
                quiet_hours_start="00:00",
                quiet_hours_end="00:00",
                quiet_weekends=False,
                conversation_ref={
                    "platform": "slack",
                    "workspace": TEAM,
                    "conversation_id": f"U{n}",
                    "data": {"channel": f"D{n}"},
                },
                created_at=now,
            )
            for n in range(messages)
        )
    async with runtime.database.transaction() as session:
        people = list(await session.scalars(select(Person)))
    await ask_now(runtime.database, runtime.ctx, runtime.outbox, people, [PROMPT])
    del people
    settle_heap()  # as `thrive serve` does once started (the seeding is not the server's)
    return runtime


async def outbox_run(
    database_url: str, stub: Stub, messages: int, concurrency: int, limits: SendLimits
) -> tuple[float, int]:
    """The outbox sending every queued prompt: (seconds taken, deliveries recorded sent)."""
    runtime = await seeded_runtime(database_url, stub, messages)
    outbox = Outbox(
        runtime.database,
        runtime.ctx,
        runtime.outbox.senders,
        limits=limits,
        concurrency=concurrency,
    )
    try:
        started = time.perf_counter()
        while await outbox.dispatch_due():
            pass
        took = time.perf_counter() - started
        async with runtime.database.transaction() as session:
            sent = await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.state == "sent")
            )
        return took, int(sent or 0)
    finally:
        await _close(runtime)


async def _close(runtime: Runtime) -> None:
    for adapter in runtime.adapters:
        web_api = getattr(adapter, "web", None)
        if web_api is not None:
            await web_api.close()
    await runtime.database.dispose()


async def _postgres_url() -> str | None:
    """A fresh schema in the test database, or None when PostgreSQL is not reachable."""
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    return PG_URL.replace("postgresql://", "postgresql+asyncpg://", 1)


def _busiest_second(times: list[float]) -> int:
    ordered = sorted(times)
    busiest, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


async def run(messages: int = 10_000, *, rounds: int = 3, kill_only: bool = False) -> None:
    from bot.context import BotContext  # the prompt both sides post, rendered once
    from prompts import load_content

    content = load_content()
    ctx = BotContext(content, clock=None, secret_key="bench")  # type: ignore[arg-type]
    text, blocks = render_message(question_message(ctx, content.prompt(PROMPT), 1, 0, 1))
    settle_heap()  # the bare loop runs with the collector set as the outbox's process has it
    share_the_gil()  # and with the switch interval `thrive serve` sets
    stub = start_stub()
    try:
        if kill_only:
            await _resent_after_kill(stub)
            return
        print(
            f"fanout: {messages:,} prompts to a stub Slack API (its own process), "
            f"best of {rounds} rounds, bare and outbox taking turns"
        )
        # Best round first; the slowest beside it shows how much the machine wandered.
        print(f"{'':34}{'msgs/s':>10}{'seconds':>10}{'slowest':>9}{'time ratio':>12}")
        databases: list[tuple[str, Callable[[], Awaitable[str | None]]]] = [
            ("SQLite", lambda: _sqlite_url()),
            ("PostgreSQL", _postgres_url),
        ]
        for concurrency in (1, 20):
            bare_times: list[float] = []
            outbox_times: dict[str, list[float]] = {name: [] for name, _ in databases}
            checks: dict[str, str] = {}
            for _round in range(rounds):
                await stub.reset()
                bare_times.append(await bare_loop(stub, messages, concurrency, blocks, text))
                for name, url_of in databases:
                    url = await url_of()
                    if url is None:
                        checks[name] = "unreachable"
                        continue
                    await stub.reset()
                    took, sent = await outbox_run(
                        url, stub, messages, concurrency, SendLimits(rates={})
                    )
                    got = (await stub.stats())["count"]
                    outbox_times[name].append(took)
                    if not sent == got == messages:
                        checks[name] = f"  MISMATCH sent={sent} got={got}"
            bare = min(bare_times)
            label = f"bare slack_sdk loop, c={concurrency}"
            print(f"{label:34}{messages / bare:>10,.0f}{bare:>10.2f}{max(bare_times):>9.2f}")
            for name, _url_of in databases:
                if checks.get(name) == "unreachable":
                    print(f"{f'outbox on {name}':34}  (not reachable, skipped)")
                    continue
                took = min(outbox_times[name])
                ratio = took / bare
                verdict = "ok" if ratio <= GOAL_RATIO else "NOT MET"
                print(
                    f"{f'outbox on {name}, c={concurrency}':34}{messages / took:>10,.0f}"
                    f"{took:>10.2f}{max(outbox_times[name]):>9.2f}{ratio:>11.2f}x"
                    f"  (goal {GOAL_RATIO}x: {verdict})"
                    f"{checks.get(name, '')}"
                )
        await _rate_limited(stub)
        await _resent_after_kill(stub)
    finally:
        stub.stop()


async def _sqlite_url() -> str:
    path = tempfile.mkdtemp(prefix="thrive-fanout-")
    return f"sqlite:///{path}/fanout.db"


async def _rate_limited(stub: Stub, limit: float = 200.0, messages: int = 2_000) -> None:
    await stub.reset()
    _took, _sent = await outbox_run(
        await _sqlite_url(), stub, messages, 20, SendLimits(override=limit)
    )
    times = (await stub.stats())["times"]
    achieved = (len(times) - 1) / (max(times) - min(times))
    busiest = _busiest_second(times)
    verdict = "ok" if achieved >= 0.95 * limit and busiest <= limit else "NOT MET"
    print(
        f"rate limit {limit:.0f}/s, {messages:,} prompts: achieved {achieved:.1f}/s "
        f"({achieved / limit:.1%} of the limit), busiest second {busiest} -> {verdict}"
    )


# --- a kill mid fan-out ---


def _victim_process(database_url: str, api_url: str) -> None:
    configure_logging("warning")
    asyncio.run(_victim_main(database_url, api_url))


async def _victim_main(database_url: str, api_url: str) -> None:
    """An outbox at the defaults (batch size, concurrency, Slack's rate), until killed."""
    settings = load_settings(
        database_url=database_url,
        secret_key="bench",
        slack_signing_secret="bench-secret",
        slack_bot_token=TOKEN,
        slack_api_url=api_url,
        local_chat=False,
        scheduler=False,
    )
    runtime = await build_runtime(settings)
    outbox = Outbox(runtime.database, runtime.ctx, runtime.outbox.senders)
    while True:
        await outbox.dispatch_due()
        await asyncio.sleep(0.1)


class _Later:
    """The system clock, `ahead` later: the restarted outbox sees the dead one's leases
    as run out without the benchmark waiting for them."""

    def __init__(self, ahead: timedelta) -> None:
        self.ahead = ahead

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def _resent_after_kill(stub: Stub) -> None:
    await stub.reset()
    url = await _sqlite_url()
    await _close(await seeded_runtime(url, stub, KILL_PEOPLE))
    victim = multiprocessing.get_context("spawn").Process(
        target=_victim_process, args=(url, f"{stub.url}/api/")
    )
    victim.start()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if (await stub.stats())["count"] >= KILL_AFTER:
                break
            await asyncio.sleep(0.005)
    finally:
        os.kill(victim.pid or 0, signal.SIGKILL)
        victim.join()
    at_kill = (await stub.stats())["count"]
    settings = load_settings(
        database_url=url,
        secret_key="bench",
        slack_signing_secret="bench-secret",
        slack_bot_token=TOKEN,
        slack_api_url=f"{stub.url}/api/",
        local_chat=False,
        scheduler=False,
    )
    restarted = await build_runtime(settings, clock=_Later(LEASE + timedelta(seconds=1)))
    try:
        while await restarted.outbox.dispatch_due():
            pass
    finally:
        await _close(restarted)
    per_person = Counter((await stub.stats())["channels"])
    twice = sum(1 for n in per_person.values() if n > 1)
    outbox = Outbox(restarted.database, restarted.ctx, {})
    print(
        f"kill -9 after {at_kill} of {KILL_PEOPLE} prompts (batch {BATCH_SIZE}, concurrency "
        f"{outbox.concurrency}, Slack's {DEFAULT_RATES['slack']:.0f}/s): re-sent {twice}, "
        f"missed {KILL_PEOPLE - len(per_person)} (at most {outbox.most_resent} can go twice)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="the best of so many runs")
    parser.add_argument("--kill-only", action="store_true", help="only the kill figure")
    args = parser.parse_args()
    configure_logging("warning")
    asyncio.run(run(args.messages, rounds=args.rounds, kill_only=args.kill_only))


if __name__ == "__main__":
    main()
