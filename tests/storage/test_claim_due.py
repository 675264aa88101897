"""The outbox hands out due, pending deliveries in due order; on PostgreSQL, each to one claimer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.states import DeliveryState
from tests.storage.storage_rows import NOW, add_occurrence, add_person


async def _queue(database: Database, offsets: dict[str, timedelta]) -> dict[int, str]:
    """One pending delivery per person, due at NOW + offset; returns person ids to names."""
    names: dict[int, str] = {}
    async with database.transaction() as session:
        occurrence = await add_occurrence(session)
        repository = DeliveryRepository(session)
        for user_id, offset in offsets.items():
            person = await add_person(session, user_id)
            names[person.id] = user_id
            assert await repository.enqueue(occurrence.id, person.id, due_at=NOW + offset)
    return names


async def test_claim_due_returns_only_due_pending_deliveries_oldest_first(
    any_db: Database,
) -> None:
    names = await _queue(
        any_db,
        {
            "later": timedelta(hours=1),
            "ten-minutes-ago": -timedelta(minutes=10),
            "already-sent": -timedelta(days=1),
            "due-now": timedelta(0),
            "an-hour-ago": -timedelta(hours=1),
        },
    )
    async with any_db.transaction() as session:
        repository = DeliveryRepository(session)
        [sent] = [
            d
            for d in await repository.claim_due(NOW, limit=10)
            if names[d.person_id] == "already-sent"
        ]
        sent.state = DeliveryState.SENT

    async with any_db.transaction() as session:
        claimed = await DeliveryRepository(session).claim_due(NOW, limit=10)
        first_two = await DeliveryRepository(session).claim_due(NOW, limit=2)

    assert [names[d.person_id] for d in claimed] == ["an-hour-ago", "ten-minutes-ago", "due-now"]
    assert [names[d.person_id] for d in first_two] == ["an-hour-ago", "ten-minutes-ago"]


async def test_claim_due_with_nothing_due_returns_nothing(any_db: Database) -> None:
    await _queue(any_db, {"tomorrow": timedelta(days=1)})

    async with any_db.transaction() as session:
        assert list(await DeliveryRepository(session).claim_due(NOW, limit=10)) == []


@pytest.mark.postgres
async def test_concurrent_claimers_never_get_the_same_delivery(postgres_db: Database) -> None:
    names = await _queue(postgres_db, {"ana": -timedelta(minutes=2), "ben": -timedelta(minutes=1)})
    first_claimed = asyncio.Event()
    release = asyncio.Event()

    async def first_dispatcher() -> list[str]:
        async with postgres_db.transaction() as session:
            claimed = await DeliveryRepository(session).claim_due(NOW, limit=1)
            first_claimed.set()
            await release.wait()  # hold the row lock while the others claim
            return [names[d.person_id] for d in claimed]

    async def second_dispatcher() -> tuple[list[str], list[str]]:
        await first_claimed.wait()
        async with postgres_db.transaction() as session:
            claimed = await DeliveryRepository(session).claim_due(NOW, limit=1)
            # A third dispatcher, while both rows are locked, finds nothing to do.
            async with postgres_db.transaction() as third_session:
                third = await DeliveryRepository(third_session).claim_due(NOW, limit=1)
            release.set()
            return [names[d.person_id] for d in claimed], [names[d.person_id] for d in third]

    first, (second, third) = await asyncio.wait_for(
        asyncio.gather(first_dispatcher(), second_dispatcher()), timeout=10
    )

    assert first == ["ana"]
    assert second == ["ben"]
    assert third == []


@pytest.mark.postgres
async def test_a_claim_released_by_its_transaction_can_be_claimed_again(
    postgres_db: Database,
) -> None:
    names = await _queue(postgres_db, {"ana": -timedelta(minutes=1)})

    async with postgres_db.transaction() as session:
        first = await DeliveryRepository(session).claim_due(NOW, limit=1)
    async with postgres_db.transaction() as session:
        again = await DeliveryRepository(session).claim_due(NOW, limit=1)

    assert [names[d.person_id] for d in first] == ["ana"]
    assert [names[d.person_id] for d in again] == ["ana"]
