"""What a report reads beside the matrix's counts (storage.analysis): the themes'
definitions, the coded answers themselves (for the Summary sheet and the REFI-QDA
project), the pathway's ideas, and the occurrences whose participation it shows.

One organisation at a time, like every query. Answer text is already redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.analysis import AnswerScope
from storage.models import (
    Coding,
    Idea,
    IdeaCoding,
    IdeaVote,
    Occurrence,
    Pulse,
    Response,
    Theme,
)
from storage.states import Anonymity

PERSON = "person"  # a person's code wins over the coder's, as in the matrix


@dataclass(frozen=True)
class AnswerCode:
    theme_id: str
    polarity: str | None
    source: str  # coder | person
    confidence: float | None


@dataclass(frozen=True)
class CodedAnswer:
    """One answer with its codes (a person's where there is one, per theme)."""

    response_id: int
    respondent: str  # the pseudonymous key; "#<id>" for an anonymous answer
    created_at: datetime
    prompt_id: str
    text: str
    site: str | None
    role: str | None
    codes: tuple[AnswerCode, ...]


@dataclass(frozen=True)
class IdeaLine:
    """One idea of the pathway log: never who submitted it."""

    idea_id: int
    state: str
    text: str
    site: str | None
    votes: int
    theme_ids: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OccurrenceLine:
    occurrence: Occurrence
    pulse: str | None


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def theme_descriptions(self, organisation_id: int) -> dict[str, str]:
        rows = await self.session.execute(
            select(Theme.id, Theme.description).where(
                or_(Theme.organisation_id.is_(None), Theme.organisation_id == organisation_id)
            )
        )
        return {theme_id: description or "" for theme_id, description in rows.all()}

    async def first_answer_at(self, scope: AnswerScope) -> datetime | None:
        statement = select(func.min(Response.created_at)).where(*_answer_filters(scope))
        if scope.pulse_id is not None:
            statement = statement.join(Occurrence, Occurrence.id == Response.occurrence_id)
        return await self.session.scalar(statement)

    async def coded_answers(self, scope: AnswerScope) -> list[CodedAnswer]:
        """Every answer with text in `scope`, oldest first, with its effective codes."""
        statement = (
            select(
                Response.id,
                Response.respondent_key,
                Occurrence.anonymity,
                Response.created_at,
                Response.prompt_id,
                Response.text,
                Response.site,
                Response.role,
            )
            .outerjoin(Occurrence, Occurrence.id == Response.occurrence_id)
            .where(*_answer_filters(scope))
            .order_by(Response.created_at, Response.id)
        )
        answers = (await self.session.execute(statement)).all()
        codes = await self._codes(scope)
        return [
            CodedAnswer(
                response_id,
                f"#{response_id}" if anonymity == Anonymity.ANONYMOUS or key is None else str(key),
                created_at,
                prompt_id,
                text or "",
                site,
                role,
                tuple(codes.get(response_id, {}).values()),
            )
            for response_id, key, anonymity, created_at, prompt_id, text, site, role in answers
        ]

    async def _codes(self, scope: AnswerScope) -> dict[int, dict[str, AnswerCode]]:
        statement = (
            select(
                Coding.response_id,
                Coding.theme_id,
                Coding.polarity,
                Coding.source,
                Coding.confidence,
            )
            .join(Response, Response.id == Coding.response_id)
            .outerjoin(Occurrence, Occurrence.id == Response.occurrence_id)
            .where(*_answer_filters(scope))
            .order_by(Coding.response_id, Coding.theme_id)
        )
        found: dict[int, dict[str, AnswerCode]] = {}
        for response_id, theme_id, polarity, source, confidence in (
            await self.session.execute(statement)
        ).all():
            codes = found.setdefault(response_id, {})
            if theme_id in codes and codes[theme_id].source == PERSON:
                continue  # a person's code stands
            codes[theme_id] = AnswerCode(theme_id, polarity, source, confidence)
        return found

    async def ideas(
        self,
        organisation_id: int,
        since: datetime | None,
        until: datetime | None,
        site: str | None,
    ) -> list[IdeaLine]:
        """The organisation's ideas raised in the period, oldest first."""
        conditions = [Idea.organisation_id == organisation_id]
        if since is not None:
            conditions.append(Idea.created_at >= since)
        if until is not None:
            conditions.append(Idea.created_at < until)
        if site is not None:
            conditions.append(Idea.site == site)
        votes = (
            select(IdeaVote.idea_id, func.count().label("votes"))
            .group_by(IdeaVote.idea_id)
            .subquery("votes")
        )
        rows = (
            await self.session.execute(
                select(
                    Idea.id,
                    Idea.state,
                    Idea.text,
                    Idea.site,
                    func.coalesce(votes.c.votes, 0),
                    Idea.created_at,
                    Idea.updated_at,
                )
                .outerjoin(votes, votes.c.idea_id == Idea.id)
                .where(*conditions)
                .order_by(Idea.created_at, Idea.id)
            )
        ).all()
        themes: dict[int, set[str]] = {}
        if rows:
            coded = await self.session.execute(
                select(IdeaCoding.idea_id, IdeaCoding.theme_id).where(
                    IdeaCoding.idea_id.in_([row[0] for row in rows])
                )
            )
            for idea_id, theme_id in coded.all():
                themes.setdefault(idea_id, set()).add(theme_id)
        return [
            IdeaLine(
                idea_id,
                state,
                text,
                site_,
                int(count),
                tuple(sorted(themes.get(idea_id, ()))),
                created_at,
                updated_at,
            )
            for idea_id, state, text, site_, count, created_at, updated_at in rows
        ]

    async def occurrences(
        self,
        organisation_id: int,
        pulse_id: int | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Sequence[OccurrenceLine]:
        """The organisation's occurrences opened in the period, oldest first."""
        conditions = [Occurrence.organisation_id == organisation_id]
        if pulse_id is not None:
            conditions.append(Occurrence.pulse_id == pulse_id)
        if since is not None:
            conditions.append(Occurrence.opened_at >= since)
        if until is not None:
            conditions.append(Occurrence.opened_at < until)
        rows = await self.session.execute(
            select(Occurrence, Pulse.name)
            .outerjoin(Pulse, Pulse.id == Occurrence.pulse_id)
            .where(*conditions)
            .order_by(Occurrence.opened_at, Occurrence.id)
        )
        return [OccurrenceLine(occurrence, name) for occurrence, name in rows.all()]


def _answer_filters(scope: AnswerScope) -> list[ColumnElement[bool]]:
    """The matrix's scope as conditions on answers (and their occurrence, joined)."""
    conditions: list[ColumnElement[bool]] = [
        Response.organisation_id == scope.organisation_id,
        Response.text.is_not(None),
        Response.text != "",
    ]
    if scope.pulse_id is not None:
        conditions.append(Occurrence.pulse_id == scope.pulse_id)
    if scope.since is not None:
        conditions.append(Response.created_at >= scope.since)
    if scope.until is not None:
        conditions.append(Response.created_at < scope.until)
    if scope.site is not None:
        conditions.append(Response.site == scope.site)
    if scope.role is not None:
        conditions.append(Response.role == scope.role)
    return conditions
