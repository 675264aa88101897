"""`thrive analysis matrix` as a real process against a SQLite file: JSON for scripts
with small groups null, a table on a terminal, a refused filter as one line, "no
answers yet" for an organisation with none, and quotes recorded in the audit log."""

from __future__ import annotations

import asyncio
import getpass
import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from bot.catalog import sync_content
from prompts import load_content
from storage.engine import Database
from storage.migrate import upgrade
from tests.cli.thrive_process import clean_env, thrive
from tests.storage.matrix_rows import organisation, seed_known_answers


async def _seed(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    await sync_content(database, load_content())
    await seed_known_answers(database, "slack", "T0ONE")
    async with database.transaction() as session:
        await organisation(session, "slack", "T0EMPTY")
    await database.dispose()


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{tmp_path / 'thrive.db'}")
    result = thrive("analysis", "matrix", *args, cwd=tmp_path, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_matrix_json_table_refusal_and_audit(tmp_path: Path) -> None:
    path = tmp_path / "thrive.db"
    asyncio.run(_seed(path))
    period = ("--since", "2026-02-15", "--until", "2026-02-28")

    found = _run(tmp_path, "--org", "T0ONE", *period, "--by", "site", "--format", "json")
    assert found.returncode == 0, found.stderr
    matrix = json.loads(found.stdout)
    rows = {(row["question_id"], row["group"]): row for row in matrix["rows"]}
    staffing = rows[("joy-more", None)]["cells"]["staffing"]
    assert (staffing["respondents"], staffing["percent"], staffing["change"]) == (18, 85.7, 35.7)
    assert (staffing["barrier"], staffing["enabler"], staffing["quotes"]) == (13, 5, [])
    assert rows[("joy-more", "East")]["respondents"] is None
    assert rows[("joy-more", "South")]["respondents"] is None
    assert rows[("joy-more", "North")]["respondents"] == 12
    assert _audit(path) == []  # no quotes asked for: no raw data seen

    table = _run(tmp_path, "--org", "T0ONE", *period)
    assert table.returncode == 0, table.stderr
    assert "Team dynamics" in table.stdout and "18 (86%)" in table.stdout

    refused = _run(tmp_path, "--org", "T0ONE", *period, "--role", "clinician")
    assert refused.returncode == 1
    assert "not enough responses to show this safely" in refused.stderr

    quoted = _run(tmp_path, "--org", "T0ONE", *period, "--quotes", "--format", "json")
    cells = {row["question_id"]: row["cells"] for row in json.loads(quoted.stdout)["rows"]}
    assert cells["joy-more"]["staffing"]["quotes"][0] == "south corrected"
    [(action, operator, detail)] = _audit(path)
    assert action == "quotes.view"
    assert (operator, detail["since"][:10]) == (getpass.getuser(), "2026-02-15")

    empty = _run(tmp_path, "--org", "T0EMPTY")
    assert (empty.returncode, empty.stdout.strip()) == (
        0,
        "No answers yet, so there is nothing to show.",
    )


def _audit(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT action, operator, detail FROM audit_log ORDER BY id")
        return [(action, operator, json.loads(detail)) for action, operator, detail in rows]
