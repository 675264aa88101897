"""The outbox finds due reminders from an index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

- ix_deliveries_reminder_due_at_id: every claim that finds fewer due prompts than it may
  take (the end of each fan-out, and every idle turn of the outbox) looks for due
  reminders; without an index that read every sent row there has ever been.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_reminder_due_at_id", "deliveries", ["reminder_due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_reminder_due_at_id", "deliveries")
