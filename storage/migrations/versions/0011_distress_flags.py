"""Distress flags: answers and ideas the safety net answered with care

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

- responses.distress, ideas.distress: set when the distress safety net found signs of
  acute distress or self-harm in the text (bot/privacy/distress.py). Such answers stay
  out of quotes, emerging themes' examples and exports; such ideas out of leaders' sight.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("responses", "ideas"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("distress", sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    for table in ("responses", "ideas"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("distress")
