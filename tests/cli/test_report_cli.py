"""`thrive report` as a real process against a SQLite file: each format written, a
file carrying answers' words recorded in the audit log (with the format and filters)
and one without them not, a filter leaving a small group refused, and a view too small
to show saying so."""

from __future__ import annotations

import asyncio
import getpass
import json
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import openpyxl

from tests.cli.test_analysis_matrix_cli import _seed
from tests.cli.thrive_process import clean_env, thrive

PERIOD = ("--since", "2026-02-15", "--until", "2026-02-28")


def _report(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{tmp_path / 'thrive.db'}")
    result = thrive("report", "--org", "T0ONE", *args, cwd=tmp_path, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _audit(path: Path) -> list[tuple[str, str, dict[str, object]]]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT action, operator, detail FROM audit_log ORDER BY id"
        ).fetchall()
    return [(action, operator, json.loads(detail)) for action, operator, detail in rows]


def test_every_format_is_written_and_answers_are_audited(tmp_path: Path) -> None:
    database = tmp_path / "thrive.db"
    asyncio.run(_seed(database))

    for format_ in ("csv", "md", "qdc"):
        written = _report(tmp_path, "--format", format_, "--out", f"r.{format_}", *PERIOD)
        assert written.returncode == 0, written.stderr
        assert (tmp_path / f"r.{format_}").stat().st_size > 100
    assert _audit(database) == []  # no answers' words in any of them

    quiet = _report(tmp_path, "--format", "xlsx", "--out", "leaders.xlsx", "--no-answers")
    assert quiet.returncode == 0, quiet.stderr
    assert "Summary" not in openpyxl.load_workbook(tmp_path / "leaders.xlsx").sheetnames
    assert _audit(database) == []

    full = _report(tmp_path, "--format", "xlsx", "--out", "full.xlsx", *PERIOD, "--by", "site")
    assert full.returncode == 0, full.stderr
    assert "Summary" in openpyxl.load_workbook(tmp_path / "full.xlsx").sheetnames
    project = _report(tmp_path, "--format", "qdpx", "--out", "answers.qdpx", *PERIOD)
    assert project.returncode == 0, project.stderr
    with zipfile.ZipFile(tmp_path / "answers.qdpx") as archive:
        assert "project.qde" in archive.namelist()
    html = _report(tmp_path, "--format", "html", "--out", "r.html", *PERIOD)
    assert "<img" in (tmp_path / "r.html").read_text()

    entries = _audit(database)
    assert [action for action, _, _ in entries] == ["report.export"] * 3
    (_, operator, xlsx), (_, _, qdpx), _ = entries
    assert operator == getpass.getuser()
    assert (xlsx["format"], xlsx["by"], xlsx["since"]) == ("xlsx", "site", "2026-02-15")
    # 22 answers to joy-more (n0 twice) and 7 to engaged, this period
    assert (qdpx["format"], qdpx["answers"]) == ("qdpx", 29)
    assert html.returncode == 0

    listed = thrive(
        "audit",
        "list",
        "--org",
        "T0ONE",
        cwd=tmp_path,
        env=clean_env(THRIVE_DATABASE_URL=f"sqlite:///{database}"),
    )
    assert "report.export" in listed.stdout


def test_small_groups_are_refused_or_said_too_few(tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path / "thrive.db"))

    refused = _report(tmp_path, "--format", "csv", "--out", "r.csv", *PERIOD, "--role", "clinician")
    assert refused.returncode == 1
    assert "not enough responses to show this safely" in refused.stderr
    assert not (tmp_path / "r.csv").exists()

    small = _report(tmp_path, "--format", "md", "--out", "east.md", *PERIOD, "--site", "East")
    assert small.returncode == 0, small.stderr
    assert "Too few people answered" in small.stdout
    text = (tmp_path / "east.md").read_text()
    assert "Too few people answered" in text and "|" not in text
