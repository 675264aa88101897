"""Emerging themes: candidate themes clustered from answers no theme covers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

- emerging_themes: one organisation's candidates (top terms, the answers' ids) and what
  the wellness lead decided (accepted into a theme, merged into one, or dismissed).
  Kept apart from `themes` so neither the coder nor the matrix reads an undecided one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emerging_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("top_terms", sa.JSON(), nullable=False),
        sa.Column("response_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_emerging_themes_organisation_id_state",
        "emerging_themes",
        ["organisation_id", "state"],
    )


def downgrade() -> None:
    op.drop_index("ix_emerging_themes_organisation_id_state", "emerging_themes")
    op.drop_table("emerging_themes")
