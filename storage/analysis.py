"""The matrix's counts, computed in the database (GROUP BY), never row by row in Python.

A respondent is an answer's `respondent_key`; answers to an anonymous occurrence (or
with no key) count one respondent each, since nothing may link them to one another.
Where a person has coded an answer for a theme, their code is the one counted, not the
coder's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, and_, case, cast, distinct, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Coding, Occurrence, Response, Theme
from storage.states import Anonymity

PERSON = "person"  # a code a person gave (or confirmed): it wins over the coder's
BARRIER = "barrier"
ENABLER = "enabler"
NO_GROUP = ""  # answers with no site, or no role

Breakdown = Literal["site", "role"]


@dataclass(frozen=True)
class AnswerScope:
    """Which answers a figure is about: always one organisation's."""

    organisation_id: int
    pulse_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    site: str | None = None
    role: str | None = None

    def wider(self) -> list[AnswerScope]:
        """The same scope without one or more of its filters: the views a filtered
        figure could be subtracted from."""
        drops: list[dict[str, Any]] = []
        if self.site is not None:
            drops.append({"site": None})
        if self.role is not None:
            drops.append({"role": None})
        if self.site is not None and self.role is not None:
            drops.append({"site": None, "role": None})
        if self.pulse_id is not None:
            drops.append({"pulse_id": None})
        if self.since is not None or self.until is not None:
            drops.append({"since": None, "until": None})
        return [replace(self, **drop) for drop in drops]

    @property
    def unfiltered(self) -> AnswerScope:
        """Without its site and role filters."""
        return replace(self, site=None, role=None)


@dataclass(frozen=True)
class QuestionCount:
    prompt_id: str
    site: str | None  # None: not broken down by site; NO_GROUP: answers with no site
    role: str | None
    respondents: int


@dataclass(frozen=True)
class CellCount:
    prompt_id: str
    theme_id: str
    site: str | None
    role: str | None
    mentions: int
    respondents: int
    barrier: int  # respondents who spoke of it as a barrier
    enabler: int


@dataclass(frozen=True)
class Quote:
    prompt_id: str
    theme_id: str
    text: str
    by_person: bool
    confidence: float | None


@dataclass(frozen=True)
class ThemeColumn:
    id: str
    label: str


def _respondent() -> ColumnElement[Any]:
    anonymous = or_(Occurrence.anonymity == Anonymity.ANONYMOUS, Response.respondent_key.is_(None))
    return case(
        (anonymous, literal("#") + cast(Response.id, String)), else_=Response.respondent_key
    )


def _effective_codings() -> Any:
    """Each answer's codes, one per theme: a person's where there is one."""
    person = aliased(Coding)
    overridden = exists().where(
        person.response_id == Coding.response_id,
        person.theme_id == Coding.theme_id,
        person.source == PERSON,
    )
    return (
        select(
            Coding.response_id, Coding.theme_id, Coding.polarity, Coding.source, Coding.confidence
        )
        .where(or_(Coding.source == PERSON, ~overridden))
        .subquery("coding")
    )


def _group_columns(by: Sequence[Breakdown]) -> list[ColumnElement[Any]]:
    return [
        func.coalesce(Response.site if dimension == "site" else Response.role, NO_GROUP)
        for dimension in ("site", "role")
        if dimension in by
    ]


def _groups(by: Sequence[Breakdown], values: Sequence[Any]) -> tuple[str | None, str | None]:
    """(site, role) of a row grouped by `by`, from its group columns' values."""
    found = iter(values)
    site = next(found) if "site" in by else None
    role = next(found) if "role" in by else None
    return site, role


