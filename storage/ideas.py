"""Ideas, their state changes and votes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import dialect_name
from storage.models import Idea, IdeaEvent, IdeaSupporter, IdeaVote, Response


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

    async def add_vote(self, vote: IdeaVote) -> bool:
        """Count one vote; False if this voter already voted for the idea (the unique key
        holds even when two presses race)."""
        if await self.has_vote(vote.idea_id, vote.voter_key):
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(vote)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def has_vote(self, idea_id: int, voter_key: str) -> bool:
        found = await self.session.scalar(
            select(IdeaVote.id).where(IdeaVote.idea_id == idea_id, IdeaVote.voter_key == voter_key)
        )
        return found is not None

    async def voter_keys(self, idea_id: int) -> list[str]:
        result = await self.session.scalars(
            select(IdeaVote.voter_key).where(IdeaVote.idea_id == idea_id)
        )
        return list(result.all())

    async def vote_counts(self, idea_ids: Sequence[int]) -> dict[int, int]:
        if not idea_ids:
            return {}
        rows = await self.session.execute(
            select(IdeaVote.idea_id, func.count())
            .where(IdeaVote.idea_id.in_(list(idea_ids)))
            .group_by(IdeaVote.idea_id)
        )
        return {int(idea_id): int(count) for idea_id, count in rows.all()}

    async def supporters(self, idea_id: int) -> Sequence[IdeaSupporter]:
        result = await self.session.scalars(
            select(IdeaSupporter).where(IdeaSupporter.idea_id == idea_id).order_by(IdeaSupporter.id)
        )
        return result.all()

    async def add_supporter(self, supporter: IdeaSupporter) -> None:
        self.session.add(supporter)
        await self.session.flush()

    async def in_organisation(
        self,
        organisation_id: int,
        *,
        states: Sequence[str] | None = None,
        site: str | None = None,
        limit: int = 500,
    ) -> Sequence[Idea]:
        """One organisation's ideas, newest first; in `states` and from `site` if given.
        Ideas the distress safety net held back are left out: only their submitter sees them."""
        statement = select(Idea).where(
            Idea.organisation_id == organisation_id, Idea.distress.is_(False)
        )
        if states is not None:
            statement = statement.where(Idea.state.in_(list(states)))
        if site is not None:
            statement = statement.where(Idea.site == site)
        result = await self.session.scalars(
            statement.order_by(Idea.created_at.desc(), Idea.id.desc()).limit(limit)
        )
        return result.all()

    async def waiting_since(
        self, organisation_id: int, states: Sequence[str], before: datetime
    ) -> Sequence[Idea]:
        """Ideas in `states` (untriaged) whose last change is older than `before`."""
        result = await self.session.scalars(
            select(Idea)
            .where(
                Idea.organisation_id == organisation_id,
                Idea.state.in_(list(states)),
                Idea.updated_at < before,
                Idea.distress.is_(False),  # held back: no leader is nudged about it
            )
            .order_by(Idea.updated_at, Idea.id)
        )
        return result.all()

    async def events_between(
        self, organisation_id: int, since: datetime, until: datetime
    ) -> Sequence[tuple[IdeaEvent, Idea]]:
        """Every move of the organisation's ideas in [since, until), oldest first."""
        rows = await self.session.execute(
            select(IdeaEvent, Idea)
            .join(Idea, Idea.id == IdeaEvent.idea_id)
            .where(
                Idea.organisation_id == organisation_id,
                Idea.distress.is_(False),  # held back: not even counted in a digest
                IdeaEvent.created_at >= since,
                IdeaEvent.created_at < until,
            )
            .order_by(IdeaEvent.created_at, IdeaEvent.id)
        )
        return [(event, idea) for event, idea in rows.all()]

    async def history(self, idea_id: int) -> Sequence[IdeaEvent]:
        result = await self.session.scalars(
            select(IdeaEvent)
            .where(IdeaEvent.idea_id == idea_id)
            .order_by(IdeaEvent.created_at, IdeaEvent.id)
        )
        return result.all()

    async def get(self, idea_id: int) -> Idea | None:
        return await self.session.get(Idea, idea_id)

    async def visible(self, idea_id: int, organisation_id: int) -> Idea | None:
        """The idea as its organisation's leaders and voters may reach it by number: None
        for another organisation's, and for one the distress safety net held back (only
        its submitter sees that one, in `my ideas`), so neither is hinted at."""
        idea = await self.session.get(Idea, idea_id)
        if idea is None or idea.organisation_id != organisation_id or idea.distress:
            return None
        return idea

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

    async def named_from_occurrence(self, person_id: int, occurrence_id: int) -> bool:
        """Whether this person's answers to the occurrence became an idea whose card
        names them (an anonymous pulse's ideas link to no answer, so never)."""
        found = await self.session.scalar(
            select(Idea.id)
            .join(Response, Idea.response_id == Response.id)
            .where(
                Response.occurrence_id == occurrence_id,
                Response.person_id == person_id,
                Idea.anonymous.is_(False),
                Idea.distress.is_(False),
            )
            .limit(1)
        )
        return found is not None

    async def from_response(self, response_id: int) -> Idea | None:
        return await self.session.scalar(select(Idea).where(Idea.response_id == response_id))

    async def remove(self, idea: Idea) -> None:
        await self.session.delete(idea)
        await self.session.flush()
