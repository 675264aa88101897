"""PulseRepository on SQLite and PostgreSQL: names, keyed occurrences, the lock, the
counts reports are built from, and what deleting a pulse keeps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.models import Delivery, Occurrence, Pulse
from storage.people import PeopleRepository
from storage.pulses import PulseRepository
from storage.states import DeliveryState
from tests.storage.storage_rows import NOW, add_person, local_organisation


async def _pulse(session: AsyncSession, name: str, **values: object) -> Pulse:
    return await PulseRepository(session).add(
        Pulse(
            organisation_id=await local_organisation(session),
            name=name,
            prompt_ids=["joy-more"],
            audience={},
            created_at=NOW,
            **values,
        )
    )


def _keyed(pulse: Pulse, key: str, prompt_ids: list[str] | None = None) -> Occurrence:
    return Occurrence(
        organisation_id=pulse.organisation_id,
        pulse_id=pulse.id,
        prompt_ids=prompt_ids or ["joy-more"],
        anonymity="confidential",
        opened_at=NOW,
        zone=key.split(":")[2],
        key=key,
    )


async def test_names_are_found_whatever_their_case(any_db: Database) -> None:
    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        await _pulse(session, "Weekly check-in")
        await _pulse(session, "Monthly")

    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        organisation = await local_organisation(session)
        found = await repository.by_name(organisation, "  weekly CHECK-IN ")
        names = [pulse.name for pulse in await repository.all(organisation)]

    assert found is not None and found.name == "Weekly check-in"
    assert names == ["Monthly", "Weekly check-in"]


async def test_no_reminder_is_stored_as_none(any_db: Database) -> None:
    async with any_db.transaction() as session:
        added = await _pulse(session, "Quiet", reminder_after_hours=None)

    async with any_db.transaction() as session:
        stored = await PulseRepository(session).get(added.id)
    assert stored is not None and stored.reminder_after_hours is None


async def test_a_key_opens_one_occurrence(any_db: Database) -> None:
    async with any_db.transaction() as session:
        pulse = await _pulse(session, "Weekly")

    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        first = await repository.open_occurrence(_keyed(pulse, f"pulse:{pulse.id}:UTC:2026-03-02"))
        second = await repository.open_occurrence(_keyed(pulse, f"pulse:{pulse.id}:UTC:2026-03-02"))

    assert first is not None and second is None
    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        stored = await repository.occurrence_by_key(f"pulse:{pulse.id}:UTC:2026-03-02")
        assert stored is not None and stored.id == first
        assert await repository.latest_occurrence_id(pulse.id) == first


async def test_the_same_day_in_another_zone_is_found(any_db: Database) -> None:
    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        pulse = await _pulse(session, "Weekly")
        other = await _pulse(session, "Other")
        await repository.open_occurrence(
            _keyed(other, f"pulse:{other.id}:Asia/Tokyo:2026-03-02", ["valued"])
        )
        await repository.open_occurrence(
            _keyed(pulse, f"pulse:{pulse.id}:Asia/Tokyo:2026-03-02", ["engaged"])
        )

        found = await repository.same_day_occurrence(pulse.id, ":2026-03-02")
        missing = await repository.same_day_occurrence(pulse.id, ":2026-03-03")

    assert found is not None and found.prompt_ids == ["engaged"]
    assert missing is None


async def test_counts_by_site_and_by_role(any_db: Database) -> None:
    async with any_db.transaction() as session:
        people = PeopleRepository(session)
        ana, sam = await add_person(session, "ana"), await add_person(session, "sam")
        ana.site = "North"
        await people.grant(ana, "clinician", now=NOW)
        await people.grant(ana, "leader", now=NOW)
        pulse = await _pulse(session, "Weekly")
        deliveries = DeliveryRepository(session)
        occurrence = Occurrence(
            organisation_id=pulse.organisation_id,
            pulse_id=pulse.id,
            prompt_ids=["joy-more"],
            opened_at=NOW,
        )
        await PulseRepository(session).open_occurrence(occurrence)
        await deliveries.enqueue(occurrence.id, ana.id, due_at=NOW)
        await deliveries.enqueue(occurrence.id, sam.id, due_at=NOW + timedelta(hours=3))
        answered = await session.scalar(select(Delivery).where(Delivery.person_id == ana.id))
        assert answered is not None
        answered.state, answered.sent_at = DeliveryState.ANSWERED, NOW

    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        by_site = await repository.counts_by_site([occurrence.id], NOW)
        by_role = await repository.counts_by_role([occurrence.id], NOW)

    assert sorted(
        (row.group or "", row.state, row.was_sent, row.due_later, row.count) for row in by_site
    ) == [
        ("", "pending", False, True, 1),
        ("North", "answered", True, False, 1),
    ]
    assert sorted((row.group or "", row.state, row.count) for row in by_role) == [
        ("", "pending", 1),
        ("clinician", "answered", 1),
        ("leader", "answered", 1),
    ]
    assert await PulseRepository(session).counts_by_site([], NOW) == []


async def test_deleting_a_pulse_keeps_its_occurrences(any_db: Database) -> None:
    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        pulse = await _pulse(session, "Weekly")
        opened = await repository.open_occurrence(_keyed(pulse, f"pulse:{pulse.id}:UTC:2026-03-02"))

    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        found = await repository.get(pulse.id)
        assert found is not None
        assert len(await repository.occurrences(pulse.id)) == 1
        await repository.delete(found)

    async with any_db.transaction() as session:
        kept = await session.get(Occurrence, opened)
        gone = await PulseRepository(session).get(pulse.id)
    assert kept is not None and kept.pulse_id is None
    assert gone is None


async def test_lock_returns_the_fresh_row_or_none(any_db: Database) -> None:
    async with any_db.transaction() as session:
        pulse = await _pulse(session, "Weekly")

    async with any_db.transaction() as session:
        repository = PulseRepository(session)
        locked = await repository.lock(pulse.id)
        assert await repository.lock(pulse.id + 100) is None
    assert locked is not None and locked.name == "Weekly"
