"""Rows for storage tests, written through the repositories where they exist."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.deliveries import DeliveryRepository
from storage.models import Occurrence, Person, Response
from storage.people import PeopleRepository

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


async def add_person(session: AsyncSession, user_id: str) -> Person:
    people = PeopleRepository(session)
    workspace = await people.workspace("local", "local", now=NOW)
    return await people.add(
        Person(
            workspace_id=workspace.id,
            platform_user_id=user_id,
            display_name=user_id.title(),
            tags=[],
            created_at=NOW,
        )
    )


async def add_occurrence(session: AsyncSession, prompt_ids: list[str] | None = None) -> Occurrence:
    return await DeliveryRepository(session).open_occurrence(
        Occurrence(prompt_ids=prompt_ids or ["joy-more"], opened_at=NOW)
    )


def response(occurrence: Occurrence, person: Person | None, text: str) -> Response:
    return Response(
        occurrence_id=occurrence.id,
        prompt_id=occurrence.prompt_ids[0],
        person_id=person.id if person else None,
        text=text,
        redactions=[],
        created_at=NOW,
        updated_at=NOW,
    )
