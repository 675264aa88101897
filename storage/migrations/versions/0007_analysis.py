"""Analysis: codes carry a confidence, answers their respondent's role and source,
themes their organisation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

- codings.confidence: how sure the coder was (NULL for a person's code, which wins).
- responses.role: the respondent's role when they answered, kept like `site` so the
  matrix can be broken down by role without linking an anonymous answer to a person.
- responses.source: `chat` for answers given to the bot, `import` for earlier data
  brought in from a file.
- themes.organisation_id: NULL for the shipped codebook; set for a theme one
  organisation accepted from its emerging themes, which no other organisation sees.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codings") as batch:
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("role", sa.String(length=30), nullable=True))
        batch.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="chat")
        )
    with op.batch_alter_table("themes") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_themes_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index("ix_codings_theme_id", "codings", ["theme_id"])
    op.create_index("ix_codings_response_id", "codings", ["response_id"])
    op.create_index(
        "ix_responses_organisation_id_prompt_id", "responses", ["organisation_id", "prompt_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_responses_organisation_id_prompt_id", "responses")
    op.drop_index("ix_codings_response_id", "codings")
    op.drop_index("ix_codings_theme_id", "codings")
    with op.batch_alter_table("themes") as batch:
        batch.drop_constraint("fk_themes_organisation_id_organisations", type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("source")
        batch.drop_column("role")
    with op.batch_alter_table("codings") as batch:
        batch.drop_column("confidence")
