"""What every format lays out the same way: which themes get a column, how a hidden
figure reads, the report's heading lines. No figure is made here, only placed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.analysis.matrix import Cell, Row
from bot.messages import Say
from bot.reports.building import Report
from storage.analysis import ThemeColumn

Figure = int | float | str | None  # a number, the hidden marker, or nothing at all


def short(label: str) -> str:
    """'Team dynamics and staffing (turnover, ...)': the words before the brackets."""
    return label.split(" (")[0]


def spoken(report: Report) -> list[tuple[int, ThemeColumn]]:
    """The themes someone in a shown cell spoke of, with their index in a row's cells:
    the codebook has more themes than a page is wide."""
    matrix = report.matrix
    return [
        (index, theme)
        for index, theme in enumerate(matrix.themes)
        if any(row.cells and row.cells[index].respondents for row in matrix.rows)
    ]


def hidden(report: Report, say: Say) -> str:
    return say("report.hidden", minimum=report.minimum)


def shown(value: int | float | None, report: Report, say: Say) -> int | float | str:
    """A figure, or the marker saying it is too small to show."""
    return hidden(report, say) if value is None else value


def group_name(row: Row, say: Say) -> str:
    if row.group is None:
        return say("report.everyone")
    return row.group or say("report.no_group")


def heading_lines(report: Report, say: Say) -> list[str]:
    """Title, when and with which filters, and the rule: the top of every format."""
    filters = ", ".join(f"{key} {value}" for key, value in report.filters.items() if value)
    lines = [
        say("report.title", organisation=report.organisation),
        say(
            "report.made",
            date=report.made_at.strftime("%Y-%m-%d %H:%M UTC"),
            filters=filters or say("report.no_filters"),
        ),
        say(
            "report.rule",
            minimum=report.minimum,
            hidden=hidden(report, say),
            comments=report.matrix.thresholds.comments,
        ),
    ]
    if report.too_few:
        lines.append(say("report.too_few", minimum=report.minimum))
    return lines


@dataclass(frozen=True)
class ThemeLine:
    """One theme under one question, for the Themes sheet and the HTML's quotes."""

    row: Row
    cell: Cell
    theme: ThemeColumn


def theme_lines(report: Report) -> Iterator[ThemeLine]:
    """Each (question, theme) someone spoke of, in the view's own rows only."""
    for row in report.matrix.rows:
        if row.group is not None or row.respondents is None:
            continue
        for index, theme in spoken(report):
            cell = row.cells[index]
            if cell.respondents != 0:
                yield ThemeLine(row, cell, theme)


def linked_ideas(report: Report, theme_id: str) -> list[int]:
    return [idea.idea_id for idea in report.ideas if theme_id in idea.theme_ids]
