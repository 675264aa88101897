"""The dispatcher claims due prompts in due order (run-out leases first); on PostgreSQL,
each to one claimer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from storage.deliveries import DeliveryRepository
from storage.dispatch import SendLog, claiming
from storage.engine import Database
from storage.models import Delivery
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


async def _set(database: Database, names: dict[int, str], name: str, **values: object) -> None:
    async with database.transaction() as session:
        [person_id] = [pid for pid, n in names.items() if n == name]
        await session.execute(
            update(Delivery).where(Delivery.person_id == person_id).values(**values)
        )


async def test_the_dispatcher_claims_nothing_when_nothing_is_due(any_db: Database) -> None:
    names = await _queue(any_db, {"tomorrow": timedelta(days=1), "sent": -timedelta(days=1)})
    await _set(any_db, names, "sent", state=DeliveryState.SENT)

    async with claiming(any_db) as repository:
        assert await repository.claim(NOW, limit=10) == []


@pytest.mark.postgres
async def test_a_claim_released_by_its_transaction_can_be_claimed_again(
    postgres_db: Database,
) -> None:
    names = await _queue(postgres_db, {"ana": -timedelta(minutes=1)})

    async with claiming(postgres_db) as repository:
        first = await repository.claim(NOW, limit=1)
    async with claiming(postgres_db) as repository:
        again = await repository.claim(NOW, limit=1)

    assert [names[d.person_id] for d in first] == ["ana"]
    assert [names[d.person_id] for d in again] == ["ana"]


async def test_the_dispatcher_claims_run_out_leases_first_then_waiting_prompts_in_due_order(
    any_db: Database,
) -> None:
    names = await _queue(
        any_db,
        {
            "later": timedelta(hours=1),
            "ten-minutes-ago": -timedelta(minutes=10),
            "an-hour-ago": -timedelta(hours=1),
            "lease-ran-out": -timedelta(minutes=1),
            "lease-still-held": timedelta(seconds=10),
            "answered": -timedelta(days=1),
        },
    )
    await _set(any_db, names, "lease-ran-out", state=DeliveryState.SENDING)
    await _set(any_db, names, "lease-still-held", state=DeliveryState.SENDING)
    await _set(any_db, names, "answered", state=DeliveryState.ANSWERED)

    async with claiming(any_db) as repository:
        claimed = await repository.claim(NOW, limit=10)
        first_two = await repository.claim(NOW, limit=2)

    assert [names[d.person_id] for d in claimed] == [
        "lease-ran-out",
        "an-hour-ago",
        "ten-minutes-ago",
    ]
    assert [names[d.person_id] for d in first_two] == ["lease-ran-out", "an-hour-ago"]
    assert all(d.person.id == d.person_id and not d.reminder for d in claimed)


async def test_the_dispatcher_records_times_as_the_orm_reads_them(any_db: Database) -> None:
    names = await _queue(any_db, {"ana": timedelta(0), "ben": timedelta(0)})
    ids = {n: pid for pid, n in names.items()}
    async with claiming(any_db) as repository:
        claimed = await repository.claim(NOW, limit=10)
    by_person = {d.person_id: d.id for d in claimed}
    later = NOW + timedelta(minutes=5, microseconds=123)
    log = SendLog(any_db)
    await log.write(
        [
            {"id": by_person[ids["ana"]], "state": DeliveryState.SENT, "sent_at": later},
            {"id": by_person[ids["ben"]], "state": DeliveryState.SENT, "sent_at": NOW},
        ],
        gone=[],
    )
    await log.close()

    async with any_db.transaction() as session:
        rows = {d.person_id: d for d in await session.scalars(select(Delivery))}
    async with claiming(any_db) as repository:
        due = await repository.claim(NOW + timedelta(days=1), limit=10)
    assert rows[ids["ana"]].sent_at == later
    assert rows[ids["ben"]].sent_at == NOW
    assert {d.state for d in rows.values()} == {DeliveryState.SENT}
    assert list(due) == []  # sent prompts are not due again


@pytest.mark.postgres
async def test_concurrent_dispatchers_never_claim_the_same_prompt(postgres_db: Database) -> None:
    names = await _queue(postgres_db, {"ana": -timedelta(minutes=2), "ben": -timedelta(minutes=1)})
    first_claimed = asyncio.Event()
    release = asyncio.Event()

    async def first() -> list[str]:
        async with claiming(postgres_db) as repository:
            claimed = await repository.claim(NOW, limit=1)
            first_claimed.set()
            await release.wait()  # hold the row lock while the other claims
            return [names[d.person_id] for d in claimed]

    async def second() -> list[str]:
        await first_claimed.wait()
        async with claiming(postgres_db) as repository:
            claimed = await repository.claim(NOW, limit=2)
        release.set()
        return [names[d.person_id] for d in claimed]

    got_first, got_second = await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)
    assert got_first == ["ana"]
    assert got_second == ["ben"]


async def test_a_prompt_answered_while_its_claim_decides_is_not_held_for_sending(
    sqlite_db: Database,
) -> None:
    """On SQLite a claim reads before its turn to write, so the sends' records are not
    held up behind its decisions: what changed in between is left alone."""
    names = await _queue(sqlite_db, {"ana": -timedelta(minutes=2), "ben": -timedelta(minutes=1)})
    ids = {n: pid for pid, n in names.items()}
    await _set(sqlite_db, names, "ana", state=DeliveryState.SENDING)  # a lease ran out
    async with claiming(sqlite_db) as repository:
        claimed = await repository.claim(NOW, limit=10)
        # Ana answers the prompt she was shown before the dispatcher died.
        await _set(sqlite_db, names, "ana", state=DeliveryState.ANSWERED)
        held = await repository.lease(
            [d.id for d in claimed], NOW + timedelta(seconds=20), reminder=False, sending_since=NOW
        )

    by_person = {d.person_id: d.id for d in claimed}
    assert held == {by_person[ids["ben"]]}
    async with sqlite_db.transaction() as session:
        rows = {d.person_id: d for d in await session.scalars(select(Delivery))}
    assert rows[ids["ana"]].state == DeliveryState.ANSWERED  # her answer stands
    assert rows[ids["ben"]].state == DeliveryState.SENDING


async def test_a_reminder_is_held_only_while_its_prompt_is_unanswered(any_db: Database) -> None:
    names = await _queue(any_db, {"ana": -timedelta(hours=3), "ben": -timedelta(hours=3)})
    ids = {n: pid for pid, n in names.items()}
    for name in names.values():
        await _set(
            any_db,
            names,
            name,
            state=DeliveryState.SENT,
            sent_at=NOW - timedelta(hours=3),
            reminder_due_at=NOW - timedelta(minutes=1),
        )
    await _set(any_db, names, "ben", state=DeliveryState.ANSWERED)
    async with claiming(any_db) as repository:
        delivery_ids = {
            row.person_id: row.id
            for row in (await repository.claim(NOW + timedelta(days=1), limit=10))
        }
        assert set(delivery_ids) == {ids["ana"]}  # ben answered: no reminder is due
        async with any_db.transaction() as session:
            ben = await session.scalar(select(Delivery.id).where(Delivery.person_id == ids["ben"]))
        assert ben is not None
        held = await repository.lease(
            [delivery_ids[ids["ana"]], ben], NOW + timedelta(seconds=20), reminder=True
        )
    assert held == {delivery_ids[ids["ana"]]}


async def test_a_claim_reads_each_row_as_the_orm_stored_it(any_db: Database) -> None:
    """Whatever the claim's own reading does (on SQLite the rows come back packed in one
    JSON value), what decides a send reads as the ORM reads it: times with their zone,
    flags as booleans, JSON as Python values, nothing where nothing was stored."""
    snoozed = NOW + timedelta(hours=2, microseconds=123_456)
    ref = {
        "platform": "slack",
        "workspace": "T1",
        "conversation_id": "U1",
        "data": {"channel": "D1", "name": 'Zoë "night" shift', "n": [1, 2.5, None, True]},
    }
    async with any_db.transaction() as session:
        occurrence = await add_occurrence(session, ["joy-more", "joy-less"])
        deliveries = DeliveryRepository(session)
        ana = await add_person(session, "ana")
        ana.conversation_ref, ana.snoozed_until, ana.quiet_weekends = ref, snoozed, True
        ana.timezone, ana.quiet_hours_start, ana.quiet_hours_end = "Europe/Paris", "22:00", "07:00"
        ben = await add_person(session, "ben")
        for person in (ana, ben):
            assert await deliveries.enqueue(occurrence.id, person.id, due_at=NOW)

    async with claiming(any_db) as repository:
        claimed = {row.person_id: row for row in await repository.claim(NOW, limit=10)}

    first, second = claimed[ana.id], claimed[ben.id]
    assert first.person.conversation_ref == ref
    assert first.person.snoozed_until == snoozed
    assert first.person.quiet_weekends is True
    assert (first.person.timezone, first.person.quiet_hours_start) == ("Europe/Paris", "22:00")
    assert first.person.paused is False and first.person.gone is False
    assert second.person.conversation_ref is None
    assert second.person.snoozed_until is None
    assert first.occurrence.prompt_ids == ["joy-more", "joy-less"]
    assert first.occurrence.closed_at is None
    assert (first.next_index, first.attempts, first.reminder) == (0, 0, False)


async def test_a_claim_that_fails_leaves_its_rows_due_and_the_log_recording(
    any_db: Database,
) -> None:
    """On SQLite the claim runs on the log's connection: a claim that breaks gives it
    up, and the sends' records go on through a new one."""
    await _queue(any_db, {"ana": timedelta(0), "ben": timedelta(0)})
    log = SendLog(any_db)
    with pytest.raises(RuntimeError, match="the decisions broke"):
        async with claiming(any_db, log) as repository:
            claimed = await repository.claim(NOW, limit=10)
            raise RuntimeError("the decisions broke")

    async with claiming(any_db, log) as repository:
        again = await repository.claim(NOW, limit=10)
    assert sorted(d.id for d in again) == sorted(d.id for d in claimed)  # nothing was held
    await log.write([{"id": again[0].id, "state": DeliveryState.SENT, "sent_at": NOW}], gone=[])
    await log.close()

    async with any_db.transaction() as session:
        states = {d.id: d.state for d in await session.scalars(select(Delivery))}
    assert states == {again[0].id: DeliveryState.SENT, again[1].id: DeliveryState.PENDING}


