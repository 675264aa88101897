"""`thrive roles grant|revoke|list` as a real process against a SQLite file: the first
admin comes from here; people are named by user id, email or display name; an
ambiguous or unknown name changes nothing; every change is in the audit log."""

from __future__ import annotations

import asyncio
import getpass
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main

from bot.people.permissions import CLI_PERMISSIONS
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Person
from storage.people import PeopleRepository
from storage.roles import RoleRepository
from tests.cli.thrive_process import env_on_a_copy, rows, thrive
from thrive.cli import app

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
# (platform, workspace, user id, display name, email)
PEOPLE = [
    ("local", "local", "amara", "Dr Amara Okafor", "amara.okafor@riverside.example"),
    ("local", "local", "sam", "Sam Patel", None),
    ("slack", "T0RIVER", "U02SAM", "Sam Patel", "sam.patel@riverside.example"),
    ("teams", "tenant-1", "29:lee", "Lee Chen", None),
]


async def _seed(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    async with database.transaction() as session:
        people = PeopleRepository(session)
        for platform, external_id, user_id, name, email in PEOPLE:
            workspace = await people.workspace(platform, external_id, now=NOW)
            person = await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=user_id,
                    display_name=name,
                    email=email,
                    tags=[],
                    created_at=NOW,
                )
            )
            await RoleRepository(session).starting_role(person, "clinician", now=NOW)
    await database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roles-cli") / "seed.db"
    asyncio.run(_seed(path))
    return path


@pytest.fixture
def env(tmp_path: Path, seeded: Path) -> dict[str, str]:
    return env_on_a_copy(seeded, tmp_path)


def roles(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return thrive("roles", *args, cwd=tmp_path, env=env)


def _grants(env: dict[str, str]) -> list[tuple[object, ...]]:
    return rows(
        env,
        "SELECT people.platform_user_id, roles.role, roles.granted_by_id FROM roles "
        "JOIN people ON people.id = roles.person_id ORDER BY people.id, roles.role",
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout.strip()


def test_the_first_admin_by_email_recorded_with_the_operator(
    tmp_path: Path, env: dict[str, str]
) -> None:
    granted = roles(tmp_path, env, "grant", "AMARA.OKAFOR@riverside.example", "admin")
    again = roles(tmp_path, env, "grant", "amara", "admin")

    assert _ok(granted) == "Done: Dr Amara Okafor now has the admin role."
    assert _ok(again) == "Dr Amara Okafor already has the admin role."
    assert ("amara", "admin", None) in _grants(env)
    [(action, actor, subject, detail, operator)] = rows(
        env, "SELECT action, actor_id, subject, detail, operator FROM audit_log"
    )
    assert (action, actor, subject) == ("role.granted", None, "person:1")
    recorded = json.loads(str(detail))
    assert (recorded["role"], recorded["via"]) == ("admin", "cli")
    assert operator == getpass.getuser()  # the login name of whoever ran it
    # She hears what the role lets her do, once, in chat (the running server sends it).
    [(body,)] = rows(env, "SELECT body FROM notifications WHERE person_id = 1")
    said = json.loads(str(body))["text"]
    assert said.startswith("You now have the admin role here. Hi, I'm Thrive. As an admin")


def test_an_ambiguous_name_lists_the_matches_and_changes_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    before = _grants(env)

    result = roles(tmp_path, env, "grant", "sam patel", "leader")

    assert result.returncode == 1, result.stdout
    assert result.stderr.strip().splitlines() == [
        "2 people match 'sam patel'; nothing was changed.",
        "  Sam Patel: local, workspace local, user id sam",
        "  Sam Patel: slack, workspace T0RIVER, user id U02SAM",
        "Name one by their user id (or email).",
    ]
    assert _grants(env) == before
    # Named by email, the Slack one is meant.
    assert _ok(roles(tmp_path, env, "grant", "sam.patel@riverside.example", "leader")).startswith(
        "Done: Sam Patel"
    )


def test_someone_unknown_is_said_so_and_nothing_changes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    before = _grants(env)

    result = roles(tmp_path, env, "revoke", "nobody@example.org", "leader")

    assert result.returncode == 1
    assert result.stderr.strip() == "No one matches 'nobody@example.org': nothing was changed."
    assert result.stdout == ""
    assert _grants(env) == before


def test_an_unknown_role_is_a_usage_error(tmp_path: Path, env: dict[str, str]) -> None:
    result = roles(tmp_path, env, "grant", "amara", "boss")

    assert result.returncode == 2
    assert "'boss' is not a role" in result.stderr
    assert "Traceback" not in result.stderr


def test_revoke_keeps_the_last_admin_and_records_who_and_when(
    tmp_path: Path, env: dict[str, str]
) -> None:
    _ok(roles(tmp_path, env, "grant", "amara", "admin"))

    last = roles(tmp_path, env, "revoke", "amara", "admin")
    _ok(roles(tmp_path, env, "grant", "29:lee", "admin"))
    revoked = roles(tmp_path, env, "revoke", "amara", "admin")
    not_held = roles(tmp_path, env, "revoke", "amara", "admin")

    assert last.returncode == 1
    assert last.stderr.strip() == (
        "Dr Amara Okafor is the last admin, so the role stays: make someone else an admin first."
    )
    assert _ok(revoked) == "Done: Dr Amara Okafor no longer has the admin role."
    assert _ok(not_held) == (
        "Dr Amara Okafor doesn't have the admin role, so there was nothing to take away."
    )
    actions = [row[0] for row in rows(env, "SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["role.granted", "role.granted", "role.revoked"]


def test_a_user_id_or_a_name_any_case_then_the_list_and_one_role(
    tmp_path: Path, env: dict[str, str]
) -> None:
    by_id = roles(tmp_path, env, "grant", "29:lee", "leader")
    by_name = roles(tmp_path, env, "grant", "dr amara OKAFOR", "wellness lead")

    everyone = _ok(roles(tmp_path, env, "list")).splitlines()
    leaders = _ok(roles(tmp_path, env, "list", "--role", "leader")).splitlines()
    admins = _ok(roles(tmp_path, env, "list", "--role", "admin"))

    assert _ok(by_id) == "Done: Lee Chen now has the leader role."
    assert _ok(by_name) == "Done: Dr Amara Okafor now has the wellness lead role."
    assert everyone[0].split() == ["NAME", "PLATFORM", "WORKSPACE", "USER", "ID", "EMAIL", "ROLES"]
    assert [line.split()[-1] for line in everyone[1:]] == [
        "clinician,wellness_lead",
        "clinician,leader",
        "clinician",
        "clinician",
    ]
    assert everyone[1].split()[:3] == ["Dr", "Amara", "Okafor"]
    assert "amara.okafor@riverside.example" in everyone[1]
    assert len(leaders) == 2
    assert leaders[1].split()[:5] == ["Lee", "Chen", "teams", "tenant-1", "29:lee"]
    assert leaders[1].split()[-2:][1] == "-"  # granted from the CLI, by no person
    assert admins == "No one has the admin role."


def test_every_cli_command_is_in_the_permission_table() -> None:
    """A new `thrive` command must say which permission it amounts to."""

    def verbs(command: Any, prefix: str = "") -> list[str]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            return [prefix]
        # A group that does something of its own (`analysis emerging` lists) is a verb too.
        own = [prefix] if getattr(command, "invoke_without_command", False) else []
        return own + [
            verb for name, sub in subcommands.items() for verb in verbs(sub, f"{prefix} {name}")
        ]

    found = {verb.strip() for verb in verbs(typer.main.get_command(app))}

    assert found == set(CLI_PERMISSIONS)
