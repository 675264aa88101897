"""The leader queues the scheduled reports as soon as it is elected (one fell due while
no process ran) and then every few minutes: the leaders' summary lands in the outbox,
with its chart, through the app's injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select

from bot.clock import FixedClock
from bot.context import BotContext
from bot.messages import from_body
from bot.reports import send_due_reports
from prompts import Content
from storage.engine import Database
from storage.models import Notification
from storage.report_schedules import ReportScheduleRepository
from tests.conftest import WAIT_SECONDS
from tests.integration.scheduling.conftest import Audience, schedule_of
from tests.storage.matrix_rows import CURRENT, seed_known_answers
from thrive.scheduling import MEMORY_STORE, RECONCILE_EVERY, PulseScheduler


async def test_a_due_report_is_queued_for_the_leaders_when_elected(
    sqlite_db: Database, audience: Audience, content: Content
) -> None:
    organisation = await seed_known_answers(sqlite_db)
    clock = FixedClock(CURRENT + timedelta(days=3))
    async with sqlite_db.transaction() as session:
        await ReportScheduleRepository(session).set(
            organisation, "month", clock.now() - timedelta(hours=1), None, clock.now()
        )
    ctx = BotContext(content, clock, secret_key="x")
    scheduler = PulseScheduler(
        sqlite_db,
        zones_of=audience.zones_of,
        fire=audience.fire,
        schedule_of=schedule_of,
        clock=clock,
        reports=partial(send_due_reports, sqlite_db, ctx),
    )
    await scheduler.start()
    try:
        [job] = [job for job in scheduler.get_jobs(MEMORY_STORE) if job.id == "reports"]
        assert job.trigger.interval == RECONCILE_EVERY
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while not await _queued(sqlite_db):
            assert asyncio.get_running_loop().time() < deadline, "no report after election"
            await asyncio.sleep(0.05)
    finally:
        await scheduler.shutdown()

    [notification] = await _queued(sqlite_db)
    assert notification.audience == "leaders"
    message = from_body(notification.body)
    assert message.text.startswith(ctx.say("report.chat.scheduled", every="month"))
    assert message.image is not None
    async with sqlite_db.transaction() as session:
        schedule = await ReportScheduleRepository(session).of(organisation)
    assert schedule is not None and schedule.next_at > clock.now()
    assert schedule.next_at.tzinfo is not None and schedule.next_at > datetime(
        2026, 3, 1, tzinfo=UTC
    )


async def _queued(database: Database) -> list[Notification]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Notification))).all())
