"""A report: everything one view of one organisation's answers shows, gathered once so
every format lays out the same figures.

The figures are the matrix's (bot.analysis.matrix, through the one suppression rule)
and participation's (bot.pulses.participation, through the same rule). A view whose
every question is too small shows no figure, no quote and no answer: the report says
so instead. Raw answers (the Summary sheet, the REFI-QDA project) are read only when
the request says its reader is allowed them, and only for questions whose row may be
shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.matrix import Matrix, build
from bot.context import BotContext
from bot.privacy import NotEnoughResponses, Thresholds, shown_groups
from bot.pulses.participation import Participation, of_occurrences
from storage.analysis import AnswerScope, Breakdown
from storage.reports import CodedAnswer, IdeaLine, ReportRepository

MOST_PERIODS = 6
DAYS_PER_PERIOD = 30
OTHER_GROUP = "(other)"  # a site or role too small to name in a project's variables


@dataclass(frozen=True)
class ReportRequest:
    """Which report: one organisation's answers in `scope`, optionally broken down."""

    scope: AnswerScope
    organisation: str
    by: Breakdown | None = None
    raw: bool = False  # the reader may see answers' own words (quotes, Summary, .qdpx)
    # With `raw`: every coded answer too (the Summary sheet, the project), not only quotes.
    answers: bool = True
    pulse: str | None = None  # its name, for the filters shown
    # The matrix of each period, for the trend chart (a matrix per period: only the
    # formats that draw it ask).
    trend: bool = True

    def filters(self) -> dict[str, str | None]:
        """The filters as shown in the report and recorded in the audit log."""
        scope = self.scope
        return {
            "pulse": self.pulse,
            "since": scope.since.date().isoformat() if scope.since else None,
            "until": scope.until.date().isoformat() if scope.until else None,
            "site": scope.site,
            "role": scope.role,
            "by": self.by,
        }


@dataclass(frozen=True)
class Period:
    """One period of the trend, with its matrix (None: too few to show safely)."""

    since: datetime
    until: datetime
    matrix: Matrix | None

    @property
    def label(self) -> str:
        return self.since.date().isoformat()


@dataclass(frozen=True)
class ParticipationLine:
    """One occurrence's participation, whole or for one site; rate None: not shown."""

    opened_at: datetime
    pulse: str | None
    site: str | None  # None: everyone
    sent: int | None
    answered: int | None
    rate: float | None


@dataclass(frozen=True)
class SummaryLine:
    """One coded answer, for the Summary sheet: who only as a report's own pseudonym."""

    pseudonym: str
    period: str
    question_id: str
    question: str
    themes: tuple[tuple[str, str | None], ...]  # (theme id, polarity)
    source: str  # person if a person coded it, else coder
    confidence: float | None  # the coder's least sure code; None for a person's
    text: str


@dataclass(frozen=True)
class ProjectSource:
    """One answer as a REFI-QDA text source, its site and role named only when the
    group is large enough to show."""

    line: SummaryLine
    site: str
    role: str
    codes: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Report:
    organisation: str
    filters: dict[str, str | None]
    made_at: datetime
    matrix: Matrix
    descriptions: dict[str, str]
    trend: tuple[Period, ...] = ()
    participation: tuple[ParticipationLine, ...] = ()
    ideas: tuple[IdeaLine, ...] = ()
    answers: tuple[ProjectSource, ...] | None = None  # None: not asked for, or not allowed
    questions: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # answers' words asked for by a reader allowed them

    @property
    def too_few(self) -> bool:
        """No question of the view may be shown: the report says so instead."""
        return all(row.respondents is None for row in self.matrix.rows)

    @property
    def minimum(self) -> int:
        return self.matrix.thresholds.figures

    def label(self, theme_id: str) -> str:
        return self._labels.get(theme_id, theme_id)

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {theme.id: theme.label for theme in self.matrix.themes}


async def build_report(
    session: AsyncSession, ctx: BotContext, request: ReportRequest, now: datetime
) -> Report:
    """The report `request` asks for; NotEnoughResponses if a filter would leave a small
    group out (the matrix's rule)."""
    thresholds = Thresholds(ctx.min_group_size, ctx.min_group_size_comments)
    scope = request.scope
    matrix = await build(session, ctx.content, thresholds, scope, request.by, quotes=request.raw)
    repository = ReportRepository(session)
    report = Report(
        organisation=request.organisation,
        filters=request.filters(),
        made_at=now,
        matrix=matrix,
        descriptions=await repository.theme_descriptions(scope.organisation_id),
        questions={row.question_id: row.question for row in matrix.rows},
        raw=request.raw,
    )
    if report.too_few:
        return report
    start = scope.since or await repository.first_answer_at(scope)
    end = scope.until or now
    trend = (
        await _trend(session, ctx, thresholds, scope, start, end) if start and request.trend else ()
    )
    participation = await _participation(session, ctx, scope, now)
    ideas = await repository.ideas(scope.organisation_id, scope.since, scope.until, scope.site)
    answers = None
    if request.raw and request.answers:
        shown = {row.question_id for row in matrix.rows if row.respondents is not None}
        found = await repository.coded_answers(scope)
        answers = project_sources([answer for answer in found if answer.prompt_id in shown], report)
    return replace(
        report,
        trend=trend,
        participation=participation,
        ideas=tuple(ideas),
        answers=answers,
    )


