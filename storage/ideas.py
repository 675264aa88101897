"""Ideas, their state changes and votes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import dialect_name
from storage.models import Idea, IdeaEvent, IdeaVote


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

    async def purge_closed_text_before(
        self, cutoff: datetime, closed_states: Collection[str], *, now: datetime
    ) -> int:
        """Retention: empty the text of ideas in a closed state whose last change is older
        than `cutoff`. Open ideas keep theirs (leaders still work on them); state, votes
        and history stay."""
        result = await self.session.execute(
            update(Idea)
            .where(
                Idea.state.in_(list(closed_states)),
                Idea.updated_at < cutoff,
                Idea.purged_at.is_(None),
            )
            .values(text="", purged_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))

    async def move(
        self, idea: Idea, from_state: str, to_state: str, now: datetime, **changes: object
    ) -> bool:
        """Move `idea` only if it is still in `from_state` (a conditional UPDATE, so two
        leaders pressing at once cannot both win); True if this call moved it."""
        result = await self.session.execute(
            update(Idea)
            .where(Idea.id == idea.id, Idea.state == from_state)
            .values(state=to_state, updated_at=now, **changes)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(idea)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def record(self, event: IdeaEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def last_note(self, idea_id: int) -> str | None:
        """The note of the idea's latest move (what leaders asked, say)."""
        return await self.session.scalar(
            select(IdeaEvent.note)
            .where(IdeaEvent.idea_id == idea_id)
            .order_by(IdeaEvent.created_at.desc(), IdeaEvent.id.desc())
            .limit(1)
        )

    async def vote_count(self, idea_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(IdeaVote).where(IdeaVote.idea_id == idea_id)
        )
        return int(count or 0)

    async def get(self, idea_id: int) -> Idea | None:
        return await self.session.get(Idea, idea_id)

    async def locked(self, idea_id: int) -> Idea | None:
        """The idea, its row locked to the end of the transaction (PostgreSQL; SQLite's
        writers take turns anyway), so two replicas recording its cards both keep theirs."""
        statement = select(Idea).where(Idea.id == idea_id).execution_options(populate_existing=True)
        if dialect_name(self.session) == "postgresql":
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def of_submitter(
        self, person_id: int, organisation_id: int, limit: int = 20
    ) -> Sequence[Idea]:
        result = await self.session.scalars(
            select(Idea)
            .where(Idea.submitter_id == person_id, Idea.organisation_id == organisation_id)
            .order_by(Idea.created_at.desc(), Idea.id.desc())
            .limit(limit)
        )
        return result.all()

    async def in_states(
        self, organisation_id: int, states: Sequence[str], limit: int = 20
    ) -> Sequence[Idea]:
        # Ideas the distress safety net held back are nobody's to see but the submitter's.
        result = await self.session.scalars(
            select(Idea)
            .where(
                Idea.organisation_id == organisation_id,
                Idea.state.in_(states),
                Idea.distress.is_(False),
            )
            .order_by(Idea.updated_at.desc(), Idea.id.desc())
            .limit(limit)
        )
        return result.all()

    async def from_response(self, response_id: int) -> Idea | None:
        return await self.session.scalar(select(Idea).where(Idea.response_id == response_id))

    async def remove(self, idea: Idea) -> None:
        await self.session.delete(idea)
        await self.session.flush()
