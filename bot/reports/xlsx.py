"""The report as an Excel workbook (openpyxl, written streaming so 100,000 answers fit):
Matrix, Themes, Ideas, Participation, and Summary (one row per coded answer) only when
the reader may see answers. Headers frozen, columns sized, percentages stored as
numbers formatted as percentages, a hidden figure as its marker ("<5").

openpyxl spends about 15 µs on each cell it writes, too slow for a Summary sheet of
100,000 answers (eight cells each) within the 10 s a report may take. So openpyxl writes
that sheet's header, widths and frozen pane like the others, and its rows are streamed
into the sheet's XML afterwards as the same plain cells openpyxl writes (inline strings
and numbers), which openpyxl and Excel read back alike."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.messages import Say
from bot.reports.building import Report
from bot.reports.layout import (
    group_name,
    heading_lines,
    linked_ideas,
    short,
    shown,
    spoken,
    theme_lines,
)

PERCENT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
WIDE = 60
NARROW = 12

Value = object


class _Sheet:
    """One streaming sheet: a frozen, bold header row, then plain rows."""

    def __init__(self, book: Workbook, title: str, header: Sequence[tuple[str, int]]) -> None:
        self.sheet = book.create_sheet(title[:31])
        self.sheet.freeze_panes = "A2"
        for index, (_, width) in enumerate(header, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        cells = []
        for label, _ in header:
            cell = WriteOnlyCell(self.sheet, value=label)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = WRAP
            cells.append(cell)
        self.sheet.append(cells)

    def row(
        self, values: Iterable[Value], percents: Iterable[int] = (), wrap: bool = False
    ) -> None:
        """Append a row; the columns at `percents` (0-based) hold fractions shown as %."""
        marked = set(percents)
        cells = []
        for index, value in enumerate(values):
            if index in marked and isinstance(value, int | float):
                cell = WriteOnlyCell(self.sheet, value=round(value / 100, 6))
                cell.number_format = PERCENT
            else:
                cell = WriteOnlyCell(self.sheet, value=value)
                if wrap:
                    cell.alignment = WRAP
            cells.append(cell)
        self.sheet.append(cells)


def to_xlsx(report: Report, say: Say) -> bytes:
    book = Workbook(write_only=True)
    _matrix(book, report, say)
    _themes(book, report, say)
    _ideas(book, report, say)
    _participation(book, report, say)
    summary = report.answers is not None and not report.too_few
    if summary:
        _summary_header(book, say)
    out = io.BytesIO()
    book.save(out)
    if not summary:
        return out.getvalue()
    # The Summary is the last sheet made; openpyxl names sheets by their position.
    return _with_rows(
        out.getvalue(), f"xl/worksheets/sheet{len(book.worksheets)}.xml", _summary_rows(report)
    )


def matrix_header(report: Report, say: Say) -> list[str]:
    """The Matrix sheet's header: a people and a % column per theme someone spoke of."""
    header = [
        say("report.column.question_id"),
        say("report.column.question"),
        say("report.column.group"),
        say("report.column.respondents"),
    ]
    for _, theme in spoken(report):
        header.append(f"{short(theme.label)}: {say('report.column.people')}")
        header.append(f"{short(theme.label)}: {say('report.column.percent')}")
    return header


def _matrix(book: Workbook, report: Report, say: Say) -> None:
    header = matrix_header(report, say)
    widths = [NARROW, WIDE, 18, NARROW] + [NARROW] * (len(header) - 4)
    sheet = _Sheet(book, say("report.sheet.matrix"), list(zip(header, widths, strict=True)))
    themes = spoken(report)
    percents = [5 + 2 * position for position in range(len(themes))]
    for row in report.matrix.rows:
        values: list[Value] = [
            row.question_id,
            row.question,
            group_name(row, say),
            shown(row.respondents, report, say),
        ]
        for index, _ in themes:
            if row.respondents is None:
                values += [None, None]
                continue
            cell = row.cells[index]
            values += [shown(cell.respondents, report, say), shown(cell.percent, report, say)]
        sheet.row(values, percents)
    for line in ["", *heading_lines(report, say)[1:]]:
        sheet.row([line])


