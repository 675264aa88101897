"""All stored times are UTC: aware datetimes go in and come back out, naive ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from storage.audit import AuditRepository
from storage.engine import Database
from storage.models import AuditEntry, Person
from tests.storage.storage_rows import add_person


async def test_an_aware_time_comes_back_as_the_same_instant_in_utc(any_db: Database) -> None:
    new_york_morning = datetime(2026, 3, 8, 7, 15, 30, 123456, tzinfo=ZoneInfo("America/New_York"))
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")
        person.snoozed_until = new_york_morning

    async with any_db.transaction() as session:
        stored = await session.scalar(select(Person.snoozed_until).where(Person.id == person.id))

    assert stored == new_york_morning
    assert stored is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 8, 11, 15, 30, 123456, tzinfo=UTC)


async def test_times_in_different_offsets_compare_as_instants_in_queries(
    any_db: Database,
) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    async with any_db.transaction() as session:
        audit = AuditRepository(session)
        await audit.add("early", now=datetime(2026, 3, 2, 10, 0, tzinfo=india))  # 04:30 UTC
        await audit.add("late", now=datetime(2026, 3, 2, 5, 0, tzinfo=UTC))

    async with any_db.transaction() as session:
        after_five_utc = await session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.created_at
                >= datetime(2026, 3, 2, 0, 0, tzinfo=timezone(-timedelta(hours=5)))
            )
        )
        ordered = await session.scalars(select(AuditEntry.action).order_by(AuditEntry.created_at))

        assert list(after_five_utc) == ["late"]
        assert list(ordered) == ["early", "late"]


async def test_a_naive_time_is_refused(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")

    with pytest.raises(StatementError, match="naive datetime"):
        async with any_db.transaction() as session:
            stored = await session.get(Person, person.id)
            assert stored is not None
            stored.snoozed_until = datetime(2026, 3, 2, 18, 0)
            await session.flush()

    async with any_db.transaction() as session:
        unchanged = await session.get(Person, person.id)
        assert unchanged is not None and unchanged.snoozed_until is None
