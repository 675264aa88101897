"""The migrations build the whole schema the design describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.models import Base

# DESIGN.md, "Storage": the tables, in words, and the names they have.
DESIGNED_TABLES = {
    "workspaces",
    "people",
    "roles",
    "banks",
    "prompts",
    "pulses",
    "occurrences",
    "deliveries",
    "responses",
    "codings",
    "themes",
    "ideas",
    "idea_events",
    "idea_votes",
    "processed_events",
    "audit_log",
}


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _unique_constraints(connection: Connection) -> dict[str, list[list[str]]]:
    inspector = inspect(connection)
    return {
        table: [list(uc["column_names"]) for uc in inspector.get_unique_constraints(table)]
        for table in ("deliveries", "idea_votes", "processed_events")
    }


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_every_designed_table(any_db: Database) -> None:
    async with any_db.engine.connect() as connection:
        tables = await connection.run_sync(_table_names)

    assert tables >= DESIGNED_TABLES
    assert "alembic_version" in tables


async def test_migrations_create_the_unique_keys_that_prevent_duplicates(
    any_db: Database,
) -> None:
    async with any_db.engine.connect() as connection:
        unique = await connection.run_sync(_unique_constraints)

    assert ["occurrence_id", "person_id"] in unique["deliveries"]
    assert ["idea_id", "voter_key"] in unique["idea_votes"]
    assert ["platform", "event_id"] in unique["processed_events"]


async def test_the_migrated_schema_matches_the_models(any_db: Database) -> None:
    # A model change without a migration would work in tests built from the models
    # and fail on a real upgraded database.
    async with any_db.engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