def _themes(book: Workbook, report: Report, say: Say) -> None:
    header = [
        (say("report.column.theme"), 28),
        (say("report.column.definition"), 40),
        (say("report.column.question"), 40),
        (say("report.column.people"), NARROW),
        (say("report.column.percent"), NARROW),
        (say("report.column.mentions"), NARROW),
        (say("report.column.barrier"), NARROW),
        (say("report.column.enabler"), NARROW),
        (say("report.column.change"), NARROW),
        (say("report.column.quotes"), WIDE),
        (say("report.column.linked_ideas"), 16),
    ]
    sheet = _Sheet(book, say("report.sheet.themes"), header)
    for line in theme_lines(report):
        cell = line.cell
        sheet.row(
            [
                line.theme.label,
                report.descriptions.get(line.theme.id, ""),
                line.row.question,
                shown(cell.respondents, report, say),
                shown(cell.percent, report, say),
                shown(cell.mentions, report, say),
                shown(cell.barrier, report, say),
                shown(cell.enabler, report, say),
                cell.change,
                "\n".join(f"“{quote}”" for quote in cell.quotes) or None,
                ", ".join(f"#{idea}" for idea in linked_ideas(report, line.theme.id)) or None,
            ],
            percents=[4],
            wrap=True,
        )


def _ideas(book: Workbook, report: Report, say: Say) -> None:
    header = [
        (say("report.column.idea"), 8),
        (say("report.column.state"), 14),
        (say("report.column.text"), WIDE),
        (say("report.column.votes"), 8),
        (say("report.column.themes"), 30),
        (say("report.column.raised"), NARROW),
        (say("report.column.updated"), NARROW),
    ]
    sheet = _Sheet(book, say("report.sheet.ideas"), header)
    for idea in report.ideas:
        sheet.row(
            [
                idea.idea_id,
                idea.state,
                idea.text,
                idea.votes,
                "; ".join(short(report.label(theme)) for theme in idea.theme_ids) or None,
                idea.created_at.date(),
                idea.updated_at.date(),
            ],
            wrap=True,
        )


def _participation(book: Workbook, report: Report, say: Say) -> None:
    header = [
        (say("report.column.opened"), NARROW),
        (say("report.column.pulse"), 20),
        (say("report.column.site"), 18),
        (say("report.column.sent"), NARROW),
        (say("report.column.answered"), NARROW),
        (say("report.column.rate"), NARROW),
    ]
    sheet = _Sheet(book, say("report.sheet.participation"), header)
    for line in report.participation:
        rate = None if line.rate is None else round(100 * line.rate, 1)
        sheet.row(
            [
                line.opened_at.date(),
                line.pulse,
                say("report.everyone")
                if line.site is None
                else line.site or say("report.no_group"),
                shown(line.sent, report, say),
                shown(line.answered, report, say),
                shown(rate, report, say),
            ],
            percents=[5],
        )


def _summary_header(book: Workbook, say: Say) -> None:
    header = [
        (say("report.column.respondent"), NARROW),
        (say("report.column.period"), 10),
        (say("report.column.question_id"), NARROW),
        (say("report.column.question"), 30),
        (say("report.column.themes"), 36),
        (say("report.column.source"), 10),
        (say("report.column.confidence"), NARROW),
        (say("report.column.answer"), WIDE),
    ]
    _Sheet(book, say("report.sheet.summary"), header)


def _summary_rows(report: Report) -> Iterator[str]:
    """The Summary's rows as sheet XML, from row 2: one per coded answer."""
    number = 1
    labels = {theme.id: short(theme.label) for theme in report.matrix.themes}
    for source in report.answers or ():
        line = source.line
        if not line.themes:
            continue  # one row per coded answer
        number += 1
        themes = "; ".join(
            f"{labels.get(theme, theme)} ({polarity})" if polarity else labels.get(theme, theme)
            for theme, polarity in line.themes
        )
        values: tuple[str | float | None, ...] = (
            line.pseudonym,
            line.period,
            line.question_id,
            line.question,
            themes,
            line.source,
            line.confidence,
            line.text,
        )
        cells = "".join(
            _cell(f"{column}{number}", value)
            for column, value in zip(COLUMNS, values, strict=False)
        )
        yield f'<row r="{number}">{cells}</row>'


COLUMNS = "ABCDEFGH"
# Characters XML 1.0 cannot hold (openpyxl refuses them too); an answer's text is redacted
# chat, which could still carry one.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell(reference: str, value: str | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = escape(_NOT_IN_XML.sub("", value))
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _with_rows(workbook: bytes, sheet: str, rows: Iterable[str]) -> bytes:
    """The workbook with `rows` added at the end of `sheet`'s data, streamed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != sheet:
                target.writestr(item, data)
                continue
            head, tail = data.decode("utf-8").rsplit("</sheetData>", 1)
            with target.open(item.filename, "w") as stream:
                stream.write(head.encode("utf-8"))
                batch: list[str] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 1000:
                        stream.write("".join(batch).encode("utf-8"))
                        batch = []
                stream.write("".join(batch).encode("utf-8"))
                stream.write(f"</sheetData>{tail}".encode())
    return out.getvalue()
