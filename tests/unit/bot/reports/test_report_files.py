"""Every report format, built from known answers on a real SQLite file and read back
the way its reader would: the workbook with openpyxl, cell by cell against the matrix;
the REFI-QDA project validated against the standard's Project.xsd and opened with
pyqdpx; CSV and Markdown parsed; answers' words only for readers allowed them."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xmlschema

from bot.context import BotContext
from bot.reports.layout import spoken
from bot.reports.refi import to_qdc, to_qdpx
from bot.reports.text_formats import to_csv, to_markdown
from bot.reports.xlsx import matrix_header, to_xlsx
from storage.engine import Database
from tests.unit.bot.reports import qda_reader
from tests.unit.bot.reports.qda_reader import PROJECT_XSD
from tests.unit.bot.reports.report_data import known_report


async def test_the_workbook_holds_the_matrix_cell_by_cell(
    sqlite_db: Database, ctx: BotContext, tmp_path: Path
) -> None:
    report = await known_report(sqlite_db, ctx, by="site")
    path = tmp_path / "report.xlsx"
    path.write_bytes(to_xlsx(report, ctx.say))

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Matrix", "Themes", "Ideas", "Participation", "Summary"]
    sheet = book["Matrix"]
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == matrix_header(report, ctx.say)
    assert sheet.column_dimensions["B"].width >= 40  # the question has room
    themes = spoken(report)
    hidden = ctx.say("report.hidden", minimum=5)
    for line, row in enumerate(report.matrix.rows, start=2):
        values = [cell.value for cell in sheet[line]]
        assert values[0] == row.question_id
        assert values[3] == (hidden if row.respondents is None else row.respondents)
        for position, (index, _) in enumerate(themes):
            people, percent = values[4 + 2 * position : 6 + 2 * position]
            if row.respondents is None:
                assert (people, percent) == (None, None)
                continue
            cell = row.cells[index]
            if cell.respondents is None:
                assert (people, percent) == (hidden, hidden)
            else:
                assert people == cell.respondents
                # A number, shown as a percentage.
                assert percent == pytest.approx((cell.percent or 0) / 100)
                assert sheet.cell(line, 6 + 2 * position).number_format == "0.0%"
    # North shows; South and East are small (and South hidden with East).
    groups = {row[2].value: row[3].value for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert groups["North"] == 12 and groups["South"] == groups["East"] == hidden

    themes_sheet = book["Themes"]
    assert themes_sheet.freeze_panes == "A2"
    staffing = next(
        row
        for row in themes_sheet.iter_rows(min_row=2, values_only=True)
        if str(row[0]).startswith("Team dynamics") and row[2] == report.matrix.rows[0].question
    )
    # people, % of people, mentions, barrier, enabler, change: as the matrix has them
    assert staffing[3:9] == (18, pytest.approx(0.857), 19, 13, 5, 35.7)
    assert staffing[1]  # its definition

    summary = list(book["Summary"].iter_rows(min_row=2, values_only=True))
    # One row per coded answer to a question shown; pseudonyms of the report's own.
    assert summary and all(str(row[0]).startswith("P") for row in summary)
    assert {row[2] for row in summary} <= {"joy-more", "engaged"}
    assert all(row[4] for row in summary)  # each names its themes
    assert any(row[7] == "south corrected" for row in summary)
    assert not any(row[0] == "n0" for row in summary)  # never the stored key


async def test_a_reader_without_raw_data_gets_no_summary_and_no_quotes(
    sqlite_db: Database, ctx: BotContext, tmp_path: Path
) -> None:
    report = await known_report(sqlite_db, ctx, raw=False)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, ctx.say)))
    assert "Summary" not in book.sheetnames
    quotes = [row[9] for row in book["Themes"].iter_rows(min_row=2, values_only=True)]
    assert quotes and all(quote is None for quote in quotes)


async def test_too_few_people_says_so_instead_of_numbers(
    sqlite_db: Database, ctx: BotContext
) -> None:
    report = await known_report(sqlite_db, ctx, site="East")
    assert report.too_few
    too_few = ctx.say("report.too_few", minimum=5)
    assert too_few in to_markdown(report, ctx.say)
    assert list(csv.reader(io.StringIO(to_csv(report, ctx.say))))[1:] == []
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, ctx.say)))
    assert "Summary" not in book.sheetnames
    matrix_values = [c for row in book["Matrix"].iter_rows(values_only=True) for c in row]
    assert too_few in matrix_values
    assert not any(isinstance(value, int) for value in matrix_values)


async def test_csv_and_markdown_lay_out_the_matrix(sqlite_db: Database, ctx: BotContext) -> None:
    report = await known_report(sqlite_db, ctx)
    lines = list(csv.DictReader(io.StringIO(to_csv(report, ctx.say))))
    staffing = next(
        line
        for line in lines
        if (line["question_id"], line["theme_id"]) == ("joy-more", "staffing")
    )
    assert (staffing["respondents"], staffing["people"], staffing["percent"]) == (
        "21",
        "18",
        "85.7",
    )
    assert (staffing["barrier"], staffing["enabler"], staffing["change"]) == ("13", "5", "35.7")
    markdown = to_markdown(report, ctx.say)
    assert "| Team dynamics and staffing |" in markdown.replace(" |", " |")
    assert "18 (85.7%)" in markdown


async def test_the_qdpx_project_is_valid_refi_qda_and_reads_back(
    sqlite_db: Database, ctx: BotContext, tmp_path: Path
) -> None:
    report = await known_report(sqlite_db, ctx)
    path = tmp_path / "answers.qdpx"
    path.write_bytes(to_qdpx(report, ctx.say))

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        project = archive.read("project.qde").decode()
    schema = xmlschema.XMLSchema(PROJECT_XSD)
    schema.validate(project)
    sources = [name for name in names if name.startswith("Sources/")]
    assert len(sources) == len(report.answers or ())

    qde = qda_reader.load().QDPX(str(path)).get_project()
    assert qde is not None
    codes = {code.name for code in qde.codes.values()}
    assert "Team dynamics and staffing (turnover, leadership changes)" in codes or any(
        name.startswith("Team dynamics") for name in codes
    )
    texts = {source.text_content for source in qde.sources.values()}
    assert "south corrected" in texts
    coded = [
        selection
        for source in qde.sources.values()
        for selection in source.coded_selections.values()
    ]
    assert coded and all(selection.text for selection in coded)


async def test_the_codebook_is_refi_qda(sqlite_db: Database, ctx: BotContext) -> None:
    report = await known_report(sqlite_db, ctx, raw=False)
    codebook = to_qdc(report)
    assert 'xmlns="urn:QDA-XML:codebook:1.0"' in codebook
    # The codebook's Codes are the project's: valid inside a Project, they are valid here.
    codes = codebook.split("<CodeBook", 1)[1].split(">", 1)[1].rsplit("</CodeBook>", 1)[0]
    project = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="codebook"><CodeBook>'
        f"{codes}</CodeBook></Project>"
    )
    xmlschema.XMLSchema(PROJECT_XSD).validate(project)
    assert codebook.count("<Code ") == 3 * len(report.matrix.themes)  # theme, barrier, enabler
    assert "south corrected" not in codebook
