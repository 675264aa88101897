"""Rows for storage tests, written through the repositories where they exist."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Occurrence, Person, Response
from storage.people import PeopleRepository
from storage.pulses import PulseRepository

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


async def local_organisation(session: AsyncSession) -> int:
    """The organisation of the local chat's workspace (made on first call)."""
    workspace = await PeopleRepository(session).workspace("local", "local", now=NOW)
    return workspace.organisation_id


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
    occurrence = Occurrence(
        organisation_id=await local_organisation(session),
        prompt_ids=prompt_ids or ["joy-more"],
        opened_at=NOW,
    )
    await PulseRepository(session).open_occurrence(occurrence)
    return occurrence


def response(occurrence: Occurrence, person: Person | None, text: str) -> Response:
    return Response(
        organisation_id=occurrence.organisation_id,
        occurrence_id=occurrence.id,
        prompt_id=occurrence.prompt_ids[0],
        person_id=person.id if person else None,
        text=text,
        redactions=[],
        created_at=NOW,
        updated_at=NOW,
    )
