"""idea pathway: card refs and notes to one person

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The leaders' card of an idea is updated in place on every pathway change, so its
message ref is kept; the submitter hears of each change through a notification
addressed to one person.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_ref", sa.JSON(), nullable=True))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_person_id_people"),
            "people",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_column("person_id")

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("card_ref")
