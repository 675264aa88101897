"""The matrix as CSV (for scripts: one line per question, group and theme) and as
Markdown (for pasting into a document: one row per question, one column per theme
someone spoke of). A hidden figure reads as the marker ("<5"), never as a number."""

from __future__ import annotations

import csv
import io

from bot.messages import Say
from bot.reports.building import Report
from bot.reports.layout import group_name, heading_lines, short, shown, spoken

CSV_COLUMNS = (
    "question_id",
    "question",
    "group",
    "respondents",
    "theme_id",
    "theme",
    "mentions",
    "people",
    "percent",
    "barrier",
    "enabler",
    "change",
)


def to_csv(report: Report, say: Say) -> str:
    """Machine-readable: the header is stable column names, not words for people."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    if report.too_few:
        return out.getvalue()
    for row in report.matrix.rows:
        group = "" if row.group is None else group_name(row, say)
        if row.respondents is None:
            writer.writerow([row.question_id, row.question, group, shown(None, report, say)])
            continue
        for index, theme in enumerate(report.matrix.themes):
            cell = row.cells[index]
            writer.writerow(
                [
                    row.question_id,
                    row.question,
                    group,
                    row.respondents,
                    theme.id,
                    theme.label,
                    shown(cell.mentions, report, say),
                    shown(cell.respondents, report, say),
                    shown(cell.percent, report, say),
                    shown(cell.barrier, report, say),
                    shown(cell.enabler, report, say),
                    "" if cell.change is None else cell.change,
                ]
            )
    return out.getvalue()


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report, say: Say) -> str:
    lines = [f"# {_md(heading_lines(report, say)[0])}", ""]
    lines += [f"{_md(line)}  " for line in heading_lines(report, say)[1:]]
    if report.too_few:
        return "\n".join(lines) + "\n"
    themes = spoken(report)
    header = [
        say("report.column.question"),
        say("report.column.group"),
        say("report.column.respondents"),
        *(short(theme.label) for _, theme in themes),
    ]
    lines += ["", "| " + " | ".join(_md(cell) for cell in header) + " |"]
    lines.append("|" + "---|" * 2 + "---:|" * (len(header) - 2))
    for row in report.matrix.rows:
        values: list[object] = [
            row.question if row.group is None else "",
            group_name(row, say),
            shown(row.respondents, report, say),
        ]
        for index, _ in themes:
            if row.respondents is None:
                values.append("")
                continue
            cell = row.cells[index]
            if cell.respondents is None:
                values.append(shown(None, report, say))
            else:
                values.append(f"{cell.respondents} ({cell.percent:g}%)")
        lines.append("| " + " | ".join(_md(value) for value in values) + " |")
    return "\n".join(lines) + "\n"
