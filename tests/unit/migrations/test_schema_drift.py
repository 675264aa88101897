"""The Alembic migrations and the models describe the same schema.

A model change without a migration would work in tests that create tables from
the models and then fail on a real upgraded database; this catches it.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgraded_database_matches_the_models(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
