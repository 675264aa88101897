"""pulses: schedules in local time, rotation, sampling, reminders and reasons

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

A scheduled occurrence gets a unique key (pulse, zone, local day) so a job that fires
twice opens one occurrence; deliveries record why they were deferred or skipped and
their one reminder; people may keep or drop quiet weekends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_deliveries_person_id_sent_at", ["person_id", "sent_at"], unique=False
        )

    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_occurrences_key"), ["key"])

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_weekends", sa.Boolean(), nullable=True))

    with op.batch_alter_table("pulses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("days_of_week", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("anchor_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("prompts_per_occurrence", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("rotation_index", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("sample_fraction", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pulses", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("sample_fraction")
        batch_op.drop_column("rotation_index")
        batch_op.drop_column("prompts_per_occurrence")
        batch_op.drop_column("anchor_date")
        batch_op.drop_column("days_of_week")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("quiet_weekends")

    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_occurrences_key"), type_="unique")
        batch_op.drop_column("key")
        batch_op.drop_column("zone")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_person_id_sent_at")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("reminder_due_at")
        batch_op.drop_column("reason")
