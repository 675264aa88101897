"""`thrive audit list` and `thrive people forget` as real processes against a SQLite
file: an admin's forget deletes what `forget me` deletes and is audited with the
operator's login; the log is read back by actor, date and organisation, as a table,
JSON or CSV, and reading it is itself recorded."""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
import json
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog import sync_content
from prompts import load_content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Person, Response
from storage.people import PeopleRepository
from tests.cli.thrive_process import env_on_a_copy, thrive

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
# (workspace, user id, display name, answers)
PEOPLE = [
    ("local", "amara", "Dr Amara Okafor", ["Teaching residents", "Being thanked"]),
    ("local", "sam", "Sam Patel", ["Procedures"]),
    ("T0RIVER", "U02SAM", "Sam Patel", []),
]


async def _seed(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    await sync_content(database, load_content())
    async with database.transaction() as session:
        people = PeopleRepository(session)
        for external_id, user_id, name, answers in PEOPLE:
            platform = "local" if external_id == "local" else "slack"
            workspace = await people.workspace(platform, external_id, now=NOW)
            person = await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=user_id,
                    display_name=name,
                    tags=[],
                    created_at=NOW,
                )
            )
            for text in answers:
                session.add(
                    Response(
                        organisation_id=workspace.organisation_id,
                        prompt_id="joy-more",
                        person_id=person.id,
                        text=text,
                        redactions=[],
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
    await database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit-cli") / "seed.db"
    asyncio.run(_seed(path))
    return path


@pytest.fixture
def env(tmp_path: Path, seeded: Path) -> dict[str, str]:
    return env_on_a_copy(seeded, tmp_path)


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return thrive(*args, cwd=tmp_path, env=env)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def _answers(env: dict[str, str]) -> list[str]:
    path = env["THRIVE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("SELECT text FROM responses ORDER BY id")]


def test_people_forget_deletes_what_forget_me_deletes_and_is_audited(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = _ok(_run(tmp_path, env, "people", "forget", "amara", "--yes"))

    assert done.strip() == "Deleted 2 answer(s) of Dr Amara Okafor."
    assert _answers(env) == ["Procedures"]
    listed = json.loads(_ok(_run(tmp_path, env, "audit", "list", "--format", "json")))
    [entry] = [row for row in listed if row["action"] == "answers.forget"]
    assert entry["actor"] == f"cli:{getpass.getuser()}"
    assert entry["subject"] == "person:1"
    assert entry["detail"] == {"removed": 2}  # how many, never which
    assert entry["organisation"] is not None


def test_people_forget_of_an_ambiguous_name_lists_them_and_deletes_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    result = _run(tmp_path, env, "people", "forget", "sam patel", "--yes")

    assert result.returncode == 1, result.stdout
    assert result.stderr.strip().splitlines()[0] == (
        "2 people match 'sam patel'; nothing was changed."
    )
    assert len(_answers(env)) == 3
    listed = json.loads(_ok(_run(tmp_path, env, "audit", "list", "--format", "json")))
    assert [row["action"] for row in listed] == []  # its own reading is recorded after


def test_audit_list_filters_by_actor_and_date_and_records_each_reading(
    tmp_path: Path, env: dict[str, str]
) -> None:
    _ok(_run(tmp_path, env, "roles", "grant", "amara", "leader"))
    login = getpass.getuser()

    table = _ok(_run(tmp_path, env, "audit", "list")).splitlines()
    mine = _ok(_run(tmp_path, env, "audit", "list", "--actor", login, "--format", "csv"))
    nobody = _ok(_run(tmp_path, env, "audit", "list", "--actor", "U02SAM", "--format", "json"))
    future = _ok(_run(tmp_path, env, "audit", "list", "--since", "2999-01-01"))

    assert table[0].split() == [
        "ID",
        "WHEN",
        "ORGANISATION",
        "ACTION",
        "ACTOR",
        "SUBJECT",
        "DETAIL",
    ]
    assert "role.granted" in table[1] and f"cli:{login}" in table[1]
    rows = list(csv.DictReader(io.StringIO(mine)))
    # The grant, and the first reading (the table above), newest first.
    assert [row["action"] for row in rows] == ["audit.view", "role.granted"]
    assert json.loads(rows[1]["detail"]) == {"role": "leader", "person_id": 1}
    assert json.loads(nobody) == []
    assert future.strip() == "No audit entries match."
    readings = json.loads(_ok(_run(tmp_path, env, "audit", "list", "--format", "json")))
    filters = [row["detail"]["filters"] for row in readings if row["action"] == "audit.view"]
    assert filters[:2] == [
        {"since": "2999-01-01T00:00:00+00:00"},
        {"actor_ids": [3], "operator": "U02SAM"},
    ]


def test_audit_list_refuses_a_date_it_cannot_read(tmp_path: Path, env: dict[str, str]) -> None:
    result = _run(tmp_path, env, "audit", "list", "--since", "last tuesday")

    assert result.returncode == 2
    assert "is not a date" in result.stderr
