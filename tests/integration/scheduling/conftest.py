"""Fixtures for scheduling: pulses in a real database, recorded fires, and a PostgreSQL
database of the test's own (advisory locks are per database, so no other test's lock
or schema can interfere)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.catalog import sync_content
from bot.pulses.schedule import Schedule, parse_schedule
from prompts import Content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Pulse
from storage.people import PeopleRepository
from tests.conftest import postgres_url
from thrive.scheduling import PulseScheduler

CREATED = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


def schedule_of(pulse: Pulse) -> Schedule:
    """The pulse row's schedule (the composition root passes bot.pulses.definitions' own)."""
    assert pulse.schedule is not None
    return parse_schedule(
        pulse.schedule,
        window_start=pulse.send_window_start or "12:00",
        window_end=pulse.send_window_end or "13:00",
        days=pulse.days_of_week,
        anchor=pulse.anchor_date,
    )


@dataclass
class Audience:
    """What the injected callables read and write: zones per pulse, fires as they came."""

    zones: dict[int, set[str]] = field(default_factory=dict)
    broken: set[int] = field(default_factory=set)
    fired: list[tuple[int, str, datetime]] = field(default_factory=list)

    async def zones_of(self, pulse_id: int) -> set[str]:
        if pulse_id in self.broken:
            raise RuntimeError(f"audience of pulse {pulse_id} unreadable")
        return set(self.zones.get(pulse_id, set()))

    async def fire(self, pulse_id: int, zone: str, fired_at: datetime) -> int:
        self.fired.append((pulse_id, zone, fired_at))
        return 1

    def scheduler(self, database: Database, name: str = "test") -> PulseScheduler:
        return PulseScheduler(
            database,
            zones_of=self.zones_of,
            fire=self.fire,
            schedule_of=schedule_of,
            name=name,
        )


async def add_pulse(
    database: Database,
    name: str,
    schedule: str = "weekly",
    *,
    paused: bool = False,
    window: tuple[str, str] | None = None,
) -> int:
    async with database.transaction() as session:
        workspace = await PeopleRepository(session).workspace("local", "local", now=CREATED)
        pulse = Pulse(
            organisation_id=workspace.organisation_id,
            name=name,
            prompt_ids=["joy-more"],
            audience={},
            schedule=schedule,
            paused=paused,
            send_window_start=window[0] if window else None,
            send_window_end=window[1] if window else None,
            anchor_date=CREATED.date(),
            created_at=CREATED,
        )
        session.add(pulse)
        await session.flush()
        return pulse.id


@pytest.fixture
def audience() -> Audience:
    return Audience()


@pytest.fixture
async def own_postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for this test; dropped afterwards."""
    admin = make_url(postgres_url()).set(drivername="postgresql")
    name = f"thrive_sched_{uuid.uuid4().hex[:10]}"
    try:
        connection = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(
            f"PostgreSQL tests need a server at {admin} (THRIVE_TEST_DATABASE_URL): {error}"
        )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


@pytest.fixture
async def own_postgres_db(own_postgres_url: str, content: Content) -> AsyncIterator[Database]:
    database = Database(own_postgres_url)
    await upgrade(database)
    await sync_content(database, content)
    yield database
    await database.dispose()
