"""The pulse scheduler: APScheduler jobs that open pulse occurrences, run by one process.

One job per pulse per time zone in its audience, kept in the app's database (table
`apscheduler_jobs`) so a fire missed while every replica was down still runs once after a
restart. The callables come from the composition root: this module opens no occurrence
itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import structlog
from aiohttp import web
from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.clock import Clock, SystemClock
from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.pulses.schedule import Schedule, ScheduleError
from bot.pulses.trigger import PulseTrigger
from storage.engine import Database
from storage.models import Pulse
from thrive.leader_lock import Leadership

log = structlog.get_logger(__name__)

ZonesOf = Callable[[int], Awaitable[set[str]]]  # pulse id -> zones in its audience
Fire = Callable[[int, str, datetime], Awaitable[int]]  # pulse, zone, fire time -> opened
ScheduleOf = Callable[[Pulse], Schedule]  # raises ScheduleError for a schedule gone bad
Daily = Callable[[], Awaitable[object]]  # a job the leader runs once a day (retention)

# A fire missed during downtime still runs once within this; the outbox keeps the send
# inside the window.
MISFIRE_GRACE = timedelta(hours=6)
# People move between zones and pulses change on other replicas: re-read them this often.
RECONCILE_EVERY = timedelta(minutes=5)
# The daily jobs run when a process becomes leader, then every day: a leader that
# restarts more often than daily still runs them.
DAILY = timedelta(days=1)
# The pathway's mailings (due digests, the weekly nudge) are looked for this often; each
# sends at most once per period (storage.digests), however often it looks.
PATHWAY_EVERY = timedelta(hours=1)
PULSE_STORE = "pulses"  # persisted: a fire's due time must survive a restart
MEMORY_STORE = "memory"  # reconcile, re-added by every new leader
JOB_TABLE = "apscheduler_jobs"  # ignored by our Alembic env

# The running scheduler per name: persisted jobs name it, not a Python object.
_RUNNING: dict[str, PulseScheduler] = {}


def pulse_job_id(pulse_id: int, zone: str) -> str:
    return f"pulse:{pulse_id}:{zone}"


async def run_pulse_job(owner: str, pulse_id: int, zone: str) -> int:
    """The persisted jobs' function: module-level, so the job table stores a reference."""
    scheduler = _RUNNING.get(owner)
    if scheduler is None:
        log.error("scheduler.fire_without_scheduler", owner=owner, pulse_id=pulse_id, zone=zone)
        return 0
    return await scheduler.run_pulse(pulse_id, zone)


def job_store_url(database_url: str) -> str | None:
    """The app's async URL with a sync driver for APScheduler; None for in-memory SQLite."""
    url = make_url(database_url)
    if url.drivername.startswith("sqlite"):
        if url.database in (None, "", ":memory:"):
            return None
        url = url.set(drivername="sqlite")
    else:
        url = url.set(drivername="postgresql+psycopg")
        if "ssl" in url.query:  # asyncpg says ssl=, libpq sslmode=
            url = url.difference_update_query(["ssl"]).update_query_dict(
                {"sslmode": str(url.query["ssl"])}
            )
    return url.render_as_string(hide_password=False)


def _pulse_store(database_url: str) -> Any:
    url = job_store_url(database_url)
    if url is None:
        return MemoryJobStore()  # an in-memory database lives as long as the process anyway
    return SQLAlchemyJobStore(url=url, tablename=JOB_TABLE, engine_options={"pool_pre_ping": True})


