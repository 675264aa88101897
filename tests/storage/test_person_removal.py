"""Removing a person removes what is theirs and only that."""

from __future__ import annotations

from sqlalchemy import select

from storage.engine import Database
from storage.models import Delivery, Idea, Person, Response, RoleGrant
from tests.storage.storage_rows import NOW, add_occurrence, add_person, response


async def test_deleting_a_person_deletes_their_answers_and_deliveries(any_db: Database) -> None:
    async with any_db.transaction() as session:
        ana = await add_person(session, "ana")
        ben = await add_person(session, "ben")
        occurrence = await add_occurrence(session)
        session.add_all(
            [
                response(occurrence, ana, "Teaching residents"),
                response(occurrence, ana, "Procedures"),
                response(occurrence, ben, "My MA"),
                response(occurrence, None, "An anonymous answer"),
                Delivery(occurrence_id=occurrence.id, person_id=ana.id, due_at=NOW),
                Delivery(occurrence_id=occurrence.id, person_id=ben.id, due_at=NOW),
                RoleGrant(person_id=ana.id, role="clinician", granted_at=NOW),
                Idea(
                    organisation_id=occurrence.organisation_id,
                    workspace_id=ana.workspace_id,
                    text="Scribes",
                    source="command",
                    submitter_id=ana.id,
                    created_at=NOW,
                    updated_at=NOW,
                ),
            ]
        )

    async with any_db.transaction() as session:
        leaving = await session.get(Person, ana.id)
        assert leaving is not None
        await session.delete(leaving)

    async with any_db.transaction() as session:
        texts = list(await session.scalars(select(Response.text).order_by(Response.id)))
        delivery_people = list(await session.scalars(select(Delivery.person_id)))
        roles = list(await session.scalars(select(RoleGrant.person_id)))
        [idea] = list(await session.scalars(select(Idea)))

    assert texts == ["My MA", "An anonymous answer"]
    assert delivery_people == [ben.id]
    assert roles == []
    # The idea stays on the innovation pathway, no longer linked to anyone.
    assert (idea.text, idea.submitter_id) == ("Scribes", None)
