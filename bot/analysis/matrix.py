"""The question x theme matrix: for each question, how many of its respondents spoke of
each theme, as a barrier or an enabler, how that moved since the period before, and a
few of their words.

The counts come from the database (storage.analysis); `assemble` lays them out and
passes every figure through the one suppression rule (bot.privacy): a small row,
cell, split or breakdown group shows nothing, and neither does whatever would let it
be worked out by subtraction. A filter that would leave a small group out of it is
refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.codebook import OrganisationCodebook, codebook_of
from bot.analysis.disclosure import (
    BARRIER,
    ENABLER,
    EVERYONE,
    PARTS,
    RESPONDENTS,
    Figure,
    Figures,
    Population,
    decide,
)
from bot.privacy import Thresholds, check_filter, may_quote, may_show
from prompts import Content
from storage.analysis import (
    AnalysisRepository,
    AnswerScope,
    Breakdown,
    CellCount,
    Periods,
    QuestionCount,
    Quote,
    ThemeColumn,
)

QUOTES_PER_CELL = 3


@dataclass(frozen=True)
class Cell:
    """One question and theme. Every figure is None when it may not be shown."""

    theme_id: str
    mentions: int | None
    respondents: int | None
    percent: float | None  # of the row's respondents
    barrier: int | None  # respondents who spoke of it as a barrier
    enabler: int | None
    change: float | None = None  # percentage points since the previous period
    quotes: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        return self.respondents is not None


@dataclass(frozen=True)
class Row:
    """One question, for everyone in the view or for one site or role (`group`)."""

    question_id: str
    question: str
    group: str | None
    respondents: int | None  # None: too few to show anything
    cells: tuple[Cell, ...] = ()


@dataclass(frozen=True)
class Matrix:
    themes: tuple[ThemeColumn, ...]
    rows: tuple[Row, ...]
    thresholds: Thresholds
    previous: tuple[datetime, datetime] | None = None  # the period `change` compares with

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def quotes_shown(self) -> bool:
        return any(cell.quotes for row in self.rows for cell in row.cells)


@dataclass
class Counts:
    """What the database counted for one view (see `count`)."""

    # Every population of the lattice the view needs (bot.analysis.disclosure): the
    # rows' `site` and `role` say which.
    questions: list[QuestionCount]
    cells: list[CellCount]
    # (the view's respondents per question, the same without one of its filters)
    remainders: list[tuple[dict[str, int], dict[str, int]]] = field(default_factory=list)
    previous_questions: list[QuestionCount] | None = None
    previous_cells: list[CellCount] = field(default_factory=list)
    quotes: Sequence[Quote] = ()


def previous_period(scope: AnswerScope) -> AnswerScope | None:
    """The period of the same length just before the scope's, when it has both ends."""
    if scope.since is None or scope.until is None:
        return None
    length = scope.until - scope.since
    return replace(scope, since=scope.since - length, until=scope.since)


def view_of(scope: AnswerScope) -> Population:
    return (scope.site, scope.role)


async def count(
    session: AsyncSession,
    scope: AnswerScope,
    by: Breakdown | None = None,
    *,
    quotes: bool = False,
) -> Counts:
    """Every count the matrix of `scope` needs: one GROUP BY per level of the lattice for
    questions and one for cells. For the whole organisation's view, the period before
    and the answers at any time (what a date filter leaves out) are counted in the
    level's own queries."""
    repository = AnalysisRepository(session)
    base = scope.unfiltered
    counts = Counts([], [])
    everyone = view_of(scope) == EVERYONE
    previous = previous_period(scope) if everyone else None
    wider = scope.wider()
    dates_dropped = replace(scope, since=None, until=None)
    # The root view (everyone) is the lattice's own root: its remainders and the period
    # before come with its counts.
    whole = everyone and dates_dropped in wider
    for level in levels(scope, by):
        root = level == ()
        periods = Periods(previous if root else None, whole and root)
        found = await repository.question_counts(base, level, periods)
        counts.questions += [row for row in found if row.respondents]
        cells = await repository.cell_counts(base, level, previous if root else None)
        counts.cells += [cell for cell in cells if cell.mentions]
        if root and previous is not None:
            counts.previous_questions = [
                replace(row, respondents=row.previous) for row in found if row.previous
            ]
            counts.previous_cells = [
                replace(cell, respondents=cell.previous) for cell in cells if cell.previous
            ]
        if root and whole:
            counts.remainders.append(
                (
                    _per_question([row for row in found if row.respondents]),
                    {row.prompt_id: row.whole for row in found},
                )
            )
    others = [other for other in wider if not (whole and other == dates_dropped)]
    if others:
        if everyone:  # the lattice's root is this very view
            mine = _per_question([row for row in counts.questions if row.site is row.role is None])
            wholes = await repository.respondents_in(others)
        else:
            mine, *wholes = await repository.respondents_in([scope, *others])
        counts.remainders += [(mine, whole_) for whole_ in wholes]
    if quotes:
        counts.quotes = await repository.quotes(scope, QUOTES_PER_CELL)
    return counts