class PulseScheduler:
    """An AsyncIOScheduler with the pulse jobs in the database; start it only where this
    process leads (see thrive.leader_lock). One instance runs once: make a new one to
    start again."""

    def __init__(
        self,
        database: Database,
        *,
        zones_of: ZonesOf,
        fire: Fire,
        schedule_of: ScheduleOf,
        name: str = "thrive",
        clock: Clock | None = None,
        daily: Daily | None = None,
        pathway: Daily | None = None,
        reports: Daily | None = None,
    ) -> None:
        self.database = database
        self._daily = daily
        self._pathway = pathway
        self._reports = reports  # the scheduled summaries due (bot.reports.schedule)
        self.name = name
        self._zones_of = zones_of
        self._fire = fire
        self._schedule_of = schedule_of
        self._clock = clock or SystemClock()
        self._reconciling = asyncio.Lock()
        self._due: dict[str, datetime] = {}  # job id -> the fire time it was submitted for
        self.scheduler = AsyncIOScheduler(
            jobstores={PULSE_STORE: _pulse_store(database.url), MEMORY_STORE: MemoryJobStore()},
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
                "max_instances": 1,
            },
            timezone=UTC,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    async def start(self) -> None:
        """Start firing (missed fires within the grace run now), then match the pulses."""
        if _RUNNING.get(self.name, self) is not self:
            raise RuntimeError(f"a scheduler named {self.name!r} already runs in this process")
        _RUNNING[self.name] = self  # before starting: a missed fire may run straight away
        self.scheduler._eventloop = asyncio.get_running_loop()  # start() runs in a thread
        try:
            # The job store creates its table and reads jobs with a sync driver: off the loop.
            await asyncio.to_thread(self.scheduler.start)
        except BaseException:
            del _RUNNING[self.name]
            raise
        self._every(self.reconcile, RECONCILE_EVERY, "reconcile")
        if self._reports is not None:  # at election too: one due during downtime goes now
            self.scheduler.add_job(
                self.run_reports,
                IntervalTrigger(seconds=RECONCILE_EVERY.total_seconds(), timezone=UTC),
                id="reports",
                jobstore=MEMORY_STORE,
                replace_existing=True,
                next_run_time=datetime.now(UTC),
            )
        if self._daily is not None:
            self.scheduler.add_job(
                self.run_daily,
                IntervalTrigger(seconds=DAILY.total_seconds(), timezone=UTC),
                id="daily",
                jobstore=MEMORY_STORE,
                replace_existing=True,
                next_run_time=datetime.now(UTC),  # APScheduler's own time: now, for real
            )
        if self._pathway is not None:
            self.scheduler.add_job(
                self.run_pathway,
                IntervalTrigger(seconds=PATHWAY_EVERY.total_seconds(), timezone=UTC),
                id="pathway",
                jobstore=MEMORY_STORE,
                replace_existing=True,
                next_run_time=datetime.now(UTC),
            )
        await self.reconcile()

    async def shutdown(self) -> None:
        """Stop at once: no further fire starts here, running ones are cancelled."""
        if _RUNNING.get(self.name) is self:
            del _RUNNING[self.name]
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback

    async def reconcile(self) -> None:
        """Make the jobs match the active pulses and the zones of their audiences."""
        async with self._reconciling:
            wanted, keep = await self._wanted_jobs()
            await asyncio.to_thread(self._apply, wanted, keep)

    def get_jobs(self, store: str = PULSE_STORE) -> list[Any]:
        return list(self.scheduler.get_jobs(jobstore=store))

    async def run_pulse(self, pulse_id: int, zone: str, fired_at: datetime | None = None) -> int:
        job_id = pulse_job_id(pulse_id, zone)
        fired_at = fired_at or self._due.pop(job_id, None) or self._clock.now()
        opened = await self._fire(pulse_id, zone, fired_at)
        log.info("scheduler.fired", pulse_id=pulse_id, zone=zone, fired_at=fired_at, opened=opened)
        return opened

    async def run_daily(self) -> None:
        """The daily job (retention's purge); a failure is logged and tried again tomorrow."""
        result = await self._guarded("daily", self._daily)
        if result is not None:
            log.info("scheduler.daily_done", result=repr(result))

    async def run_pathway(self) -> None:
        """Due digests and the weekly nudge; a failure is logged and tried next hour."""
        result = await self._guarded("pathway", self._pathway)
        if result is not None:
            log.info("scheduler.pathway_done", result=repr(result))

    async def run_reports(self) -> None:
        """Queue the scheduled reports now due; a failure is logged and tried next time."""
        queued = await self._guarded("reports", self._reports)
        if queued:
            log.info("scheduler.reports_queued", queued=queued)

    @staticmethod
    async def _guarded(name: str, job: Daily | None) -> object | None:
        """Run one of the leader's periodic jobs; its result, or None when there is no such
        job, it failed (logged, tried again at its next time) or the server is stopping."""
        if job is None:
            return None
        try:
            return await job()
        except asyncio.CancelledError:  # the server is stopping: the job runs at the next start
            log.info("scheduler.job_stopped", job=name)
        except Exception:
            log.exception(f"scheduler.{name}_failed")
        return None

    async def _wanted_jobs(self) -> tuple[dict[str, PulseTrigger], set[int]]:
        """Triggers by job id, and the pulses whose audience could not be read (keep theirs)."""
        async with self.database.transaction() as session:
            pulses = (
                await session.scalars(
                    select(Pulse).where(Pulse.paused.is_(False), Pulse.schedule.is_not(None))
                )
            ).all()
        wanted: dict[str, PulseTrigger] = {}
        keep: set[int] = set()
        for pulse in pulses:
            try:
                schedule = self._schedule_of(pulse)
            except ScheduleError as error:
                log.warning("scheduler.bad_schedule", pulse_id=pulse.id, reason=error.reason)
                continue
            try:
                zones = await self._zones_of(pulse.id)
            except Exception:  # one pulse's audience must not stop the others' jobs
                log.exception("scheduler.zones_failed", pulse_id=pulse.id)
                keep.add(pulse.id)
                continue
            for zone in sorted(zones):
                try:
                    wanted[pulse_job_id(pulse.id, zone)] = PulseTrigger(schedule, zone)
                except (ValueError, KeyError):  # ZoneInfo's errors for an unknown name
                    log.warning("scheduler.unknown_zone", pulse_id=pulse.id, zone=zone)
        return wanted, keep

    def _apply(self, wanted: dict[str, PulseTrigger], keep: set[int]) -> None:
        existing = {job.id: job for job in self.get_jobs()}
        for job_id in existing:
            pulse_id = int(job_id.split(":")[1])
            if job_id not in wanted and pulse_id not in keep:
                self.scheduler.remove_job(job_id, jobstore=PULSE_STORE)
                log.info("scheduler.job_removed", job_id=job_id)
        for job_id, trigger in wanted.items():
            _, number, zone = job_id.split(":", 2)
            args = (self.name, int(number), zone)
            job = existing.get(job_id)
            if job is not None and job.trigger == trigger and tuple(job.args) == args:
                continue  # untouched: its next (or missed) fire time stays as stored
            self.scheduler.add_job(
                run_pulse_job,
                trigger,
                args=args,
                id=job_id,
                name=job_id,
                jobstore=PULSE_STORE,
                replace_existing=True,
            )
            log.info("scheduler.job_set", job_id=job_id, trigger=str(trigger))

    def _every(
        self,
        func: Callable[..., Awaitable[object]],
        every: timedelta,
        job_id: str,
        *args: object,
    ) -> None:
        self.scheduler.add_job(
            func,
            IntervalTrigger(seconds=every.total_seconds(), timezone=UTC),
            args=args,
            id=job_id,
            jobstore=MEMORY_STORE,
            replace_existing=True,
        )

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, JobSubmissionEvent) and event.job_id.startswith("pulse:"):
            self._due[event.job_id] = event.scheduled_run_times[-1]
        elif event.code == EVENT_JOB_MISSED:
            log.warning("scheduler.fire_missed", job_id=event.job_id, due=event.scheduled_run_time)


