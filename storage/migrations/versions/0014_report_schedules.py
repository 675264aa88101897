"""Report schedules: the summary a wellness lead has posted to the leaders

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

- report_schedules: one per organisation at most; how often (week or month), when the
  next is due, and who set it (NULL once that person is gone).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("every", sa.String(length=10), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id"),
    )
    op.create_index("ix_report_schedules_next_at", "report_schedules", ["next_at"])


def downgrade() -> None:
    op.drop_index("ix_report_schedules_next_at", "report_schedules")
    op.drop_table("report_schedules")
