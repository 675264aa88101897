"""Responses (answers) and their codings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Response


class AnswerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, response: Response) -> Response:
        self.session.add(response)
        await self.session.flush()
        return response

    async def get(self, response_id: int) -> Response | None:
        return await self.session.get(Response, response_id)

    async def by_source_message(self, key: str) -> Response | None:
        return await self.session.scalar(
            select(Response).where(Response.source_message_key == key).limit(1)
        )

    async def to_prompt(
        self, person_id: int, occurrence_id: int, prompt_id: str
    ) -> Response | None:
        """The person's answer to one prompt of one occurrence (never an anonymous one:
        those are stored with no person)."""
        return await self.session.scalar(
            select(Response)
            .where(
                Response.person_id == person_id,
                Response.occurrence_id == occurrence_id,
                Response.prompt_id == prompt_id,
            )
            .order_by(Response.id.desc())
            .limit(1)
        )

    async def remove(self, response: Response) -> None:
        await self.session.delete(response)
        await self.session.flush()

    # A person's answers are read within their organisation: the rows follow them when
    # their workspace moves (storage.organisations), so nothing of theirs is left behind.

    async def of_person(
        self, person_id: int, organisation_id: int, limit: int = 20
    ) -> Sequence[Response]:
        result = await self.session.scalars(
            select(Response)
            .where(Response.person_id == person_id, Response.organisation_id == organisation_id)
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(limit)
        )
        return result.all()

    async def count_of_person(self, person_id: int, organisation_id: int) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.person_id == person_id, Response.organisation_id == organisation_id)
        )
        return int(count or 0)

    async def remove_all_of_person(self, person_id: int, organisation_id: int) -> int:
        result = await self.session.execute(
            delete(Response).where(
                Response.person_id == person_id, Response.organisation_id == organisation_id
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def purge_text_before(self, cutoff: datetime, *, now: datetime) -> int:
        """Retention: empty the text of every answer given before `cutoff`; the row, its
        codes, scale value and choice stay, so every count is unchanged. The message key
        goes too, so a late edit of the old message cannot bring text back."""
        result = await self.session.execute(
            update(Response)
            .where(Response.created_at < cutoff, Response.text.is_not(None))
            .values(text=None, source_message_key=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