class Scheduling:
    """The app's handle on scheduling: which PulseScheduler runs here, if any."""

    def __init__(self, make_scheduler: Callable[[], PulseScheduler]) -> None:
        self._make_scheduler = make_scheduler
        self.scheduler: PulseScheduler | None = None

    @property
    def leading(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    async def elected(self) -> None:
        self.scheduler = self._make_scheduler()
        await self.scheduler.start()

    async def deposed(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            await scheduler.shutdown()


SCHEDULING = web.AppKey("scheduling", Scheduling)


def start_scheduling(
    app: web.Application,
    database: Database,
    ctx: BotContext,
    outbox: Outbox,
    *,
    enabled: bool,
    zones_of: Callable[[Database, BotContext, int], Awaitable[set[str]]],
    fire: Callable[[Database, BotContext, Outbox, int, str, datetime], Awaitable[int]],
    schedule_of: ScheduleOf,
    purge: Callable[[Database, Clock], Awaitable[object]] | None = None,
    pathway: Callable[[Database, BotContext], Awaitable[object]] | None = None,
    reports: Callable[[Database, BotContext], Awaitable[object]] | None = None,
) -> Scheduling:
    """Wire scheduling into the app's startup and shutdown; `app[SCHEDULING]` is the handle.

    `zones_of` and `fire` take the app's database, context (and outbox), as
    bot.pulses.runs' do; `purge` (bot.privacy.retention's, its days given) the database
    and the context's clock, and runs daily; `pathway` (bot.pathway's mailings) the
    database and context, hourly; `reports` (bot.reports.send_due_reports) runs as
    often as the pulses are reconciled. Disabled, only the SQLite lock is
    kept: two processes on one SQLite file are unsafe with or without a scheduler.
    """

    def make_scheduler() -> PulseScheduler:
        return PulseScheduler(
            database,
            zones_of=partial(zones_of, database, ctx),
            fire=partial(fire, database, ctx, outbox),
            schedule_of=schedule_of,
            clock=ctx.clock,
            daily=partial(purge, database, ctx.clock) if purge is not None else None,
            pathway=partial(pathway, database, ctx) if pathway is not None else None,
            reports=partial(reports, database, ctx) if reports is not None else None,
        )

    scheduling = Scheduling(make_scheduler)
    app[SCHEDULING] = scheduling
    if enabled:
        leadership = Leadership(database.url, scheduling.elected, scheduling.deposed)
    else:
        leadership = Leadership(database.url)

    async def stop_scheduling(_app: web.Application) -> None:
        await leadership.stop()

    # Call this before the outbox is added: the SQLite file is then held before the outbox
    # starts, and on_shutdown stops the scheduler before the outbox and database stop.
    app.cleanup_ctx.append(leadership.lifecycle)
    app.on_shutdown.append(stop_scheduling)
    return scheduling
