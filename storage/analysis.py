"""The matrix's counts, computed in the database (GROUP BY), never row by row in Python.

A respondent is an answer's `respondent_key`; answers to an anonymous occurrence (or
with no key) count one respondent each, since nothing may link them to one another.
An answer's codes are the ones storage.codings says count: a person's once a person
coded it (none at all, if they said no theme fits), else the coder's. The period before
and the scope at any time are counted in the same query as the scope (`Periods`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, and_, case, cast, distinct, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.codings import PERSON, counts_as_code
from storage.models import Coding, Occurrence, Response
from storage.states import Anonymity

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
    previous: int = 0  # respondents in the previous period, when asked for (`Periods`)
    whole: int = 0  # respondents at any time, when asked for


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
    previous: int = 0  # respondents in the previous period, when asked for (`Periods`)


@dataclass(frozen=True)
class Periods:
    """What one query counts beside the scope's own period: the period before it (same
    filters), and whether to count the scope's answers at any time too (`whole`), so the
    change and the refusal of a small date filter cost no query of their own."""

    previous: AnswerScope | None = None
    whole: bool = False


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


def _in_period(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(Response.created_at >= since)
    if until is not None:
        conditions.append(Response.created_at < until)
    return conditions


def _span(scope: AnswerScope, periods: Periods) -> tuple[AnswerScope, ColumnElement[bool] | None]:
    """The scope one query reads (the scope's period widened to the others asked for),
    and the condition that picks the scope's own period out of it (None: all of it)."""
    if periods.whole:
        span = replace(scope, since=None, until=None)
    elif periods.previous is not None:
        span = replace(scope, since=periods.previous.since)
    else:
        return scope, None
    own = _in_period(scope.since, scope.until)
    return span, (and_(*own) if own else None)


def _when(condition: ColumnElement[bool] | None, value: Any) -> Any:
    return value if condition is None else case((condition, value))


def _filters(scope: AnswerScope) -> list[ColumnElement[bool]]:
    """The scope's filters beyond its organisation."""
    conditions = _in_period(scope.since, scope.until)
    if scope.pulse_id is not None:
        conditions.append(Occurrence.pulse_id == scope.pulse_id)
    if scope.site is not None:
        conditions.append(Response.site == scope.site)
    if scope.role is not None:
        conditions.append(Response.role == scope.role)
    return conditions


def _scoped(statement: Any, scope: AnswerScope, *, filtered: bool = True) -> Any:
    conditions = [
        Response.organisation_id == scope.organisation_id,
        Response.text.is_not(None),
        Response.text != "",
        *(_filters(scope) if filtered else []),
    ]
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

    async def question_counts(
        self, scope: AnswerScope, by: Sequence[Breakdown] = (), periods: Periods = Periods()
    ) -> list[QuestionCount]:
        """Respondents per question (and per site, role, or both), with the `periods`
        asked for beside them; a question answered only in those has 0 respondents."""
        span, own = _span(scope, periods)
        who = _respondent()
        groups = _group_columns(by)
        keys: list[Any] = [Response.prompt_id, *groups]
        columns = [func.count(distinct(_when(own, who)))]
        if periods.previous is not None:
            before = and_(*_in_period(periods.previous.since, periods.previous.until))
            columns.append(func.count(distinct(case((before, who)))))
        if periods.whole:
            columns.append(func.count(distinct(who)))
        statement = _scoped(select(*keys, *columns).select_from(Response), span).group_by(*keys)
        found = []
        for row in (await self.session.execute(statement)).all():
            counted = iter(int(value) for value in row[len(keys) :])
            found.append(
                QuestionCount(
                    row[0],
                    *_groups(by, row[1 : len(keys)]),
                    next(counted),
                    previous=next(counted) if periods.previous is not None else 0,
                    whole=next(counted) if periods.whole else 0,
                )
            )
        return found

    async def respondents_in(self, scopes: Sequence[AnswerScope]) -> list[dict[str, int]]:
        """Respondents per question in each of several scopes of one organisation (a
        view and the wider views it could be subtracted from), in one query."""
        if not scopes:
            return []
        who = _respondent()
        columns = []
        for scope in scopes:
            conditions = _filters(scope)
            columns.append(
                func.count(distinct(case((and_(*conditions), who)) if conditions else who))
            )
        statement = _scoped(
            select(Response.prompt_id, *columns).select_from(Response), scopes[0], filtered=False
        ).group_by(Response.prompt_id)
        found: list[dict[str, int]] = [{} for _ in scopes]
        for prompt_id, *counted in (await self.session.execute(statement)).all():
            for per_scope, value in zip(found, counted, strict=True):
                if value:
                    per_scope[prompt_id] = int(value)
        return found

    async def cell_counts(
        self, scope: AnswerScope, by: Sequence[Breakdown] = (), previous: AnswerScope | None = None
    ) -> list[CellCount]:
        """Mentions, respondents and the barrier/enabler split per question and theme
        (and per site, role, or both), counting each answer's codes that count
        (storage.codings.counts_as_code: a person's when a person coded it); with
        `previous`, its respondents in the period before too."""
        span, own = _span(scope, Periods(previous))
        who = _respondent()
        groups = _group_columns(by)
        keys: list[Any] = [Response.prompt_id, Coding.theme_id, *groups]
        barrier, enabler = Coding.polarity == BARRIER, Coding.polarity == ENABLER
        columns = [
            func.count(_when(own, literal(1))),
            func.count(distinct(_when(own, who))),
            func.count(distinct(case((barrier if own is None else and_(own, barrier), who)))),
            func.count(distinct(case((enabler if own is None else and_(own, enabler), who)))),
        ]
        if previous is not None:
            before = and_(*_in_period(previous.since, previous.until))
            columns.append(func.count(distinct(case((before, who)))))
        statement = _scoped(
            select(*keys, *columns)
            .select_from(Response)
            .join(Coding, and_(Coding.response_id == Response.id, counts_as_code(Coding))),
            span,
        ).group_by(*keys)
        found = []
        for row in (await self.session.execute(statement)).all():
            counted = [int(value) for value in row[len(keys) :]]
            found.append(
                CellCount(
                    row[0],
                    row[1],
                    *_groups(by, row[2 : len(keys)]),
                    mentions=counted[0],
                    respondents=counted[1],
                    barrier=counted[2],
                    enabler=counted[3],
                    previous=counted[4] if previous is not None else 0,
                )
            )
        return found

    async def quotes(self, scope: AnswerScope, per_cell: int = 3) -> Sequence[Quote]:
        """Up to `per_cell` answers per question and theme: a person's codes first, then
        the coder's surest, then the newest. Their text is already redacted; answers the
        distress safety net flagged are never quoted."""
        by_person = Coding.source == PERSON
        rank = (
            func.row_number()
            .over(
                partition_by=(Response.prompt_id, Coding.theme_id),
                order_by=(
                    case((by_person, 0), else_=1),
                    func.coalesce(Coding.confidence, 1.0).desc(),
                    Response.created_at.desc(),
                    Response.id.desc(),
                ),
            )
            .label("rank")
        )
        ranked = _scoped(
            select(
                Response.prompt_id,
                Coding.theme_id,
                Response.text,
                by_person.label("by_person"),
                Coding.confidence,
                rank,
            )
            .select_from(Response)
            .join(Coding, and_(Coding.response_id == Response.id, counts_as_code(Coding)))
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