def periods(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The report's span cut into equal periods of about a month, at most MOST_PERIODS
    (the latest ones), at least two so a trend has somewhere to go."""
    days = max((end - start).days, 1)
    count = min(MOST_PERIODS, max(2, days // DAYS_PER_PERIOD))
    length = (end - start) / count
    if length < timedelta(days=DAYS_PER_PERIOD) and days >= DAYS_PER_PERIOD * MOST_PERIODS:
        length = timedelta(days=DAYS_PER_PERIOD)
    return [(start + length * index, start + length * (index + 1)) for index in range(count)]


async def _trend(
    session: AsyncSession,
    ctx: BotContext,
    thresholds: Thresholds,
    scope: AnswerScope,
    start: datetime,
    end: datetime,
) -> tuple[Period, ...]:
    found = []
    for since, until in periods(start, end):
        period = replace(scope, since=since, until=until)
        try:
            matrix: Matrix | None = await build(session, ctx.content, thresholds, period)
        except NotEnoughResponses:
            matrix = None  # the rest of the span would be a small group: not shown
        found.append(Period(since, until, matrix))
    return tuple(found)


async def _participation(
    session: AsyncSession, ctx: BotContext, scope: AnswerScope, now: datetime
) -> tuple[ParticipationLine, ...]:
    """Each occurrence in the span: everyone's rate and each site's (or only the
    filtered site's), as participation's suppression allows."""
    repository = ReportRepository(session)
    occurrences = await repository.occurrences(
        scope.organisation_id, scope.pulse_id, scope.since, scope.until
    )
    if not occurrences:
        return ()
    by_id = await of_occurrences(session, ctx, [line.occurrence for line in occurrences])
    lines: list[ParticipationLine] = []
    for occurrence in occurrences:
        participation = by_id[occurrence.occurrence.id]
        if scope.site is None:
            lines.append(_whole(occurrence.occurrence.opened_at, occurrence.pulse, participation))
        for group in participation.by_site:
            if scope.site is not None and group.group != scope.site:
                continue
            tally = group.tally
            lines.append(
                ParticipationLine(
                    occurrence.occurrence.opened_at,
                    occurrence.pulse,
                    group.group,
                    tally.sent if group.shown else None,
                    tally.answered if group.shown else None,
                    tally.rate() if group.shown else None,
                )
            )
    return tuple(lines)


def _whole(opened_at: datetime, pulse: str | None, found: Participation) -> ParticipationLine:
    shown = found.shown
    return ParticipationLine(
        opened_at,
        pulse,
        None,
        found.whole.sent if shown else None,
        found.whole.answered if shown else None,
        found.rate,
    )


def project_sources(answers: Sequence[CodedAnswer], report: Report) -> tuple[ProjectSource, ...]:
    """The answers as the report shows them: a pseudonym of its own per respondent
    (P0001...), the period as its month, and a site or role named only when its group
    of respondents is large enough by the suppression rule."""
    minimum = report.minimum
    names: dict[str, str] = {}
    sites = _named({answer.site or "" for answer in answers}, answers, "site", minimum)
    roles = _named({answer.role or "" for answer in answers}, answers, "role", minimum)
    found = []
    for answer in answers:
        pseudonym = names.setdefault(answer.respondent, f"P{len(names) + 1:04d}")
        codes = tuple((code.theme_id, code.polarity) for code in answer.codes)
        coder = [code.confidence for code in answer.codes if code.source != "person"]
        by_person = any(code.source == "person" for code in answer.codes)
        line = SummaryLine(
            pseudonym=pseudonym,
            period=f"{answer.created_at.year}-{answer.created_at.month:02d}",
            question_id=answer.prompt_id,
            question=report.questions.get(answer.prompt_id, answer.prompt_id),
            themes=codes,
            source="person" if by_person else "coder",
            confidence=min((c for c in coder if c is not None), default=None),
            text=answer.text,
        )
        found.append(
            ProjectSource(
                line, sites.get(answer.site or "", ""), roles.get(answer.role or "", ""), codes
            )
        )
    return tuple(found)


def _named(
    groups: set[str], answers: Sequence[CodedAnswer], dimension: str, minimum: int
) -> dict[str, str]:
    """Each group's name, or OTHER_GROUP where the rule hides it (by respondents)."""
    people: dict[str, set[str]] = {group: set() for group in groups}
    for answer in answers:
        group = (answer.site if dimension == "site" else answer.role) or ""
        people[group].add(answer.respondent)
    shown = shown_groups({group: len(who) for group, who in people.items()}, minimum)
    return {group: group if group in shown and group else OTHER_GROUP for group in groups}
