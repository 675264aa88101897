"""`thrive org list|link` and `--org` as real processes against a SQLite file: with two
organisations a pulse command must be told which (one line listing them); linking the
Teams tenant into the Slack workspace's organisation makes one, recorded with who."""

from __future__ import annotations

import asyncio
import getpass
import json
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Person
from storage.people import PeopleRepository
from tests.cli.thrive_process import clean_env, thrive

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
WORKSPACES = {
    ("slack", "T0ONE", "First Hospital"): ["U1ANA", "U1BEN"],
    ("msteams", "tenant-1", ""): ["29:cat"],
}


async def _seed(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    async with database.transaction() as session:
        people = PeopleRepository(session)
        for (platform, external_id, name), user_ids in WORKSPACES.items():
            workspace = await people.workspace(platform, external_id, now=NOW, name=name)
            for user_id in user_ids:
                await people.add(
                    Person(
                        workspace_id=workspace.id,
                        platform_user_id=user_id,
                        display_name=user_id,
                        tags=[],
                        created_at=NOW,
                    )
                )
    await database.dispose()


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = thrive(*args, cwd=tmp_path, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(query))


def test_org_list_link_and_pulses_told_which_organisation(tmp_path: Path) -> None:
    path = tmp_path / "thrive.db"
    asyncio.run(_seed(path))
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{path}", THRIVE_LOG_FORMAT="json")

    listed = _run(tmp_path, env, "org", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "First Hospital",
        "  slack\tT0ONE\tFirst Hospital\t2 people",
        "tenant-1",
        "  msteams\ttenant-1\ttenant-1\t1 person",
    ]

    # Two organisations and no --org: refused in one line that lists them.
    several = _run(tmp_path, env, "pulse", "list")
    assert (several.returncode, several.stderr.strip()) == (
        1,
        "There are 2 organisations: say which with --org (a name, Slack team id or Teams "
        "tenant id): First Hospital (T0ONE); tenant-1 (tenant-1).",
    )
    # Created in the tenant's organisation, named by its tenant id.
    created = _run(
        tmp_path, env, "pulse", "create", "--org", "tenant-1", "--name", "Weekly",
        "--prompts", "joy-more",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    linked = _run(tmp_path, env, "org", "link", "tenant-1", "--into", "T0ONE")

    assert linked.returncode == 0, linked.stderr
    assert linked.stdout.splitlines() == [
        "Linked msteams tenant-1 into First Hospital (from tenant-1; pulses: 1).",
        "tenant-1 had no workspace left and was removed.",
    ]
    [(action, subject, detail)] = _rows(path, "SELECT action, subject, detail FROM audit_log")
    assert (action, subject) == ("organisation.link", "msteams:tenant-1")
    assert json.loads(str(detail))["by"] == getpass.getuser()
    # One organisation now: it is the default, and the tenant's pulse is in it.
    after = _run(tmp_path, env, "pulse", "list")
    assert after.returncode == 0, after.stderr
    assert [line.split("\t")[0] for line in after.stdout.splitlines()] == ["Weekly"]
    unknown = _run(tmp_path, env, "pulse", "list", "--org", "Elsewhere")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "There is no organisation or workspace Elsewhere. Organisations: "
        "First Hospital (T0ONE, tenant-1).",
    )
