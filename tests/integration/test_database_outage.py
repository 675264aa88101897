"""The database goes away for a while mid fan-out: the outbox backs off, comes back, and
every recipient is prompted exactly once. The outage is real: the outbox reaches
PostgreSQL through a TCP relay that the test cuts (dropping every connection and
refusing new ones) and then restores."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.outbox.send_limits import SendLimits
from bot.pulses.runs import ask_now
from storage.engine import Database
from storage.models import Delivery, Person
from storage.people import PeopleRepository
from tests.unit.bot.dispatch_harness import LOCAL, RecordingSender, conversation_ref

pytestmark = pytest.mark.postgres

RECIPIENTS = 300
WAIT_SECONDS = 30.0


class Relay:
    """127.0.0.1:<port> -> PostgreSQL, that can be cut and restored."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.up = True
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        self.up = False
        for writer in list(self._links):
            writer.close()
        self._links.clear()

    def restore(self) -> None:
        self.up = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._links |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(writer)
            writer.close()


@pytest.fixture
async def relay(postgres_db: Database) -> AsyncIterator[Relay]:
    url = make_url(postgres_db.url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    await relay.stop()


async def test_the_outbox_rides_out_a_database_outage_and_prompts_everyone_once(
    postgres_db: Database, relay: Relay, ctx: BotContext
) -> None:
    async with postgres_db.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace(LOCAL, LOCAL, now=ctx.clock.now())
        for n in range(RECIPIENTS):
            await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=f"p{n}",
                    display_name=f"Person {n}",
                    tags=[],
                    conversation_ref=conversation_ref(f"p{n}").to_dict(),
                    created_at=ctx.clock.now(),
                )
            )
    async with postgres_db.transaction() as session:
        recipients = list(await session.scalars(select(Person)))
    through_relay = Database(
        make_url(postgres_db.url).set(port=relay.port).render_as_string(hide_password=False)
    )
    sender = RecordingSender()
    # Slow enough (100/s) that the outage lands mid fan-out.
    outbox = Outbox(
        through_relay, ctx, {LOCAL: sender}, limits=SendLimits(override=100), batch_size=20
    )
    await ask_now(through_relay, ctx, outbox, recipients, ["joy-more"])
    stop = asyncio.Event()
    running = asyncio.create_task(outbox.run(stop, idle_seconds=0.1))
    try:
        await _until(lambda: len(sender.sent) >= RECIPIENTS // 4, "a quarter sent")
        relay.cut()
        sent_at_cut = len(sender.sent)
        await asyncio.sleep(1.5)  # down for a while: the outbox fails and backs off
        assert not running.done(), "the outbox loop must survive the outage"
        # At most the batch on the wire and the one claimed just before the cut go out.
        assert len(sender.sent) - sent_at_cut <= 2 * 20
        relay.restore()
        await _until(lambda: len(sender.sent) >= RECIPIENTS, "everyone prompted")
        await asyncio.sleep(0.3)  # anything sent twice would show by now
    finally:
        stop.set()
        outbox.wake()
        await running
        await through_relay.dispose()

    prompted = Counter(to.conversation_id for to, _ in sender.sent)
    assert len(prompted) == RECIPIENTS
    again = {person: times for person, times in prompted.items() if times > 1}
    # A batch on the wire when the database went away is recorded when it comes back;
    # only one whose record was lost with the connection could go again (at most a batch).
    print(f"outage mid fan-out: {len(sender.sent)} sends for {RECIPIENTS}; twice: {len(again)}")
    assert len(again) <= 2 * 20
    async with postgres_db.transaction() as session:
        states = Counter(await session.scalars(select(Delivery.state)))
    assert states == {"sent": RECIPIENTS}


async def _until(check: object, what: str) -> None:
    assert callable(check)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not check():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
