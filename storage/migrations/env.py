"""Alembic environment: always handed a live connection by storage.migrate."""

from __future__ import annotations

from alembic import context

from storage.models import Base

FOREIGN_TABLES = ("slack_", "apscheduler_")


def _ours(name: str | None, type_: str, _parent_names: object) -> bool:
    """slack_sdk (installations) and APScheduler (its job store) keep their tables in the
    same database under their own schema; autogenerate must neither create nor drop them."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLES))


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `thrive db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=_ours,
)
with context.begin_transaction():
    context.run_migrations()
