"""Ideas, their state changes and votes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Idea, IdeaEvent


class IdeaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, idea: Idea, event: IdeaEvent) -> Idea:
        self.session.add(idea)
        await self.session.flush()
        event.idea_id = idea.id
        self.session.add(event)
        await self.session.flush()
        return idea

    async def get(self, idea_id: int) -> Idea | None:
        return await self.session.get(Idea, idea_id)

    async def of_submitter(self, person_id: int, limit: int = 20) -> Sequence[Idea]:
        result = await self.session.scalars(
            select(Idea)
            .where(Idea.submitter_id == person_id)
            .order_by(Idea.created_at.desc(), Idea.id.desc())
            .limit(limit)
        )
        return result.all()

    async def in_states(
        self, workspace_id: int, states: Sequence[str], limit: int = 20
    ) -> Sequence[Idea]:
        result = await self.session.scalars(
            select(Idea)
            .where(Idea.workspace_id == workspace_id, Idea.state.in_(states))
            .order_by(Idea.updated_at.desc(), Idea.id.desc())
            .limit(limit)
        )
        return result.all()

    async def from_response(self, response_id: int) -> Idea | None:
        return await self.session.scalar(select(Idea).where(Idea.response_id == response_id))

    async def remove(self, idea: Idea) -> None:
        await self.session.delete(idea)
        await self.session.flush()