def _scoped(statement: Any, scope: AnswerScope) -> Any:
    conditions = [
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
    return statement.outerjoin(Occurrence, Occurrence.id == Response.occurrence_id).where(
        and_(*conditions)
    )


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def has_answers(self, organisation_id: int) -> bool:
        found = await self.session.scalar(
            select(Response.id)
            .where(Response.organisation_id == organisation_id, Response.text.is_not(None))
            .limit(1)
        )
        return found is not None

    async def themes(self, organisation_id: int) -> list[ThemeColumn]:
        """The codebook's themes and the organisation's own, as the matrix's columns."""
        rows = await self.session.execute(
            select(Theme.id, Theme.label)
            .where(
                or_(Theme.organisation_id.is_(None), Theme.organisation_id == organisation_id),
                Theme.status == "active",
            )
            .order_by(Theme.organisation_id.is_not(None), Theme.id)
        )
        return [ThemeColumn(id_, label) for id_, label in rows.all()]

    async def question_counts(
        self, scope: AnswerScope, by: Sequence[Breakdown] = ()
    ) -> list[QuestionCount]:
        """Respondents per question (and per site, role, or both)."""
        groups = _group_columns(by)
        keys: list[Any] = [Response.prompt_id, *groups]
        statement = _scoped(
            select(*keys, func.count(distinct(_respondent()))).select_from(Response), scope
        ).group_by(*keys)
        rows = (await self.session.execute(statement)).all()
        return [
            QuestionCount(row[0], *_groups(by, row[1 : 1 + len(groups)]), int(row[-1]))
            for row in rows
        ]

    async def cell_counts(
        self, scope: AnswerScope, by: Sequence[Breakdown] = ()
    ) -> list[CellCount]:
        """Mentions, respondents and the barrier/enabler split per question and theme
        (and per site, role, or both)."""
        coding = _effective_codings()
        who = _respondent()
        groups = _group_columns(by)
        keys: list[Any] = [Response.prompt_id, coding.c.theme_id, *groups]
        statement = _scoped(
            select(
                *keys,
                func.count(),
                func.count(distinct(who)),
                func.count(distinct(case((coding.c.polarity == BARRIER, who)))),
                func.count(distinct(case((coding.c.polarity == ENABLER, who)))),
            )
            .select_from(Response)
            .join(coding, coding.c.response_id == Response.id),
            scope,
        ).group_by(*keys)
        rows = (await self.session.execute(statement)).all()
        return [
            CellCount(
                row[0],
                row[1],
                *_groups(by, row[2 : 2 + len(groups)]),
                mentions=int(row[-4]),
                respondents=int(row[-3]),
                barrier=int(row[-2]),
                enabler=int(row[-1]),
            )
            for row in rows
        ]

    async def quotes(self, scope: AnswerScope, per_cell: int = 3) -> Sequence[Quote]:
        """Up to `per_cell` answers per question and theme: a person's codes first, then
        the coder's surest, then the newest. Their text is already redacted; answers the
        distress safety net flagged are never quoted."""
        coding = _effective_codings()
        by_person = coding.c.source == PERSON
        rank = (
            func.row_number()
            .over(
                partition_by=(Response.prompt_id, coding.c.theme_id),
                order_by=(
                    case((by_person, 0), else_=1),
                    func.coalesce(coding.c.confidence, 1.0).desc(),
                    Response.created_at.desc(),
                    Response.id.desc(),
                ),
            )
            .label("rank")
        )
        ranked = _scoped(
            select(
                Response.prompt_id,
                coding.c.theme_id,
                Response.text,
                by_person.label("by_person"),
                coding.c.confidence,
                rank,
            )
            .select_from(Response)
            .join(coding, coding.c.response_id == Response.id)
            .where(Response.distress.is_(False)),
            scope,
        ).subquery("ranked")
        rows = await self.session.execute(
            select(ranked)
            .where(ranked.c.rank <= per_cell)
            .order_by(ranked.c.prompt_id, ranked.c.theme_id, ranked.c.rank)
        )
        return [
            Quote(prompt_id, theme_id, text, bool(person), confidence)
            for prompt_id, theme_id, text, person, confidence, _ in rows.all()
        ]

    async def add_codes(self, codings: Sequence[Coding]) -> None:
        """Store codes given to answers (by the coder or by a person)."""
        self.session.add_all(codings)
        await self.session.flush()
