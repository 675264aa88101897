"""The pathway finished: merged ideas and their submitters, digests and nudges

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

- ideas.merged_into_id: the idea this one was merged into (it keeps its own history).
- ideas.similar_to_id: the open idea it looked like when it came in ("looks like #12");
  a hint only, so no foreign key (the other idea may be withdrawn).
- idea_supporters: people who sent the same idea (carried over by a merge), told of
  every move like the submitter; `anonymous` as they sent it.
- people.digest_off: the person said `digest off` ("you said, we did").
- digest_schedules: how often an organisation's digest goes, and when next.
- pathway_mailings: one row per organisation, kind (digest, nudge) and period: a job
  firing twice finds the row and sends nothing twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("similar_to_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_ideas_merged_into_id_ideas",
            "ideas",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("digest_off", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "idea_supporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_supporters_idea_id_ideas", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_idea_supporters_person_id_people",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_idea_supporters"),
        sa.UniqueConstraint("idea_id", "person_id", name="uq_idea_supporters_idea_id"),
    )
    op.create_table(
        "digest_schedules",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_digest_schedules_organisation_id_organisations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name="pk_digest_schedules"),
    )
    op.create_table(
        "pathway_mailings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_pathway_mailings_organisation_id_organisations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pathway_mailings"),
        sa.UniqueConstraint(
            "organisation_id", "kind", "period", name="uq_pathway_mailings_organisation_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("pathway_mailings")
    op.drop_table("digest_schedules")
    op.drop_table("idea_supporters")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("digest_off")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint("fk_ideas_merged_into_id_ideas", type_="foreignkey")
        batch.drop_column("similar_to_id")
        batch.drop_column("merged_into_id")
