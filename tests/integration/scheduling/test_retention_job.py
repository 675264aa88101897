"""The leader runs retention's purge as a daily job, with the app's injected clock: as
soon as it is elected, then every day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.clock import FixedClock
from bot.pathway.moves import CLOSED
from bot.privacy.retention import purge_old_text
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import AuditEntry, Response
from tests.conftest import WAIT_SECONDS
from tests.integration.scheduling.conftest import Audience, schedule_of
from tests.storage.storage_rows import add_occurrence, add_person, response
from thrive.scheduling import DAILY, MEMORY_STORE, PulseScheduler

ANSWERED = datetime(2025, 3, 2, 18, 0, tzinfo=UTC)


async def test_the_leader_purges_old_text_when_elected_and_daily(
    sqlite_db: Database, audience: Audience
) -> None:
    async with sqlite_db.transaction() as session:
        occurrence = await add_occurrence(session)
        old = response(occurrence, await add_person(session, "amara"), "Charting at home")
        old.created_at = old.updated_at = ANSWERED
        session.add(old)
    clock = FixedClock(ANSWERED + timedelta(days=400))
    purge = partial(purge_old_text, keep_days=365, closed_idea_states=CLOSED)
    scheduler = PulseScheduler(
        sqlite_db,
        zones_of=audience.zones_of,
        fire=audience.fire,
        schedule_of=schedule_of,
        clock=clock,
        daily=partial(purge, sqlite_db, clock),
    )
    await scheduler.start()
    try:
        [daily] = [job for job in scheduler.get_jobs(MEMORY_STORE) if job.id == "daily"]
        assert daily.trigger.interval == DAILY
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while not await _purges(sqlite_db):
            assert asyncio.get_running_loop().time() < deadline, "no purge after election"
            await asyncio.sleep(0.05)
    finally:
        await scheduler.shutdown()

    [entry] = await _purges(sqlite_db)
    assert entry.created_at == clock.now()  # the injected clock's time
    assert entry.detail["answers"] == 1
    async with sqlite_db.transaction() as session:
        stored = await session.get(Response, old.id)
    assert stored is not None and stored.text is None


async def _purges(database: Database) -> list[AuditEntry]:
    async with database.transaction() as session:
        found = await AuditRepository(session).entries(AuditFilter(actions=["retention.purge"]))
    return list(found)