def levels(scope: AnswerScope, by: Breakdown | None) -> list[tuple[Breakdown, ...]]:
    """The levels of the lattice (bot.analysis.disclosure) the view's figures depend on:
    a population's decisions depend on its parents' and its siblings', never on its
    children's, so a site's view needs everyone and every site, and only a view of a
    site and a role (or a site's broken down by role) needs every level."""
    by_site = scope.site is not None or by == "site"
    by_role = scope.role is not None or by == "role"
    found: list[tuple[Breakdown, ...]] = [()]
    if by_site:
        found.append(("site",))
    if by_role:
        found.append(("role",))
    if by_site and by_role:
        found.append(("site", "role"))
    return found


def _per_question(rows: Sequence[QuestionCount]) -> dict[str, int]:
    return {row.prompt_id: row.respondents for row in rows}


async def build(
    session: AsyncSession,
    content: Content,
    thresholds: Thresholds,
    scope: AnswerScope,
    by: Breakdown | None = None,
    *,
    quotes: bool = False,
) -> Matrix:
    """The matrix of one organisation's answers in `scope`; NotEnoughResponses if a
    filter would leave a small group out."""
    if by is not None and view_of(scope)[0 if by == "site" else 1] is not None:
        by = None  # one site broken down by site is itself
    codebook = await codebook_of(session, content, scope.organisation_id)
    themes = _columns(codebook)
    counts = await count(session, scope, by, quotes=quotes)
    matrix = assemble(content, themes, counts, thresholds, view_of(scope), by)
    previous = previous_period(scope)
    if counts.previous_questions is not None and previous is not None:
        assert previous.since is not None and previous.until is not None
        matrix = replace(matrix, previous=(previous.since, previous.until))
    return matrix


def _columns(codebook: OrganisationCodebook) -> list[ThemeColumn]:
    """The shipped themes, then the organisation's own, each group by id."""
    return [
        ThemeColumn(theme.id, theme.label)
        for group in (codebook.shipped, codebook.own)
        for theme in sorted(group, key=lambda theme: theme.id)
    ]


def question_order(content: Content) -> list[tuple[str, str]]:
    """(prompt id, text) of every question, bank by bank, in the banks' order."""
    return [(prompt.id, prompt.text) for bank in content.banks.values() for prompt in bank.prompts]


