"""The audit log is append-only: no code path updates or deletes an entry, and the
database itself refuses to, on SQLite and PostgreSQL. Entries are read back by
organisation, time and actor."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import AuditEntry
from tests.storage.storage_rows import NOW, add_person, local_organisation

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'rewritten'",
        "UPDATE audit_log SET actor_id = NULL",
        "DELETE FROM audit_log",
    ],
)
async def test_the_database_refuses_to_change_or_remove_an_audit_entry(
    any_db: Database, statement: str
) -> None:
    async with any_db.transaction() as session:
        await AuditRepository(session).add("answers.view_own", now=NOW, actor_id=7)

    with pytest.raises(DBAPIError, match="append-only"):
        async with any_db.transaction() as session:
            await session.execute(text(statement))

    async with any_db.transaction() as session:
        [entry] = await AuditRepository(session).entries(AuditFilter())
    assert (entry.action, entry.actor_id) == ("answers.view_own", 7)


async def test_removing_a_person_leaves_their_audit_entries_as_written(any_db: Database) -> None:
    async with any_db.transaction() as session:
        leaving = await add_person(session, "leaving")
        await AuditRepository(session).add("answers.forget", now=NOW, actor_id=leaving.id)
        leaving_id = leaving.id

    async with any_db.transaction() as session:
        person = await session.get(type(leaving), leaving_id)
        await session.delete(person)

    async with any_db.transaction() as session:
        [entry] = await AuditRepository(session).entries(AuditFilter())
    assert (entry.action, entry.actor_id) == ("answers.forget", leaving_id)


def test_no_code_updates_or_deletes_an_audit_entry() -> None:
    """No update() or delete() of AuditEntry, no session.delete of one, no SQL naming
    audit_log beside UPDATE or DELETE, anywhere in storage/ or bot/; and the repository
    offers only adding and reading."""
    found = []
    for package in ("storage", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # the migration creates the trigger that refuses both
            source = path.read_text()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Call) and _name(node.func) in {"update", "delete"}:
                    arguments = [_name(argument) for argument in node.args]
                    if "AuditEntry" in arguments:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            lowered = " ".join(source.lower().split())
            for verb in ("update audit_log", "delete from audit_log", "truncate audit_log"):
                if verb in lowered:
                    found.append(f"{path.relative_to(ROOT)}: {verb}")
    assert found == []
    methods = {name for name in vars(AuditRepository) if not name.startswith("__")}
    assert methods == {"add", "entries"}


async def test_entries_are_read_by_organisation_time_and_actor(any_db: Database) -> None:
    async with any_db.transaction() as session:
        organisation = await local_organisation(session)
        audit = AuditRepository(session)
        await audit.add("pulse.sent", now=NOW - timedelta(days=2), organisation_id=organisation)
        await audit.add("idea.moved", now=NOW, organisation_id=organisation, actor_id=3)
        await audit.add("role.granted", now=NOW, operator="root")
        await audit.add("idea.moved", now=NOW, organisation_id=organisation + 1, actor_id=3)

    async with any_db.transaction() as session:
        audit = AuditRepository(session)

        def actions(entries: object) -> list[str]:
            assert isinstance(entries, list | tuple)
            return [entry.action for entry in entries if isinstance(entry, AuditEntry)]

        ours = list(await audit.entries(AuditFilter(organisation_id=organisation)))
        assert actions(ours) == ["idea.moved", "pulse.sent"]  # the newest first
        since = list(await audit.entries(AuditFilter(since=NOW - timedelta(hours=1))))
        assert len(since) == 3
        by_three = list(await audit.entries(AuditFilter(actor_ids=[3])))
        assert {entry.organisation_id for entry in by_three} == {organisation, organisation + 1}
        by_root = list(await audit.entries(AuditFilter(operator="root")))
        assert actions(by_root) == ["role.granted"]


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
