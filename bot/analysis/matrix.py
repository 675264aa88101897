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

from bot.privacy import Thresholds, check_filter, may_quote, may_show, shown_groups
from prompts import Content
from storage.analysis import (
    BARRIER,
    ENABLER,
    AnalysisRepository,
    AnswerScope,
    Breakdown,
    CellCount,
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
class Wider:
    """The counts of the view without one of its filters, broken down by that filter's
    dimension (`group` is the filter's value: the view is that group of the breakdown),
    or without both (`group` None: no breakdown)."""

    questions: list[QuestionCount]
    cells: list[CellCount]
    group: str | None = None
    by_questions: list[QuestionCount] = field(default_factory=list)
    by_cells: list[CellCount] = field(default_factory=list)


@dataclass
class Counts:
    """What the database counted for one view (see `count`)."""

    questions: list[QuestionCount]
    cells: list[CellCount]
    by_questions: list[QuestionCount] = field(default_factory=list)
    by_cells: list[CellCount] = field(default_factory=list)
    # The same counts without the site filter, the role filter, or both.
    wider: list[Wider] = field(default_factory=list)
    previous_questions: list[QuestionCount] | None = None
    previous_cells: list[CellCount] = field(default_factory=list)
    quotes: Sequence[Quote] = ()


def previous_period(scope: AnswerScope) -> AnswerScope | None:
    """The period of the same length just before the scope's, when it has both ends."""
    if scope.since is None or scope.until is None:
        return None
    length = scope.until - scope.since
    return replace(scope, since=scope.since - length, until=scope.since)


async def count(
    session: AsyncSession,
    scope: AnswerScope,
    by: Breakdown | None = None,
    *,
    quotes: bool = False,
) -> Counts:
    """Every count the matrix of `scope` needs, each one GROUP BY query."""
    repository = AnalysisRepository(session)
    counts = Counts(
        await repository.question_counts(scope), await repository.cell_counts(scope)
    )
    if by is not None:
        counts.by_questions = await repository.question_counts(scope, by)
        counts.by_cells = await repository.cell_counts(scope, by)
    for wider, dimension in scope.wider():
        found = Wider(await repository.question_counts(wider), await repository.cell_counts(wider))
        if dimension is not None:
            found.group = scope.site if dimension == "site" else scope.role
            found.by_questions = await repository.question_counts(wider, dimension)
            found.by_cells = await repository.cell_counts(wider, dimension)
        counts.wider.append(found)
    previous = previous_period(scope)
    if previous is not None:
        counts.previous_questions = await repository.question_counts(previous)
        counts.previous_cells = await repository.cell_counts(previous)
    if quotes:
        counts.quotes = await repository.quotes(scope, QUOTES_PER_CELL)
    return counts


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
    themes = await AnalysisRepository(session).themes(scope.organisation_id)
    counts = await count(session, scope, by, quotes=quotes)
    previous = previous_period(scope)
    matrix = assemble(content, themes, counts, thresholds)
    if previous is not None and previous.since is not None and previous.until is not None:
        matrix = replace(matrix, previous=(previous.since, previous.until))
    return matrix


def question_order(content: Content) -> list[tuple[str, str]]:
    """(prompt id, text) of every question, bank by bank, in the banks' order."""
    return [(prompt.id, prompt.text) for bank in content.banks.values() for prompt in bank.prompts]


def assemble(
    content: Content,
    themes: Sequence[ThemeColumn],
    counts: Counts,
    thresholds: Thresholds,
) -> Matrix:
    """Lay the counts out, question by question, with the suppression rule applied."""
    minimum = thresholds.figures
    respondents = {row.prompt_id: row.respondents for row in counts.questions}
    # What the view may show of itself: what the wider views' breakdowns show of it.
    hidden_rows: set[str] = set()
    hidden_cells: set[tuple[str, str]] = set()
    for wider in counts.wider:
        around = {row.prompt_id: row.respondents for row in wider.questions}
        check_filter(
            ((respondents.get(prompt_id, 0), whole) for prompt_id, whole in around.items()),
            minimum,
        )
        if wider.group is not None:
            rows_shown, cells_shown = _breakdown_decisions(themes, wider, minimum)
            for prompt_id in respondents:
                if wider.group not in rows_shown.get(prompt_id, frozenset()):
                    hidden_rows.add(prompt_id)
                for theme in themes:
                    if wider.group not in cells_shown.get((prompt_id, theme.id), frozenset()):
                        hidden_cells.add((prompt_id, theme.id))
    cells = {(c.prompt_id, c.theme_id): c for c in counts.cells}
    wider_cells = [{(c.prompt_id, c.theme_id): c for c in wider.cells} for wider in counts.wider]
    previous = (
        {row.prompt_id: row.respondents for row in counts.previous_questions}
        if counts.previous_questions is not None
        else None
    )
    previous_cells = {(c.prompt_id, c.theme_id): c for c in counts.previous_cells}
    quotes: dict[tuple[str, str], list[str]] = {}
    for quote in counts.quotes:
        quotes.setdefault((quote.prompt_id, quote.theme_id), []).append(quote.text)
    rows: list[Row] = []
    for prompt_id, text in question_order(content):
        total = respondents.get(prompt_id, 0)
        if total == 0:
            continue
        if not may_show(total, minimum) or prompt_id in hidden_rows:
            rows.append(Row(prompt_id, text, None, None))
            continue
        row_cells = []
        for theme in themes:
            found = cells.get((prompt_id, theme.id))
            safe = (prompt_id, theme.id) not in hidden_cells and (
                found is None
                or all(
                    _remainder_safe(found, wider.get((prompt_id, theme.id)), minimum)
                    for wider in wider_cells
                )
            )
            cell = _cell(theme.id, found, total, minimum) if safe else _hidden(theme.id)
            if cell.shown and found is not None and previous is not None:
                cell = replace(
                    cell,
                    change=_change(
                        found, previous.get(prompt_id, 0), previous_cells.get((prompt_id, theme.id)), total, minimum
                    ),
                )
            if cell.shown and found is not None and may_quote(found.respondents, thresholds):
                cell = replace(cell, quotes=tuple(quotes.get((prompt_id, theme.id), ())))
            row_cells.append(cell)
        rows.append(Row(prompt_id, text, None, total, tuple(row_cells)))
        if counts.by_questions:
            rows.extend(_breakdown(prompt_id, text, themes, counts, minimum))
    return Matrix(tuple(themes), tuple(rows), thresholds)


def _breakdown_decisions(
    themes: Sequence[ThemeColumn], wider: Wider, minimum: int
) -> tuple[dict[str, frozenset[str]], dict[tuple[str, str], frozenset[str]]]:
    """Which groups of a breakdown show their row, per question, and their cell, per
    question and theme: a small group, and the next smallest with it, shows nothing;
    within a theme, the same rule across the groups' cells (a hidden row's among them)."""
    totals = {row.prompt_id: row.respondents for row in wider.questions}
    cells = {(c.prompt_id, c.theme_id): c.respondents for c in wider.cells}
    groups: dict[str, dict[str, int]] = {}
    for row in wider.by_questions:
        groups.setdefault(row.prompt_id, {})[row.group or ""] = row.respondents
    by_cells: dict[tuple[str, str], dict[str, int]] = {}
    for cell in wider.by_cells:
        by_cells.setdefault((cell.prompt_id, cell.theme_id), {})[cell.group or ""] = (
            cell.respondents
        )
    rows_shown: dict[str, frozenset[str]] = {}
    cells_shown: dict[tuple[str, str], frozenset[str]] = {}
    for prompt_id, sizes in groups.items():
        shown = shown_groups(sizes, minimum, total=totals.get(prompt_id, 0))
        rows_shown[prompt_id] = shown
        for theme in themes:
            split = by_cells.get((prompt_id, theme.id), {})
            cells_shown[(prompt_id, theme.id)] = shown_groups(
                {group: split.get(group, 0) for group in sizes},
                minimum,
                total=cells.get((prompt_id, theme.id), 0),
                hidden=set(sizes) - shown,
            )
    return rows_shown, cells_shown


def _breakdown(
    prompt_id: str,
    text: str,
    themes: Sequence[ThemeColumn],
    counts: Counts,
    minimum: int,
) -> list[Row]:
    """One row per site or role of a question, as `_breakdown_decisions` allows."""
    wider = Wider(counts.questions, counts.cells, None, counts.by_questions, counts.by_cells)
    rows_shown, cells_shown = _breakdown_decisions(themes, wider, minimum)
    sizes = {row.group or "": row.respondents for row in counts.by_questions if row.prompt_id == prompt_id}
    found = {
        (cell.theme_id, cell.group or ""): cell
        for cell in counts.by_cells
        if cell.prompt_id == prompt_id
    }
    rows = []
    for group, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        if group not in rows_shown.get(prompt_id, frozenset()):
            rows.append(Row(prompt_id, text, group, None))
            continue
        row_cells = []
        for theme in themes:
            if group in cells_shown.get((prompt_id, theme.id), frozenset()):
                row_cells.append(_cell(theme.id, found.get((theme.id, group)), size, minimum))
            else:
                row_cells.append(_hidden(theme.id))
        rows.append(Row(prompt_id, text, group, size, tuple(row_cells)))
    return rows


def _hidden(theme_id: str) -> Cell:
    return Cell(theme_id, None, None, None, None, None)


def _cell(theme_id: str, found: CellCount | None, total: int, minimum: int) -> Cell:
    if found is None:
        return Cell(theme_id, 0, 0, 0.0, 0, 0)
    if not may_show(found.respondents, minimum):
        return _hidden(theme_id)
    split = shown_groups(
        {BARRIER: found.barrier, ENABLER: found.enabler}, minimum, total=found.respondents
    )
    return Cell(
        theme_id,
        found.mentions,
        found.respondents,
        _percent(found.respondents, total),
        found.barrier if BARRIER in split else None,
        found.enabler if ENABLER in split else None,
    )


def _remainder_safe(found: CellCount, wider: CellCount | None, minimum: int) -> bool:
    """A filtered cell may be shown only if the unfiltered one minus it is no small group."""
    if wider is None or not may_show(wider.respondents, minimum):
        return True
    return may_show(wider.respondents - found.respondents, minimum)


def _change(
    found: CellCount, previous_total: int, previous: CellCount | None, total: int, minimum: int
) -> float | None:
    """Percentage points since the previous period, when both periods may be shown."""
    if previous_total == 0 or not may_show(previous_total, minimum):
        return None
    before = previous.respondents if previous is not None else 0
    if not may_show(before, minimum):
        return None
    return round(_percent(found.respondents, total) - _percent(before, previous_total), 1)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
