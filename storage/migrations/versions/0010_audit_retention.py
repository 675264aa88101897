"""Audit log append-only and per organisation; answers and ideas purged after retention

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

- audit_log.organisation_id: whose data was seen or changed (NULL for the operator's
  installation-wide commands). No foreign key: an organisation removed when it is
  emptied must not rewrite the log.
- audit_log.operator: the operating-system login of whoever ran a `thrive` command.
- audit_log.actor_id loses its foreign key. With `ON DELETE SET NULL`, removing a
  person would UPDATE their audit rows, and the log refuses every UPDATE. The id stays
  as it was written: once the person is gone it names no one (ids are never reused
  while the row exists, and the person's name was never copied into the log).
- A trigger on each database refuses UPDATE and DELETE on audit_log: no code path, and
  no hand-written SQL through the app's connection, can rewrite history.
- responses.purged_at and ideas.purged_at: when retention removed the text (the codes,
  scale values and choices stay, so counts are unchanged).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit log is append-only"

POSTGRES_UP = (
    f"""
    CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}';
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)
SQLITE_UP = tuple(
    f"""
    CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
    """
    for verb in ("UPDATE", "DELETE")
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("fk_audit_log_actor_id_people", type_="foreignkey")
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("operator", sa.String(length=100), nullable=True))
    op.create_index("ix_audit_log_organisation_id", "audit_log", ["organisation_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    # After the batch above: SQLite's batch mode rebuilds the table, which drops triggers.
    for statement in POSTGRES_UP if _postgres() else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRES_DOWN if _postgres() else SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("purged_at")
    op.drop_index("ix_audit_log_created_at", "audit_log")
    op.drop_index("ix_audit_log_organisation_id", "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("operator")
        batch.drop_column("organisation_id")
        batch.create_foreign_key(
            "fk_audit_log_actor_id_people", "people", ["actor_id"], ["id"], ondelete="SET NULL"
        )


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
