"""The pulse scheduler's jobs: one per pulse per zone, kept in the app's database, matched
to the pulses by reconcile(), and fired once after downtime within the grace period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage.engine import Database
from tests.conftest import WAIT_SECONDS
from tests.integration.scheduling.conftest import Audience, add_pulse
from thrive.scheduling import (
    MEMORY_STORE,
    MISFIRE_GRACE,
    PULSE_STORE,
    PulseScheduler,
    job_store_url,
    run_pulse_job,
)


async def job_rows(database: Database) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id FROM apscheduler_jobs ORDER BY id"))
        return [row[0] for row in rows]


async def started(scheduler: PulseScheduler) -> PulseScheduler:
    await scheduler.start()
    return scheduler


async def wait_for(condition: object, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not callable(condition) or not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT_SECONDS}s: {what}")
        await asyncio.sleep(0.02)


async def test_one_persisted_job_per_active_pulse_and_zone(
    sqlite_db: Database, audience: Audience
) -> None:
    weekly = await add_pulse(sqlite_db, "weekly check-in")
    paused = await add_pulse(sqlite_db, "paused one", paused=True)
    audience.zones = {weekly: {"Europe/London", "America/New_York"}, paused: {"Europe/London"}}
    scheduler = await started(audience.scheduler(sqlite_db))
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == [f"pulse:{weekly}:America/New_York", f"pulse:{weekly}:Europe/London"]
        job = jobs[f"pulse:{weekly}:Europe/London"]
        assert (job.coalesce, job.misfire_grace_time) == (True, MISFIRE_GRACE.total_seconds())
        assert job.trigger.zone == "Europe/London"
        assert job.next_run_time.astimezone(job.trigger._zone).strftime("%a %H:%M") == "Mon 12:00"
        assert await job_rows(sqlite_db) == sorted(jobs)
    finally:
        await scheduler.shutdown()


async def test_reconcile_follows_zones_and_pauses_and_leaves_unchanged_jobs_alone(
    sqlite_db: Database, audience: Audience
) -> None:
    first = await add_pulse(sqlite_db, "first")
    second = await add_pulse(sqlite_db, "second", "0 12 * * *")
    audience.zones = {first: {"Europe/London"}, second: {"Asia/Tokyo"}}
    scheduler = await started(audience.scheduler(sqlite_db))
    try:
        london = f"pulse:{first}:Europe/London"
        # Pretend London's fire was missed: reconcile must not recompute it away.
        missed = datetime.now(UTC) - timedelta(days=3)
        scheduler.scheduler.pause()
        scheduler.scheduler.modify_job(london, jobstore=PULSE_STORE, next_run_time=missed)

        audience.zones[first] = {"Europe/London", "Australia/Sydney"}  # someone moved
        audience.zones[second] = set()  # nobody left in its audience
        await scheduler.reconcile()

        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(jobs) == sorted([london, f"pulse:{first}:Australia/Sydney"])
        assert jobs[london].next_run_time == missed

        async with sqlite_db.transaction() as session:
            await session.execute(
                text("UPDATE pulses SET paused = true WHERE id = :id"), {"id": first}
            )
        await scheduler.reconcile()
        assert scheduler.get_jobs() == []
        assert await job_rows(sqlite_db) == []
    finally:
        await scheduler.shutdown()


async def test_a_changed_schedule_replaces_the_trigger(
    sqlite_db: Database, audience: Audience
) -> None:
    pulse = await add_pulse(sqlite_db, "pulse")
    audience.zones = {pulse: {"Europe/London"}}
    scheduler = await started(audience.scheduler(sqlite_db))
    try:
        async with sqlite_db.transaction() as session:
            await session.execute(
                text("UPDATE pulses SET schedule = '30 12 * * *' WHERE id = :id"), {"id": pulse}
            )
        await scheduler.reconcile()
        [job] = scheduler.get_jobs()
        assert job.trigger.schedule.cron == "30 12 * * *"
        assert job.next_run_time.astimezone(job.trigger._zone).strftime("%H:%M") == "12:30"
    finally:
        await scheduler.shutdown()


async def test_an_unreadable_audience_keeps_that_pulses_jobs(
    sqlite_db: Database, audience: Audience
) -> None:
    pulse = await add_pulse(sqlite_db, "pulse")
    audience.zones = {pulse: {"Europe/London"}}
    scheduler = await started(audience.scheduler(sqlite_db))
    try:
        audience.broken.add(pulse)
        await scheduler.reconcile()
        assert [job.id for job in scheduler.get_jobs()] == [f"pulse:{pulse}:Europe/London"]
    finally:
        await scheduler.shutdown()


async def test_the_job_function_fires_through_the_running_scheduler(
    sqlite_db: Database, audience: Audience
) -> None:
    pulse = await add_pulse(sqlite_db, "pulse")
    audience.zones = {pulse: {"Europe/London"}}
    scheduler = await started(audience.scheduler(sqlite_db, name="direct"))
    try:
        [job] = scheduler.get_jobs()
        assert job.func is run_pulse_job
        assert await job.func(*job.args) == 1
        [(pulse_id, zone, fired_at)] = audience.fired
        assert (pulse_id, zone) == (pulse, "Europe/London")
        assert fired_at.tzinfo is not None
    finally:
        await scheduler.shutdown()
    assert await run_pulse_job("direct", pulse, "Europe/London") == 0  # nobody runs it now
    assert len(audience.fired) == 1


@pytest.mark.parametrize(("late", "fires"), [(timedelta(hours=2), 1), (timedelta(hours=7), 0)])
async def test_after_downtime_a_missed_fire_runs_once_within_the_grace_period(
    sqlite_db: Database, audience: Audience, late: timedelta, fires: int
) -> None:
    # A daily fire `late` ago, in UTC, with a window that never moves it.
    due = datetime.now(UTC).replace(second=0, microsecond=0) - late
    daily = f"{due.minute} {due.hour} * * *"
    pulse = await add_pulse(sqlite_db, "pulse", daily, window=("00:00", "23:59"))
    audience.zones = {pulse: {"UTC"}}
    job_id = f"pulse:{pulse}:UTC"
    before = await started(audience.scheduler(sqlite_db))
    before.scheduler.pause()  # the process "goes down" with this fire still ahead of it
    before.scheduler.modify_job(job_id, jobstore=PULSE_STORE, next_run_time=due)
    await before.shutdown()

    after = await started(audience.scheduler(sqlite_db))
    try:
        if fires:
            await wait_for(lambda: audience.fired, "the missed fire")
            assert audience.fired == [(pulse, "UTC", due)]  # its due time, not now
        await asyncio.sleep(0.3)
        assert len(audience.fired) == fires
        [job] = after.get_jobs()
        assert job.next_run_time > datetime.now(UTC)
    finally:
        await after.shutdown()


async def test_a_leader_keeps_only_the_pulse_jobs_and_their_reconcile(
    sqlite_db: Database, audience: Audience
) -> None:
    # Reminders and closing are the outbox's work (every replica's), not timed jobs.
    scheduler = await started(audience.scheduler(sqlite_db))
    try:
        assert [job.id for job in scheduler.get_jobs(MEMORY_STORE)] == ["reconcile"]
    finally:
        await scheduler.shutdown()


async def test_two_schedulers_of_one_name_never_run_in_one_process(
    sqlite_db: Database, audience: Audience
) -> None:
    first = await started(audience.scheduler(sqlite_db, name="one"))
    try:
        with pytest.raises(RuntimeError, match="already runs"):
            await audience.scheduler(sqlite_db, name="one").start()
    finally:
        await first.shutdown()


@pytest.mark.postgres
async def test_the_jobs_live_in_the_postgresql_database_with_a_sync_driver(
    own_postgres_db: Database, audience: Audience
) -> None:
    pulse = await add_pulse(own_postgres_db, "pulse")
    audience.zones = {pulse: {"Europe/London", "Asia/Kolkata"}}
    scheduler = await started(audience.scheduler(own_postgres_db))
    try:
        assert await job_rows(own_postgres_db) == [
            f"pulse:{pulse}:Asia/Kolkata",
            f"pulse:{pulse}:Europe/London",
        ]
    finally:
        await scheduler.shutdown()


def test_the_job_store_url_uses_sync_drivers() -> None:
    assert job_store_url("sqlite+aiosqlite:////data/thrive.db") == "sqlite:////data/thrive.db"
    assert job_store_url("sqlite+aiosqlite:///:memory:") is None
    assert (
        job_store_url("postgresql+asyncpg://thrive:s3cret@db:5432/thrive?ssl=require")
        == "postgresql+psycopg://thrive:s3cret@db:5432/thrive?sslmode=require"
    )
