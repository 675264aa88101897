"""Emerging themes: the answers no theme covers, the candidates clustered from them,
and what the wellness lead decided. Every query keeps to one organisation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Coding, EmergingTheme, Response, Theme

PENDING = "pending"
ACCEPTED = "accepted"
MERGED = "merged"
DISMISSED = "dismissed"


class EmergingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def uncovered_answers(self, organisation_id: int, limit: int) -> list[tuple[int, str]]:
        """The organisation's latest free-text answers with no code at all, oldest first
        (id, text), leaving out those in a candidate already dismissed."""
        dismissed: set[int] = set()
        for ids in await self.session.scalars(
            select(EmergingTheme.response_ids).where(
                EmergingTheme.organisation_id == organisation_id,
                EmergingTheme.state == DISMISSED,
            )
        ):
            dismissed.update(int(i) for i in ids)
        coded = exists().where(Coding.response_id == Response.id)
        rows = await self.session.execute(
            select(Response.id, Response.text)
            .where(
                Response.organisation_id == organisation_id,
                Response.text.is_not(None),
                Response.text != "",
                # Words of distress are never grouped into a theme nor quoted as typical.
                Response.distress.is_(False),
                ~coded,
            )
            .order_by(Response.id.desc())
            .limit(limit + len(dismissed))
        )
        found = [(int(i), str(t)) for i, t in rows if int(i) not in dismissed][:limit]
        found.reverse()
        return found

    async def replace_pending(
        self, organisation_id: int, proposed: Sequence[EmergingTheme]
    ) -> list[EmergingTheme]:
        """Make `proposed` the organisation's pending candidates. One already pending
        over the same answers keeps its id (so an id listed stays good); the rest go."""
        pending = list(await self.pending(organisation_id))
        by_answers = {frozenset(c.response_ids): c for c in pending}
        kept: list[EmergingTheme] = []
        for candidate in proposed:
            same = by_answers.pop(frozenset(candidate.response_ids), None)
            if same is not None:
                same.top_terms = candidate.top_terms
                kept.append(same)
            else:
                self.session.add(candidate)
                kept.append(candidate)
        gone = [c.id for c in by_answers.values()]
        if gone:
            await self.session.execute(delete(EmergingTheme).where(EmergingTheme.id.in_(gone)))
        await self.session.flush()
        return kept

    async def pending(self, organisation_id: int) -> Sequence[EmergingTheme]:
        result = await self.session.scalars(
            select(EmergingTheme)
            .where(
                EmergingTheme.organisation_id == organisation_id,
                EmergingTheme.state == PENDING,
            )
            .order_by(EmergingTheme.id)
        )
        return result.all()

    async def get(self, organisation_id: int, candidate_id: int) -> EmergingTheme | None:
        """A candidate of this organisation (another organisation's id finds nothing)."""
        return await self.session.scalar(
            select(EmergingTheme).where(
                EmergingTheme.id == candidate_id,
                EmergingTheme.organisation_id == organisation_id,
            )
        )

    async def texts(self, organisation_id: int, response_ids: Iterable[int]) -> dict[int, str]:
        """The stored (redacted) text of these answers of the organisation, leaving out
        any the distress safety net flagged since they were grouped (an edit)."""
        ids = list(response_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Response.id, Response.text).where(
                Response.organisation_id == organisation_id,
                Response.id.in_(ids),
                Response.distress.is_(False),
            )
        )
        return {int(i): str(t or "") for i, t in rows}

    async def answers_with_questions(
        self, organisation_id: int, response_ids: Iterable[int]
    ) -> list[tuple[int, str, str]]:
        """(id, text, prompt id) of these answers of the organisation."""
        ids = list(response_ids)
        if not ids:
            return []
        rows = await self.session.execute(
            select(Response.id, Response.text, Response.prompt_id)
            .where(Response.organisation_id == organisation_id, Response.id.in_(ids))
            .order_by(Response.id)
        )
        return [(int(i), str(t or ""), str(p)) for i, t, p in rows]

    async def theme(self, organisation_id: int, theme_id: str) -> Theme | None:
        """An active theme this organisation codes with: the shipped codebook's or its own."""
        return await self.session.scalar(
            select(Theme).where(
                Theme.id == theme_id,
                Theme.status == "active",
                or_(Theme.organisation_id.is_(None), Theme.organisation_id == organisation_id),
            )
        )

    async def own_theme_words(self, organisation_id: int) -> list[tuple[str, str, list[str]]]:
        """(id, label, keywords) of the organisation's own active themes: read on every
        store, so columns only (loading the rows as objects costs twice as much)."""
        rows = await self.session.execute(
            select(Theme.id, Theme.label, Theme.keywords)
            .where(Theme.organisation_id == organisation_id, Theme.status == "active")
            .order_by(Theme.id)
        )
        return [(id_, label, list(keywords)) for id_, label, keywords in rows.all()]

    async def theme_id_taken(self, theme_id: str) -> bool:
        return await self.session.get(Theme, theme_id) is not None

    async def add_theme(self, theme: Theme) -> Theme:
        self.session.add(theme)
        await self.session.flush()
        return theme

    async def add_codes(self, codes: Iterable[Coding]) -> None:
        self.session.add_all(list(codes))
        await self.session.flush()

    async def audit(
        self, action: str, subject: str, detail: dict[str, Any], now: datetime, actor_id: int | None
    ) -> None:
        self.session.add(
            AuditEntry(
                actor_id=actor_id, action=action, subject=subject, detail=detail, created_at=now
            )
        )
        await self.session.flush()