async def test_a_record_written_while_a_claim_decides_on_the_same_connection_stands(
    sqlite_db: Database,
) -> None:
    """Records and claims share one connection on SQLite: a send recorded between the
    claim's reads and its lease is kept, and that row is not leased again."""
    names = await _queue(sqlite_db, {"ana": timedelta(0), "ben": timedelta(0)})
    ids = {n: pid for pid, n in names.items()}
    log = SendLog(sqlite_db)
    async with claiming(sqlite_db, log) as repository:
        claimed = await repository.claim(NOW, limit=10)
        by_person = {d.person_id: d.id for d in claimed}
        # A send of an earlier claim (Ana's prompt, its lease run out) is recorded now.
        await log.write(
            [{"id": by_person[ids["ana"]], "state": DeliveryState.SENT, "sent_at": NOW}], gone=[]
        )
        held = await repository.lease(
            list(by_person.values()), NOW + timedelta(seconds=20), reminder=False
        )
    await log.close()

    assert held == {by_person[ids["ben"]]}
    async with sqlite_db.transaction() as session:
        rows = {d.person_id: d for d in await session.scalars(select(Delivery))}
    assert rows[ids["ana"]].state == DeliveryState.SENT
    assert rows[ids["ben"]].due_at == NOW + timedelta(seconds=20)
