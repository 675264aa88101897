"""saved conversations: where each Teams conversation lives, for proactive messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

A Teams message can only be sent or updated through the serviceUrl of its
conversation, which arrives with each activity. Keeping it in the database (not
only in memory) lets a restarted server post to the leaders' channel and update
cards it posted before the restart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("ref", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("platform", "conversation_id", name=op.f("uq_conversations_platform")),
    )
    op.create_index(
        "ix_conversations_platform_workspace",
        "conversations",
        ["platform", "workspace"],
        unique=False,
    )
    op.create_index(
        "ix_conversations_platform_user_id",
        "conversations",
        ["platform", "user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_platform_user_id", table_name="conversations")
    op.drop_index("ix_conversations_platform_workspace", table_name="conversations")
    op.drop_table("conversations")
