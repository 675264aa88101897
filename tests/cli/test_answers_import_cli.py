"""`thrive answers import` as a real process, on SQLite and PostgreSQL: earlier answers
come in redacted, coded, with no person and as source `import`; a file with bad rows is
refused with every bad row's number and nothing of it is kept."""

from __future__ import annotations

import asyncio
import csv
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.catalog import sync_content
from prompts import Content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Coding, Response
from tests.cli.thrive_process import clean_env, thrive
from tests.conftest import postgres_url, reset_postgres
from tests.storage.storage_rows import local_organisation

HEADER = ["Question", "TEXT", "site", "Role", "Date"]
GOOD = [
    [
        "job-difficult",
        "not enough MAs, we are short staffed every clinic",
        "North",
        "np",
        "2025-03-14",
    ],
    ["job-difficult", "Call Dr Smith on 617-555-0199 about the inbox", "North", "md", "2025-03-14"],
    ["going-well", "my team has my back", "South", "", "2025-03-15T09:30:00"],
    ["going-well", "🙂", "", "", ""],
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, content: Content) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'thrive.db'}"
    else:
        url = postgres_url()
        asyncio.run(reset_postgres(url))
    asyncio.run(_seed(url, content))
    return url


async def _seed(url: str, content: Content) -> None:
    database = Database(url)
    await upgrade(database)
    await sync_content(database, content)
    async with database.transaction() as session:
        await local_organisation(session)
    await database.dispose()


def _count(url: str, statement: Any) -> int:
    async def count() -> int:
        database = Database(url)
        try:
            async with database.transaction() as session:
                return int(await session.scalar(statement) or 0)
        finally:
            await database.dispose()

    return asyncio.run(count())


def _imported(url: str) -> list[Response]:
    async def read() -> list[Response]:
        database = Database(url)
        try:
            async with database.transaction() as session:
                found = await session.scalars(select(Response).order_by(Response.id))
                return list(found.all())
        finally:
            await database.dispose()

    return asyncio.run(read())


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    return path


def _import(tmp_path: Path, url: str, file: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(THRIVE_DATABASE_URL=url, THRIVE_LOG_FORMAT="json")
    result = thrive("answers", "import", str(file), cwd=tmp_path, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_a_good_file_is_imported_redacted_and_coded(
    tmp_path: Path, database_url: str, content: Content
) -> None:
    question_text = content.prompt("going-well").text
    rows = [HEADER, *GOOD, [question_text, "protected admin time on Fridays", "", "", ""]]
    result = _import(tmp_path, database_url, _csv(tmp_path / "groups.csv", rows))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("Imported 5 answers from groups.csv: ")
    answers = _imported(database_url)
    assert len(answers) == 5
    assert {a.source for a in answers} == {"import"}
    assert {a.person_id for a in answers} == {None}
    assert len({a.respondent_key for a in answers}) == 5  # one pseudonym a row
    assert [a.prompt_id for a in answers][-1] == "going-well"  # given by its exact text
    assert answers[1].text == "Call Dr Smith on [removed] about the inbox"
    assert answers[1].redactions != []
    assert (answers[0].site, answers[0].role, answers[0].created_at.date().isoformat()) == (
        "North",
        "np",
        "2025-03-14",
    )
    staffing = select(func.count()).select_from(Coding).where(Coding.theme_id == "staffing")
    assert _count(database_url, staffing) == 1


def test_a_file_with_bad_rows_is_refused_whole(tmp_path: Path, database_url: str) -> None:
    rows = [
        HEADER,
        *GOOD,
        ["no-such-question", "parking", "", "", ""],  # row 6
        ["job-difficult", "   ", "", "", ""],  # row 7
        ["job-difficult", "fine", "", "", "14th of March"],  # row 8
    ]
    result = _import(tmp_path, database_url, _csv(tmp_path / "bad.csv", rows))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Nothing was imported from bad.csv: fix these rows and import it again.",
        "Row 6: unknown question “no-such-question”: give a prompt id or the prompt's exact text.",
        "Row 7: the answer's text is empty.",
        "Row 8: “14th of March” is not a date (write it like 2025-03-14).",
    ]
    assert _imported(database_url) == []
    assert _count(database_url, select(func.count()).select_from(Coding)) == 0


def test_a_sheet_is_read_row_by_row(tmp_path: Path, database_url: str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["text", "question", "date"])  # any order
    for number in range(300):
        sheet.append([f"answer {number}: not enough staff", "job-difficult", "2025-01-02"])
    workbook.save(tmp_path / "groups.xlsx")

    result = _import(tmp_path, database_url, tmp_path / "groups.xlsx")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Imported 300 answers from groups.xlsx: 300 coded with a theme."
    )
    assert len(_imported(database_url)) == 300


def test_a_file_without_the_needed_columns_is_refused(tmp_path: Path, database_url: str) -> None:
    result = _import(
        tmp_path, database_url, _csv(tmp_path / "x.csv", [["q", "answer"], ["a", "b"]])
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "The first row must name the columns; question, text are needed (site, role and "
        "date may follow).",
    )


def test_an_import_says_which_kinds_were_removed_and_flags_distress(
    tmp_path: Path, database_url: str
) -> None:
    rows = [
        HEADER,
        ["job-difficult", "pt Tom Brennan, MRN 00482913, missed his visit", "", "", ""],
        ["job-difficult", "Call Dr Smith on 617-555-0199 about the inbox", "", "", ""],
        ["job-difficult", "honestly some days I don't want to be alive", "", "", ""],
    ]
    result = _import(tmp_path, database_url, _csv(tmp_path / "groups.csv", rows))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[1] == (
        "Patient details were removed before saving (answers): "
        "medical record number (1), phone number (1), patient name (1)."
    )
    assert lines[2].startswith("1 answers showed signs of distress")
    answers = _imported(database_url)
    assert [a.distress for a in answers] == [False, False, True]
    assert "Brennan" not in (answers[0].text or "")
