"""Migration 0005 carries a database at 0004, rows and all, over to organisations:
each workspace its own, linked rows following their workspace, the rest to the first
workspace's (or a "Default" one), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database
from storage.migrate import downgrade, upgrade
from tests.conftest import postgres_url, reset_postgres

AT = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
WHEN = sa.DateTime(timezone=True)

JSON_COLUMNS = {"spec", "tags", "prompt_ids", "audience", "redactions", "card_ref", "body"}
# The NOT NULL columns each row needs besides those the tests give.
DEFAULTS: dict[str, dict[str, Any]] = {
    "workspaces": {"default_timezone": "UTC", "created_at": AT},
    "people": {"tags": [], "paused": False, "gone": False, "created_at": AT},
    "pulses": {"created_at": AT, "prompts_per_occurrence": 1, "rotation_index": 0},
    "occurrences": {"opened_at": AT},
    "deliveries": {"due_at": AT, "attempts": 0},
    "responses": {"redactions": [], "created_at": AT, "updated_at": AT},
    "ideas": {"created_at": AT, "updated_at": AT},
    "idea_votes": {"created_at": AT},
    "notifications": {"due_at": AT, "attempts": 0, "created_at": AT},
}


def _table(name: str, columns: set[str]) -> sa.TableClause:
    def typed(column: str) -> sa.ColumnClause[Any]:
        if column in JSON_COLUMNS:
            return sa.column(column, sa.JSON)
        return sa.column(column, WHEN if column.endswith("_at") else None)

    return sa.table(name, *(typed(column) for column in sorted(columns)))


async def _insert(conn: AsyncConnection, name: str, *rows: dict[str, Any]) -> None:
    for row in rows:
        values = {**DEFAULTS.get(name, {}), **row}
        await conn.execute(_table(name, set(values)).insert().values(**values))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database migrated to the revision before organisations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = postgres_url()
        await reset_postgres(url)
    database = Database(url)
    await upgrade(database, "0004")
    yield database
    await database.dispose()


async def _rows(database: Database, sql: str) -> list[tuple[Any, ...]]:
    async with database.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(sa.text(sql))).all()]


async def _two_workspaces_with_rows(database: Database) -> None:
    async with database.engine.begin() as conn:
        await _insert(conn, "banks", {"id": "guide", "name": "Guide", "description": ""})
        await _insert(
            conn,
            "prompts",
            {
                "id": "joy-more",
                "bank_id": "guide",
                "position": 1,
                "text": "What would bring you more joy?",
                "kind": "free_text",
                "optional": False,
                "spec": {},
            },
        )
        # Two workspaces named alike: the second organisation gets a suffix.
        await _insert(
            conn,
            "workspaces",
            {"id": 7, "platform": "slack", "external_id": "T1", "name": "General"},
            {"id": 9, "platform": "msteams", "external_id": "tenant-1", "name": "general"},
        )
        await _insert(
            conn,
            "people",
            {"id": 1, "workspace_id": 7, "platform_user_id": "U1", "display_name": "Ana"},
            {"id": 2, "workspace_id": 9, "platform_user_id": "29:b", "display_name": "Ben"},
        )
        await _insert(
            conn,
            "pulses",
            {
                "id": 1,
                "name": "Weekly",
                "prompt_ids": ["joy-more"],
                "audience": {},
                "close_after_days": 7,
                "anonymity": "confidential",
                "paused": False,
            },
        )
        await _insert(
            conn,
            "occurrences",
            {"id": 1, "pulse_id": 1, "prompt_ids": ["joy-more"], "anonymity": "confidential"},
            # Sent by hand (no pulse) to Ben only: it follows Ben's workspace.
            {"id": 2, "pulse_id": None, "prompt_ids": ["joy-more"], "anonymity": "anonymous"},
        )
        await _insert(
            conn,
            "deliveries",
            {"id": 1, "occurrence_id": 1, "person_id": 1, "state": "answered", "next_index": 1},
            {"id": 2, "occurrence_id": 1, "person_id": 2, "state": "sent", "next_index": 0},
            {"id": 3, "occurrence_id": 2, "person_id": 2, "state": "answered", "next_index": 1},
        )
        await _insert(
            conn,
            "responses",
            {"id": 1, "occurrence_id": 1, "prompt_id": "joy-more", "person_id": 2},
            {"id": 2, "occurrence_id": 2, "prompt_id": "joy-more", "person_id": None},
        )
        await _insert(
            conn,
            "ideas",
            {
                "id": 1,
                "workspace_id": 9,
                "text": "Scribes",
                "state": "submitted",
                "source": "command",
                "anonymous": False,
                "card_ref": {"platform": "msteams", "conversation_id": "19:l", "message_id": "m1"},
            },
        )
        await _insert(conn, "idea_votes", {"id": 1, "idea_id": 1, "voter_key": "k"})
        await _insert(
            conn,
            "notifications",
            {
                "id": 1,
                "platform": "msteams",
                "workspace": "tenant-1",
                "audience": "leaders",
                "person_id": None,
                "body": {},
                "state": "sent",
            },
            {
                "id": 2,
                "platform": "slack",
                "workspace": "T1",
                "audience": "person",
                "person_id": 1,
                "body": {},
                "state": "pending",
            },
        )


async def test_each_workspace_becomes_an_organisation_and_its_rows_follow_it(
    at_0004: Database,
) -> None:
    await _two_workspaces_with_rows(at_0004)

    await upgrade(at_0004)

    organisations = await _rows(at_0004, "SELECT id, name FROM organisations ORDER BY id")
    assert [name for _id, name in organisations] == ["General", "general (2)"]
    first, second = (organisation_id for organisation_id, _name in organisations)
    assert await _rows(at_0004, "SELECT id, organisation_id FROM workspaces ORDER BY id") == [
        (7, first),
        (9, second),
    ]
    # People and their deliveries survived the tables being rebuilt.
    assert await _rows(at_0004, "SELECT count(*) FROM people") == [(2,)]
    assert await _rows(at_0004, "SELECT count(*) FROM deliveries") == [(3,)]
    # The global pulse goes to the lowest-id workspace's organisation, its occurrence too;
    # the hand-sent occurrence follows its recipient.
    assert await _rows(at_0004, "SELECT organisation_id FROM pulses") == [(first,)]
    assert await _rows(at_0004, "SELECT id, organisation_id FROM occurrences ORDER BY id") == [
        (1, first),
        (2, second),
    ]
    # Ben's answer follows Ben; the anonymous one its occurrence.
    assert await _rows(at_0004, "SELECT id, organisation_id FROM responses ORDER BY id") == [
        (1, second),
        (2, second),
    ]
    assert await _rows(at_0004, "SELECT organisation_id FROM ideas") == [(second,)]
    assert await _rows(at_0004, "SELECT organisation_id FROM idea_votes") == [(second,)]
    assert await _rows(at_0004, "SELECT id, organisation_id FROM notifications ORDER BY id") == [
        (1, second),
        (2, first),
    ]

    async with at_0004.engine.connect() as conn:
        refs = (
            await conn.execute(
                sa.select(sa.column("card_refs", sa.JSON)).select_from(sa.table("ideas"))
            )
        ).scalar_one()
    assert refs == [
        {
            "platform": "msteams",
            "conversation_id": "19:l",
            "message_id": "m1",
            "workspace": "tenant-1",
        }
    ]


async def test_pulse_names_are_unique_per_organisation_after_the_upgrade(
    at_0004: Database,
) -> None:
    await _two_workspaces_with_rows(at_0004)
    await upgrade(at_0004)
    second = (await _rows(at_0004, "SELECT id FROM organisations ORDER BY id DESC"))[0][0]
    row = {
        "name": "Weekly",
        "prompt_ids": ["joy-more"],
        "audience": {},
        "close_after_days": 7,
        "anonymity": "confidential",
        "paused": False,
    }
    async with at_0004.engine.begin() as conn:
        await _insert(conn, "pulses", {"id": 2, "organisation_id": second, **row})
    with pytest.raises(sa.exc.IntegrityError):
        async with at_0004.engine.begin() as conn:
            await _insert(conn, "pulses", {"id": 3, "organisation_id": second, **row})


async def test_rows_with_no_workspace_at_all_go_to_a_default_organisation(
    at_0004: Database,
) -> None:
    async with at_0004.engine.begin() as conn:
        await _insert(
            conn,
            "pulses",
            {
                "id": 1,
                "name": "Weekly",
                "prompt_ids": ["joy-more"],
                "audience": {},
                "close_after_days": 7,
                "anonymity": "confidential",
                "paused": False,
            },
        )

    await upgrade(at_0004)

    [(organisation_id, name)] = await _rows(at_0004, "SELECT id, name FROM organisations")
    assert name == "Default"
    assert await _rows(at_0004, "SELECT organisation_id FROM pulses") == [(organisation_id,)]


async def test_an_empty_database_gets_no_organisation(at_0004: Database) -> None:
    await upgrade(at_0004)

    assert await _rows(at_0004, "SELECT id FROM organisations") == []


async def test_the_upgrade_can_be_undone(at_0004: Database) -> None:
    await _two_workspaces_with_rows(at_0004)
    await upgrade(at_0004)

    await downgrade(at_0004, "0004")

    assert await _rows(at_0004, "SELECT count(*) FROM people") == [(2,)]
    async with at_0004.engine.connect() as conn:
        card = (
            await conn.execute(
                sa.select(sa.column("card_ref", sa.JSON)).select_from(sa.table("ideas"))
            )
        ).scalar_one()
    assert card == {"platform": "msteams", "conversation_id": "19:l", "message_id": "m1"}


def test_the_migrations_form_one_line() -> None:
    # Two branches each adding a revision after the same one leave two heads, and
    # `upgrade head` then refuses to run: the later one must revise the earlier.
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
