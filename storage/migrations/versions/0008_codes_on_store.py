"""Codes on store: ideas are coded, and a person's review of an answer's codes is kept

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

- idea_codings: the themes an idea speaks of, like codings for answers (an idea from
  `idea <text>` or an anonymous idea prompt has no answer row to carry them).
- responses.reviewed_at: when a person last confirmed or corrected the answer's codes;
  from then on its `person` codings are its codes, even none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idea_codings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_codings_idea_id_ideas", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name="fk_idea_codings_theme_id_themes"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_idea_codings"),
        sa.UniqueConstraint("idea_id", "theme_id", "source", name="uq_idea_codings_idea_id"),
    )
    op.create_index("ix_idea_codings_idea_id", "idea_codings", ["idea_id"])
    op.create_index("ix_idea_codings_theme_id", "idea_codings", ["theme_id"])
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("reviewed_at")
    op.drop_index("ix_idea_codings_theme_id", "idea_codings")
    op.drop_index("ix_idea_codings_idea_id", "idea_codings")
    op.drop_table("idea_codings")
