"""`thrive analysis ...` as a real process against a SQLite file: recode (a person's codes
stay), review at the prompt, export and import a corrected sheet (CSV and XLSX; one bad
row and nothing is applied), and agreement between the coder and people."""

from __future__ import annotations

import asyncio
import csv
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.catalog import sync_content
from prompts import load_content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Coding, Idea, IdeaCoding, Response
from storage.people import PeopleRepository
from tests.cli.thrive_process import RUN_TIMEOUT, THRIVE, env_on_a_copy, thrive
from tests.cli.thrive_process import rows as _rows

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
IDEA = "Scribes for the clinic so the inbox is not done at midnight"
ANSWERS = [
    ("job-difficult", "The in-basket messages keep me up past midnight"),
    ("job-difficult", "Not enough staff on nights"),
    ("going-well", "My team covers for each other"),
]


async def _seed(path: Path) -> None:
    """Answers stored before coding on store existed: no codes yet, but a person's one."""
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    await sync_content(database, load_content())
    async with database.transaction() as session:
        workspace = await PeopleRepository(session).workspace("local", "local", now=NOW)
        for prompt, text in ANSWERS:
            session.add(
                Response(
                    organisation_id=workspace.organisation_id,
                    prompt_id=prompt,
                    text=text,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        await session.flush()
        session.add(
            Coding(
                response_id=3,
                theme_id="teamwork",
                polarity="enabler",
                source="person",
                created_at=NOW,
            )
        )
        idea = Idea(
            organisation_id=workspace.organisation_id,
            workspace_id=workspace.id,
            text=IDEA,
            source="command",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(idea)
        await session.flush()
        # A stale code by an older coder, and a person's, who said it is about teamwork.
        session.add_all(
            IdeaCoding(
                idea_id=idea.id, theme_id=theme, polarity="enabler", source=source, created_at=NOW
            )
            for theme, source in (("autonomy", "coder"), ("teamwork", "person"))
        )
    await database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analysis-cli") / "seed.db"
    asyncio.run(_seed(path))
    return path


@pytest.fixture
def env(tmp_path: Path, seeded: Path) -> dict[str, str]:
    return env_on_a_copy(seeded, tmp_path)


def analysis(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return thrive("analysis", *args, cwd=tmp_path, env=env)


def _codes(env: dict[str, str], source: str) -> set[tuple[object, ...]]:
    return set(
        _rows(
            env,
            f"SELECT response_id, theme_id, polarity FROM codings WHERE source = '{source}'",
        )
    )


def _idea_codes(env: dict[str, str]) -> set[tuple[object, ...]]:
    return set(_rows(env, "SELECT idea_id, theme_id, polarity, source FROM idea_codings"))


def test_recode_codes_every_answer_and_keeps_a_persons_codes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    result = analysis(tmp_path, env, "recode")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Recoded 3 answers:")
    assert "and 1 idea:" in result.stdout
    assert "Recoding" in result.stderr and "4/4" in result.stderr  # the progress bar
    coder = _codes(env, "coder")
    assert (1, "in-basket", "barrier") in coder
    assert (2, "staffing", "barrier") in coder
    assert _codes(env, "person") == {(3, "teamwork", "enabler")}
    # The idea is coded afresh too (the stale code gone); the person's code stays.
    ideas = _idea_codes(env)
    assert (1, "in-basket", "barrier", "coder") in ideas
    assert (1, "autonomy", "enabler", "coder") not in ideas
    assert (1, "teamwork", "enabler", "person") in ideas
    # Again: the coder's rows are replaced, not added to.
    assert analysis(tmp_path, env, "recode", "--org", "local").returncode == 0
    assert _codes(env, "coder") == coder


def test_agreement_says_so_when_no_person_coded_yet(tmp_path: Path, env: dict[str, str]) -> None:
    path = env["THRIVE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM codings")

    result = analysis(tmp_path, env, "agreement")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No human codes yet")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_corrected_sheet_comes_back_as_a_persons_codes(
    tmp_path: Path, env: dict[str, str], suffix: str
) -> None:
    assert analysis(tmp_path, env, "recode").returncode == 0
    sheet = tmp_path / f"codes{suffix}"

    exported = analysis(tmp_path, env, "export-codes", "--out", str(sheet))

    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"Wrote 3 answers to {sheet}."
    header, *rows = _read(sheet)
    assert header == ["answer_id", "question", "text", "themes", "coded_by"]
    assert rows[0][:3] == ["1", "job-difficult", ANSWERS[0][1]]
    assert "in-basket:barrier" in rows[0][3] and rows[0][4] == "coder"
    assert rows[2][3:] == ["teamwork:enabler", "person"]  # a person's code wins
    [(action, operator, detail)] = _rows(env, "SELECT action, operator, detail FROM audit_log")
    assert action == "raw_answers.export"
    assert operator and '"answers": 3' in str(detail)

    rows[1][3] = "staffing:barrier, schedules-flow:barrier"  # the lead's correction
    _write(sheet, [header, *rows])
    imported = analysis(tmp_path, env, "import-codes", str(sheet))

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "Imported 3 rows: 1 answers now carry a person's codes."
    assert _codes(env, "person") == {
        (3, "teamwork", "enabler"),
        (2, "staffing", "barrier"),
        (2, "schedules-flow", "barrier"),
    }
    # A recode leaves them be, and the agreement now has people to compare with.
    assert analysis(tmp_path, env, "recode").returncode == 0
    assert (2, "schedules-flow", "barrier") in _codes(env, "person")
    agreement = analysis(tmp_path, env, "agreement")
    # Answer 3 carries a person's code from before, answer 2 the sheet's.
    assert agreement.stdout.splitlines()[0] == "Agreement on 2 answers people coded:"
    figures = {line.split()[0]: line.split()[1:] for line in agreement.stdout.splitlines()[2:]}
    assert figures["staffing"] == ["1", "1", "1.00"]
    assert figures["schedules-flow"][:2] == ["0", "1"]


def test_a_sheet_with_an_unknown_theme_is_refused_whole(
    tmp_path: Path, env: dict[str, str]
) -> None:
    sheet = tmp_path / "codes.csv"
    _write(
        sheet,
        [
            ["answer_id", "text", "themes"],
            ["1", "...", "in-basket:barrier"],
            ["2", "...", "staffing:barrier"],
            ["3", "...", "teamwork:enabler, rota-chaos:barrier"],
        ],
    )

    result = analysis(tmp_path, env, "import-codes", str(sheet))

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Row 4: there is no theme rota-chaos in the codebook. Nothing was imported."
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert _codes(env, "person") == {(3, "teamwork", "enabler")}
    _write(sheet, [["answer_id", "themes"], ["1", "in-basket:sometimes"]])
    bad_polarity = analysis(tmp_path, env, "import-codes", str(sheet))
    assert bad_polarity.stderr.strip() == (
        "Row 2: say barrier or enabler after in-basket: (got sometimes). Nothing was imported."
    )


def test_review_goes_least_certain_first_and_is_audited(
    tmp_path: Path, env: dict[str, str]
) -> None:
    assert analysis(tmp_path, env, "recode").returncode == 0

    result = subprocess.run(
        [str(THRIVE), "analysis", "review", "--limit", "5"],
        cwd=tmp_path,
        env=env,
        input="accept\nmade-up:barrier\nnone\nquit\n",
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "There is no theme made-up in the codebook." in result.stderr
    assert "Reviewed 2 of" in result.stdout
    reviewed = _rows(env, "SELECT id FROM responses WHERE reviewed_at IS NOT NULL")
    assert len(reviewed) == 2
    [(action, operator, detail)] = _rows(env, "SELECT action, operator, detail FROM audit_log")
    assert action == "raw_answers.view"
    assert operator and '"limit": 5' in str(detail)


def _read(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as file:
            return [list(row) for row in csv.reader(file)]
    book = load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_export_leaves_out_answers_the_safety_net_flagged_unless_asked(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = env["THRIVE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE responses SET distress = 1 WHERE id = 2")
    sheet = tmp_path / "codes.csv"

    exported = analysis(tmp_path, env, "export-codes", "--out", str(sheet))

    assert exported.stdout.strip() == f"Wrote 2 answers to {sheet}."
    assert [row[0] for row in _read(sheet)[1:]] == ["1", "3"]
    included = analysis(tmp_path, env, "export-codes", "--out", str(sheet), "--include-distress")
    assert included.stdout.strip() == f"Wrote 3 answers to {sheet}."
    details = [str(d) for (d,) in _rows(env, "SELECT detail FROM audit_log ORDER BY id")]
    assert '"include_distress": false' in details[0] and '"include_distress": true' in details[1]


def test_export_redacts_an_older_row_again_and_says_so(tmp_path: Path, env: dict[str, str]) -> None:
    path = env["THRIVE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection, connection:
        # As if stored before the redactor knew this form of a record number.
        connection.execute("UPDATE responses SET text = 'pt Tom Brennan MRN 00482913' WHERE id = 1")
    sheet = tmp_path / "codes.csv"

    exported = analysis(tmp_path, env, "export-codes", "--out", str(sheet))

    assert exported.returncode == 0, exported.stderr
    assert "Patient details were found in 1 stored answers" in exported.stderr
    written = " ".join(" ".join(row) for row in _read(sheet))
    assert "Brennan" not in written and "00482913" not in written and "[removed]" in written
