"""`thrive analysis matrix`: the question x theme matrix of one organisation's answers,
as a rich table on a terminal or JSON for scripts.

    $ thrive analysis matrix --since 2026-02-01 --by site
    $ thrive analysis matrix --format json --quotes > matrix.json

Every figure passes through the suppression rule (bot.privacy). Quotes are answers'
own (redacted) words: asking for them is a view of raw data, recorded in the audit log
with the filters and the operating-system user.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.analysis.matrix import Cell, Matrix, build
from bot.privacy import Thresholds
from bot.privacy.audit import Audited, record
from storage.analysis import AnalysisRepository, Breakdown
from thrive.answer_scope import answer_scope, period
from thrive.console import OrgOption, operator, out, with_core
from thrive.runtime import Core

QUESTION_WIDTH = 40
THEME_WIDTH = 14


class By(StrEnum):
    SITE = "site"
    ROLE = "role"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def matrix(
    org: OrgOption = None,
    by: Annotated[
        By | None, typer.Option(help="A row per site or role under each question.")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], metavar="DATE", help="Answers from this day (UTC)."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], metavar="DATE", help="Answers up to and including this day."
        ),
    ] = None,
    pulse: Annotated[str | None, typer.Option(metavar="NAME", help="One pulse's answers.")] = None,
    site: Annotated[str | None, typer.Option(help="One site's answers.")] = None,
    role: Annotated[str | None, typer.Option(help="One role's answers.")] = None,
    quotes: Annotated[
        bool,
        typer.Option(help="Up to 3 quotes per cell of 10 or more (recorded in the audit log)."),
    ] = False,
    format_: Annotated[Format, typer.Option("--format", help="table, or json for scripts.")] = (
        Format.TABLE
    ),
) -> None:
    """Questions x themes: who spoke of what, as a barrier or an enabler, and the change."""
    start, end = period(since, until)

    async def work(core: Core) -> tuple[str, Matrix | None, dict[str, Any]]:
        async with core.database.transaction() as session:
            now = core.ctx.clock.now()
            organisation, scope = await answer_scope(
                session, org, pulse, start, end, site=site, role=role, now=now
            )
            filters = {
                "by": by.value if by else None,
                "since": start.isoformat() if start else None,
                "until": scope.until.isoformat() if scope.until else None,
                "pulse": pulse,
                "site": site,
                "role": role,
            }
            if not await AnalysisRepository(session).has_answers(organisation.id):
                return organisation.name, None, filters
            thresholds = Thresholds(core.ctx.min_group_size, core.ctx.min_group_size_comments)
            breakdown: Breakdown | None = "site" if by == By.SITE else "role" if by else None
            found = await build(session, core.content, thresholds, scope, breakdown, quotes=quotes)
            if quotes:
                await record(
                    session,
                    Audited.QUOTES_VIEWED,
                    by=operator(),
                    now=now,
                    organisation_id=organisation.id,
                    subject=f"organisation:{organisation.id}",
                    detail={"command": "analysis matrix", **filters},
                )
            return organisation.name, found, filters

    name, found, filters = with_core(work)
    if found is None or found.empty:
        no_answers = _no_answers()
        if format_ == Format.JSON:
            print(
                json.dumps(
                    {"organisation": name, "filters": filters, "rows": [], "note": no_answers}
                )
            )
        else:
            out.print(no_answers, highlight=False, markup=False)
        return
    if format_ == Format.JSON:
        print(json.dumps(as_json(name, found, filters), ensure_ascii=False, indent=2))
    else:
        _print_table(name, found)


def _no_answers() -> str:
    from prompts import load_content
    from thrive.console import settings_or_exit

    return load_content(settings_or_exit().content_dir).copy.text("analysis.no_answers")


def as_json(organisation: str, matrix: Matrix, filters: dict[str, Any]) -> dict[str, Any]:
    """The matrix for scripts; a figure that may not be shown is null."""
    return {
        "organisation": organisation,
        "filters": filters,
        "minimum_group_size": matrix.thresholds.figures,
        "minimum_group_size_for_quotes": matrix.thresholds.comments,
        "previous_period": [moment.isoformat() for moment in matrix.previous]
        if matrix.previous
        else None,
        "themes": [{"id": theme.id, "label": theme.label} for theme in matrix.themes],
        "rows": [
            {
                "question_id": row.question_id,
                "question": row.question,
                "group": row.group,
                "respondents": row.respondents,
                "cells": {
                    cell.theme_id: {
                        "mentions": cell.mentions,
                        "respondents": cell.respondents,
                        "percent": cell.percent,
                        "barrier": cell.barrier,
                        "enabler": cell.enabler,
                        "change": cell.change,
                        "quotes": list(cell.quotes),
                    }
                    for cell in row.cells
                },
            }
            for row in matrix.rows
        ],
    }


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _print_table(organisation: str, matrix: Matrix) -> None:
    minimum = matrix.thresholds.figures
    # Only the themes someone spoke of: the codebook has more than a terminal is wide.
    spoken = [
        theme
        for index, theme in enumerate(matrix.themes)
        if any(row.cells and row.cells[index].respondents for row in matrix.rows)
    ]
    indexes = {theme.id: index for index, theme in enumerate(matrix.themes)}
    table = Table(title=f"{organisation}: questions x themes", show_lines=True)
    table.add_column("Question", max_width=QUESTION_WIDTH)
    table.add_column("People", justify="right")
    for theme in spoken:
        # "Team dynamics and staffing (turnover, ...)": the words before the brackets.
        table.add_column(_short(theme.label.split(" (")[0], THEME_WIDTH), justify="right")
    for row in matrix.rows:
        label = _short(row.question, QUESTION_WIDTH)
        if row.group is not None:
            label = f"  {row.group or '(none)'}"
        if row.respondents is None:
            table.add_row(label, f"<{minimum}", *["" for _ in spoken])
            continue
        table.add_row(
            label,
            str(row.respondents),
            *[_cell_text(row.cells[indexes[theme.id]], minimum) for theme in spoken],
        )
    out.print(table)
    out.print(
        f"Each cell: people (% of the question's), barrier/enabler, change in points"
        f"{' since ' + matrix.previous[0].date().isoformat() if matrix.previous else ''}. "
        f"<{minimum}: too few people to show safely.",
        highlight=False,
        markup=False,
    )
    for row in matrix.rows:
        for cell in row.cells:
            for quote in cell.quotes:
                label = matrix.themes[indexes[cell.theme_id]].label
                out.print(f"{row.question_id} / {label}: “{quote}”", highlight=False, markup=False)


def _cell_text(cell: Cell, minimum: int) -> str:
    if cell.respondents is None:
        return f"<{minimum}"
    if cell.respondents == 0:
        return "-"
    lines = [f"{cell.respondents} ({cell.percent:.0f}%)"]

    def side(value: int | None) -> str:
        return f"<{minimum}" if value is None else str(value)

    lines.append(f"B{side(cell.barrier)} E{side(cell.enabler)}")
    if cell.change is not None:
        lines.append(f"{cell.change:+.0f} pts")
    return "\n".join(lines)
