"""A Slack fan-out through real `thrive serve` processes, one of them killed with SIGKILL
at a chosen point: what a clinician would see is counted on the fake Slack's calls.

Each process has its own bot token (the fake answers to both), so every call says which
process made it. The kill points:

- "early": the victim's first prompt has reached Slack;
- "mid-batch": half of the victim's first claim has reached Slack;
- "before the first send": the victim has claimed and decided, and is opening its first
  DM (conversations.open, held by the fake), with no prompt sent yet;
- "right after a send": the moment Slack has answered one of the victim's prompts, before
  the victim can have recorded it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.slack.inbound import dm_ref
from bot.clock import SystemClock
from bot.context import BotContext
from bot.outbox.delivery import SEND_CONCURRENCY, Outbox
from bot.pulses.runs import ask_now
from prompts import Content
from storage.engine import Database
from storage.people import PeopleRepository
from tests.cli.thrive_process import clean_env, read_url, start_thrive, stop
from tests.integration.many_people import add_reachable_people
from tests.integration.slack.fake_slack import TEAM_ID, Body, FakeSlack

PROMPT = "joy-more"
SECRET = "kill-points"
SURVIVOR_TOKEN = "xoxb-survivor"
VICTIM_TOKEN = "xoxb-victim"
RATE = 40  # THRIVE_SEND_RATE: prompts per second per process
LEASE_SECONDS = 4  # THRIVE_OUTBOX_LEASE_SECONDS: the victim's claims come back soon
# The victim's first claim at that rate and lease (bot.outbox.delivery: half a lease of
# sending, after a grace of half the lease).
FIRST_CLAIM = RATE * LEASE_SECONDS // 4
# What a kill can leave sent but unrecorded at the default concurrency: on the wire, and
# sent with the record being written (Outbox.most_resent).
MOST_RESENT = 2 * SEND_CONCURRENCY
FINISH_WITHIN = 60.0

EARLY = "early"
MID_BATCH = "mid-batch"
BEFORE_FIRST_SEND = "before the first send"
RIGHT_AFTER_A_SEND = "right after a send"


class KillingSlack(FakeSlack):
    """The fake Slack, which kills the victim when its calls reach the kill point."""

    def __init__(self, point: str) -> None:
        super().__init__(SURVIVOR_TOKEN)
        self.other_tokens.add(VICTIM_TOKEN)
        self.point = point
        self.kill: Callable[[], None] = lambda: None
        self.killed_after: int | None = None  # the victim's prompts Slack had seen then
        self._held = asyncio.Event()

    def victim_prompts(self) -> int:
        return sum(1 for call in self.calls_to("chat.postMessage") if _by_victim(call.headers))

    async def _answer(
        self,
        request: web.Request,
        method: str,
        body: Body,
        respond: Callable[[], tuple[int, dict[str, Any]]],
    ) -> web.StreamResponse:
        victim = _by_victim(request.headers) and self.killed_after is None
        if victim and method == "conversations.open" and self.point == BEFORE_FIRST_SEND:
            self._kill()
            await self._held.wait()  # never answered: the process is gone
        answer = await super()._answer(request, method, body, respond)
        if victim and method == "chat.postMessage":
            sent = self.victim_prompts()
            if (
                (self.point == EARLY and sent >= 1)
                or (self.point == MID_BATCH and sent >= FIRST_CLAIM // 2)
                or (self.point == RIGHT_AFTER_A_SEND and sent >= 3)
            ):
                # After the answer is on its way: Slack has the prompt, the victim may
                # have its answer, and has had no time to record it.
                asyncio.get_running_loop().call_soon(self._kill)
        return answer

    def _kill(self) -> None:
        if self.killed_after is None:
            self.killed_after = self.victim_prompts()
            self.kill()


def _by_victim(headers: Any) -> bool:
    return bool(headers.get("Authorization") == f"Bearer {VICTIM_TOKEN}")


@dataclass
class Server:
    name: str
    process: asyncio.subprocess.Process

    @property
    def running(self) -> bool:
        return self.process.returncode is None


@dataclass
class Fleet:
    """`thrive serve` processes on one database, sending Slack prompts to the fake."""

    tmp_path: Path
    database_url: str
    slack: KillingSlack
    servers: list[Server] = field(default_factory=list)

    async def start(self, name: str, token: str) -> Server:
        env = clean_env(
            THRIVE_DATABASE_URL=self.database_url,
            THRIVE_SECRET_KEY=SECRET,
            THRIVE_PORT="0",
            THRIVE_LOCAL_CHAT="true",  # its URL on stdout says the server is up
            THRIVE_LOG_FORMAT="json",
            THRIVE_QUIET_HOURS="off",
            THRIVE_QUIET_WEEKENDS="false",
            THRIVE_SEND_RATE=str(RATE),
            THRIVE_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
            THRIVE_SLACK_BOT_TOKEN=token,
            THRIVE_SLACK_SIGNING_SECRET="kill-points-signing",
            THRIVE_SLACK_API_URL=self.slack.base_url,
        )
        process = await start_thrive(self.tmp_path, f"{name}.log", "serve", env=env)
        assert process.stdout is not None
        try:
            await read_url(process.stdout)
        except BaseException:
            process.kill()
            await process.wait()
            raise
        server = Server(name, process)
        self.servers.append(server)
        return server

    def kill_on_cue(self, server: Server) -> None:
        self.slack.kill = lambda: server.process.send_signal(signal.SIGKILL)

    async def close(self) -> None:
        for server in self.servers:
            if server.running:
                await stop(server.process, signal.SIGTERM)


async def add_slack_people(database: Database, count: int, *, with_dm: bool) -> list[Any]:
    """`count` Slack clinicians, reachable at any hour; `with_dm`: their DM channel is
    known (else the first prompt to each opens it)."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace("slack", TEAM_ID, now=now)
        user_ids = [f"U{n:05d}" for n in range(count)]
        return await add_reachable_people(
            session,
            workspace.id,
            user_ids,
            lambda user: dm_ref(TEAM_ID, user, f"D{user}" if with_dm else None),
            now,
        )


async def open_fan_out(database: Database, content: Content, people: list[Any]) -> None:
    """What a pulse firing does: one delivery per person; the servers send them."""
    ctx = BotContext(content, SystemClock(), SECRET, "UTC")
    opened = await ask_now(database, ctx, Outbox(database, ctx, {}), people, [PROMPT])
    assert opened.queued == len(people)


@dataclass(frozen=True)
class Prompted:
    people: int  # people who got the prompt at least once
    twice: int  # people who got it twice
    thrice: int  # people who got it three times or more
    extra: int  # prompts beyond one per person


def prompted(slack: FakeSlack) -> Prompted:
    per_channel = Counter(
        str(call.body.get("channel")) for call in slack.calls_to("chat.postMessage") if call.ok
    )
    return Prompted(
        people=len(per_channel),
        twice=sum(1 for n in per_channel.values() if n == 2),
        thrice=sum(1 for n in per_channel.values() if n >= 3),
        extra=sum(n - 1 for n in per_channel.values()),
    )


async def until_everyone_prompted(slack: FakeSlack, count: int) -> float:
    started = time.monotonic()
    while prompted(slack).people < count:
        if time.monotonic() - started > FINISH_WITHIN:
            raise AssertionError(f"{prompted(slack)} after {FINISH_WITHIN}s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started
