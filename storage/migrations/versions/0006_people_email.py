"""people.email: a person's address, when a platform tells us

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10

`thrive roles grant PERSON ROLE` finds a person by platform user id, email or
display name. Nullable: Slack gives it only with the users:read.email scope,
Teams only in some activities, and people met before this have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("email")