def assemble(
    content: Content,
    themes: Sequence[ThemeColumn],
    counts: Counts,
    thresholds: Thresholds,
    view: Population = EVERYONE,
    by: Breakdown | None = None,
) -> Matrix:
    """Lay the counts out, question by question, with the suppression rule applied."""
    minimum = thresholds.figures
    if by is not None and view[0 if by == "site" else 1] is not None:
        by = None  # one site broken down by site is itself
    for mine, whole in counts.remainders:
        check_filter(((mine.get(prompt_id, 0), n) for prompt_id, n in whole.items()), minimum)
    values: dict[Population, dict[Figure, int]] = {}
    mentions: dict[tuple[Population, str, str], int] = {}
    for row in counts.questions:
        values.setdefault((row.site, row.role), {})[(row.prompt_id, None, RESPONDENTS)] = (
            row.respondents
        )
    for cell in counts.cells:
        population = (cell.site, cell.role)
        found = values.setdefault(population, {})
        for part, value in zip(PARTS, (cell.respondents, cell.barrier, cell.enabler), strict=True):
            found[(cell.prompt_id, cell.theme_id, part)] = value
        mentions[(population, cell.prompt_id, cell.theme_id)] = cell.mentions
    figures = decide(values, minimum)
    layout = _Layout(themes, figures, mentions, thresholds)
    if view == EVERYONE and counts.previous_questions is not None:
        layout.previous = {
            (row.prompt_id, None): row.respondents for row in counts.previous_questions
        } | {(cell.prompt_id, cell.theme_id): cell.respondents for cell in counts.previous_cells}
    for quote in counts.quotes:
        layout.quotes.setdefault((quote.prompt_id, quote.theme_id), []).append(quote.text)

    rows: list[Row] = []
    for prompt_id, text in question_order(content):
        if figures.value(view, (prompt_id, None, RESPONDENTS)) == 0:
            continue
        rows.append(layout.row(prompt_id, text, view, None, own=True))
        if by is None:
            continue
        dimension = 0 if by == "site" else 1
        groups = [
            population
            for population in figures.values
            if population[dimension] is not None
            and population[1 - dimension] == view[1 - dimension]
            and figures.value(population, (prompt_id, None, RESPONDENTS)) > 0
        ]
        groups.sort(
            key=lambda p: (-figures.value(p, (prompt_id, None, RESPONDENTS)), str(p[dimension]))
        )
        rows.extend(layout.row(prompt_id, text, group, group[dimension]) for group in groups)
    return Matrix(tuple(themes), tuple(rows), thresholds)


@dataclass
class _Layout:
    themes: Sequence[ThemeColumn]
    figures: Figures
    mentions: dict[tuple[Population, str, str], int]
    thresholds: Thresholds
    previous: dict[tuple[str, str | None], int] | None = None
    quotes: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def row(
        self,
        prompt_id: str,
        text: str,
        population: Population,
        group: str | None,
        own: bool = False,
    ) -> Row:
        """The question's row for one population; `own`: the view's own (not a group of
        its breakdown), which alone carries the change and quotes."""
        total_figure: Figure = (prompt_id, None, RESPONDENTS)
        if not self.figures.shown(population, total_figure):
            return Row(prompt_id, text, group, None)
        total = self.figures.value(population, total_figure)
        cells = tuple(
            self._cell(prompt_id, theme.id, population, total, own) for theme in self.themes
        )
        return Row(prompt_id, text, group, total, cells)

    def _cell(
        self, prompt_id: str, theme_id: str, population: Population, total: int, own: bool
    ) -> Cell:
        def shown(part: str) -> int | None:
            figure = (prompt_id, theme_id, part)
            if not self.figures.shown(population, figure):
                return None
            return self.figures.value(population, figure)

        respondents = shown(RESPONDENTS)
        if respondents is None:
            return Cell(theme_id, None, None, None, None, None)
        cell = Cell(
            theme_id,
            self.mentions.get((population, prompt_id, theme_id), 0),
            respondents,
            _percent(respondents, total),
            shown(BARRIER),
            shown(ENABLER),
        )
        if own and self.previous is not None:
            cell = replace(cell, change=self._change(prompt_id, theme_id, respondents, total))
        if own and respondents and may_quote(respondents, self.thresholds):
            cell = replace(cell, quotes=tuple(self.quotes.get((prompt_id, theme_id), ())))
        return cell

    def _change(self, prompt_id: str, theme_id: str, respondents: int, total: int) -> float | None:
        """Percentage points since the previous period, when both periods may be shown."""
        assert self.previous is not None
        minimum = self.thresholds.figures
        before_total = self.previous.get((prompt_id, None), 0)
        before = self.previous.get((prompt_id, theme_id), 0)
        if (
            before_total == 0
            or not may_show(before_total, minimum)
            or not may_show(before, minimum)
        ):
            return None
        return round(_percent(respondents, total) - _percent(before, before_total), 1)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
