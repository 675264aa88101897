"""The outbox claims in (due time, id) order straight from an index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

- ix_deliveries_state_due_at_id replaces ix_deliveries_state_due_at: a fan-out's rows
  share one due time, so without the id in the index every claim of 100 read and sorted
  all of the fan-out's pending rows.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_state_due_at_id", "deliveries", ["state", "due_at", "id"])
    op.drop_index("ix_deliveries_state_due_at", "deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_state_due_at", "deliveries", ["state", "due_at"])
    op.drop_index("ix_deliveries_state_due_at_id", "deliveries")
