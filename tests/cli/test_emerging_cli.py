"""`thrive analysis emerging` as a real process against a SQLite file: a planted theme
(parking) is listed with its words and three quotes (recorded as a raw-data view),
accepted into the organisation's codebook, and no longer proposed."""

from __future__ import annotations

import asyncio
import getpass
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from bot.analysis import CodebookCoder
from bot.catalog import sync_content
from prompts import Content
from storage.engine import Database
from storage.migrate import upgrade
from tests.cli.thrive_process import clean_env, thrive
from tests.storage.emerging_stream import plant_stream
from tests.storage.storage_rows import local_organisation


async def _seed(path: Path, content: Content) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    await sync_content(database, content)
    async with database.transaction() as session:
        organisation = await local_organisation(session)
        await plant_stream(session, CodebookCoder.from_content(content), organisation)
    await database.dispose()


def _run(tmp_path: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{path}", THRIVE_LOG_FORMAT="json")
    result = thrive("analysis", "emerging", *args, cwd=tmp_path, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(query))


def test_a_planted_theme_is_listed_accepted_and_then_covered(
    tmp_path: Path, content: Content
) -> None:
    path = tmp_path / "thrive.db"
    asyncio.run(_seed(path, content))

    listed = _run(tmp_path, path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Emerging themes (1): answers no theme covers yet, grouped by their words."
    number, rest = lines[1].split(": ", 1)
    assert number.startswith("#") and rest.startswith("parking, ")
    assert len(lines) == 5 and all(line.startswith("  “") for line in lines[2:])
    audits = _rows(path, "SELECT action, operator FROM audit_log")
    assert audits == [("quotes.view", getpass.getuser())]

    accepted = _run(tmp_path, path, "accept", number[1:], "--label", "Parking")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith(f"Accepted {number}: “Parking” is now a theme (parking); ")
    assert _rows(path, "SELECT id, organisation_id FROM themes WHERE id = 'parking'") == [
        ("parking", 1)
    ]

    again = _run(tmp_path, path, "accept", number[1:])
    assert (again.returncode, again.stderr.strip()) == (
        1,
        f"Emerging theme {number} is accepted already.",
    )
    unknown = _run(tmp_path, path, "dismiss", "999")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "There is no emerging theme #999 waiting for a decision.",
    )
    after = _run(tmp_path, path)
    assert after.stdout.strip() == (
        "No emerging themes: the answers are covered by themes, or too few are left over "
        "to group safely."
    )
