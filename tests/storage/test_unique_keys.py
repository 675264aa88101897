"""Where a duplicate would be a bug, the database itself refuses it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.engine import Database
from storage.models import Delivery, Idea, IdeaVote, ProcessedEvent
from tests.storage.storage_rows import NOW, add_occurrence, add_person, local_organisation


async def _count(database: Database, model: type[object]) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_second_delivery_for_the_same_occurrence_and_person_is_refused(
    any_db: Database,
) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")
        occurrence = await add_occurrence(session)
        session.add(Delivery(occurrence_id=occurrence.id, person_id=person.id, due_at=NOW))

    with pytest.raises(IntegrityError):
        async with any_db.transaction() as session:
            session.add(Delivery(occurrence_id=occurrence.id, person_id=person.id, due_at=NOW))

    assert await _count(any_db, Delivery) == 1


async def test_the_same_person_in_another_occurrence_is_fine(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")
        for _ in range(2):
            occurrence = await add_occurrence(session)
            session.add(Delivery(occurrence_id=occurrence.id, person_id=person.id, due_at=NOW))

    assert await _count(any_db, Delivery) == 2


async def test_a_second_vote_by_the_same_voter_on_an_idea_is_refused(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")
        idea = Idea(
            organisation_id=await local_organisation(session),
            workspace_id=person.workspace_id,
            text="Protected admin time",
            source="command",
            submitter_id=person.id,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(idea)
        await session.flush()
        session.add(
            IdeaVote(
                organisation_id=idea.organisation_id,
                idea_id=idea.id,
                voter_key="voter-1",
                created_at=NOW,
            )
        )
        session.add(
            IdeaVote(
                organisation_id=idea.organisation_id,
                idea_id=idea.id,
                voter_key="voter-2",
                created_at=NOW,
            )
        )

    with pytest.raises(IntegrityError):
        async with any_db.transaction() as session:
            session.add(
                IdeaVote(
                    organisation_id=idea.organisation_id,
                    idea_id=idea.id,
                    voter_key="voter-1",
                    created_at=NOW,
                )
            )

    assert await _count(any_db, IdeaVote) == 2


async def test_a_processed_event_id_is_recorded_once_per_platform(any_db: Database) -> None:
    async with any_db.transaction() as session:
        session.add(ProcessedEvent(platform="slack", event_id="Ev123", processed_at=NOW))
        # The same id from another platform is a different event.
        session.add(ProcessedEvent(platform="teams", event_id="Ev123", processed_at=NOW))

    with pytest.raises(IntegrityError):
        async with any_db.transaction() as session:
            session.add(ProcessedEvent(platform="slack", event_id="Ev123", processed_at=NOW))

    assert await _count(any_db, ProcessedEvent) == 2
