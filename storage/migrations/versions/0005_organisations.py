"""organisations: every workspace belongs to one, and every row it owns carries it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Existing rows are carried over: each workspace becomes an organisation of its own,
named after it; rows linked to a workspace (ideas, people's answers, notifications to
a person or a workspace) follow it, votes follow their idea, occurrences their pulse
(or, without one, their first recipient's workspace). Rows with no link (pulses, which
were global) go to the organisation of the lowest-id workspace, or to a "Default"
organisation created for them when there is no workspace at all. Pulse names become
unique per organisation. An idea's one leaders' card ref becomes a list (one card per
workspace of its organisation), each naming its workspace.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DEFAULT_NAME = "Default"
# Every table whose rows belong to an organisation, with whether the column is indexed.
OWNED = {
    "workspaces": True,
    "pulses": False,  # the unique key (organisation_id, name) serves as its index
    "occurrences": True,
    "responses": True,
    "ideas": False,  # indexed with the state, for the triage queue
    "idea_votes": True,
    "notifications": True,
}

organisations = sa.table(
    "organisations",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
workspaces = sa.table(
    "workspaces",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("external_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("organisation_id", sa.Integer),
)
ideas = sa.table(
    "ideas",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("card_ref", sa.JSON),
    sa.column("card_refs", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_refs", sa.JSON(), nullable=True))

    _carry_over(op.get_bind())

    for table, indexed in OWNED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_organisation_id_organisations"),
                "organisations",
                ["organisation_id"],
                ["id"],
            )
            if indexed:
                batch_op.create_index(
                    op.f(f"ix_{table}_organisation_id"), ["organisation_id"], unique=False
                )
            if table == "pulses":
                batch_op.drop_constraint(op.f("uq_pulses_name"), type_="unique")
                batch_op.create_unique_constraint(
                    op.f("uq_pulses_organisation_id"), ["organisation_id", "name"]
                )
            if table == "ideas":
                batch_op.create_index(
                    "ix_ideas_organisation_id_state", ["organisation_id", "state"], unique=False
                )
                batch_op.alter_column("card_refs", existing_type=sa.JSON(), nullable=False)
                batch_op.drop_column("card_ref")


def _carry_over(bind: Connection) -> None:
    now = datetime.now(UTC)
    taken: set[str] = set()
    found = bind.execute(
        sa.select(workspaces.c.id, workspaces.c.name, workspaces.c.external_id).order_by(
            workspaces.c.id
        )
    ).all()
    for workspace_id, name, external_id in found:
        organisation_id = _add_organisation(bind, _free_name(name or external_id, taken), now)
        bind.execute(
            workspaces.update()
            .where(workspaces.c.id == workspace_id)
            .values(organisation_id=organisation_id)
        )
    default = None
    if found:
        default = bind.execute(
            sa.select(workspaces.c.organisation_id).where(workspaces.c.id == found[0][0])
        ).scalar_one()
    follow = [
        # Ideas: the workspace they were raised in.
        "UPDATE ideas SET organisation_id = (SELECT w.organisation_id FROM workspaces w "
        "WHERE w.id = ideas.workspace_id)",
        "UPDATE idea_votes SET organisation_id = (SELECT i.organisation_id FROM ideas i "
        "WHERE i.id = idea_votes.idea_id)",
        # Answers linked to a person: that person's workspace.
        "UPDATE responses SET organisation_id = (SELECT w.organisation_id FROM people p "
        "JOIN workspaces w ON w.id = p.workspace_id WHERE p.id = responses.person_id) "
        "WHERE person_id IS NOT NULL",
        # Notifications: the person they are for, or the workspace they are posted in.
        "UPDATE notifications SET organisation_id = (SELECT w.organisation_id FROM people p "
        "JOIN workspaces w ON w.id = p.workspace_id WHERE p.id = notifications.person_id) "
        "WHERE person_id IS NOT NULL",
        "UPDATE notifications SET organisation_id = (SELECT w.organisation_id FROM workspaces w "
        "WHERE w.platform = notifications.platform AND w.external_id = notifications.workspace) "
        "WHERE organisation_id IS NULL",
    ]
    for statement in follow:
        bind.execute(sa.text(statement))
    if _any_unowned(bind, "pulses") or _any_unowned(bind, "occurrences", "pulse_id IS NULL"):
        default = default or _add_organisation(bind, _free_name(DEFAULT_NAME, taken), now)
    if default is not None:
        bind.execute(sa.text("UPDATE pulses SET organisation_id = :o"), {"o": default})
    # Occurrences: their pulse's; without one, their first recipient's workspace's.
    bind.execute(
        sa.text(
            "UPDATE occurrences SET organisation_id = (SELECT p.organisation_id FROM pulses p "
            "WHERE p.id = occurrences.pulse_id) WHERE pulse_id IS NOT NULL"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE occurrences SET organisation_id = (SELECT w.organisation_id FROM deliveries d "
            "JOIN people p ON p.id = d.person_id JOIN workspaces w ON w.id = p.workspace_id "
            "WHERE d.occurrence_id = occurrences.id ORDER BY d.id LIMIT 1) "
            "WHERE organisation_id IS NULL"
        )
    )
    # Anonymous answers: their occurrence's.
    bind.execute(
        sa.text(
            "UPDATE responses SET organisation_id = (SELECT o.organisation_id FROM occurrences o "
            "WHERE o.id = responses.occurrence_id) WHERE organisation_id IS NULL"
        )
    )
    unowned = [table for table in OWNED if _any_unowned(bind, table)]
    if unowned:
        default = default or _add_organisation(bind, _free_name(DEFAULT_NAME, taken), now)
        for table in unowned:
            bind.execute(
                sa.text(f"UPDATE {table} SET organisation_id = :o WHERE organisation_id IS NULL"),
                {"o": default},
            )
    _cards_per_workspace(bind)


def _cards_per_workspace(bind: Connection) -> None:
    """The one card ref becomes a list of one, naming the workspace it was posted for."""
    found = bind.execute(
        sa.select(ideas.c.id, ideas.c.card_ref, workspaces.c.external_id).join(
            workspaces, workspaces.c.id == ideas.c.workspace_id
        )
    ).all()
    for idea_id, card_ref, external_id in found:
        refs: list[dict[str, Any]] = []
        if card_ref:
            refs = [{**card_ref, "workspace": external_id}]
        bind.execute(ideas.update().where(ideas.c.id == idea_id).values(card_refs=refs))


def _any_unowned(bind: Connection, table: str, also: str = "") -> bool:
    where = "organisation_id IS NULL" + (f" AND {also}" if also else "")
    return bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1")).first() is not None


def _free_name(wanted: str, taken: set[str]) -> str:
    """The name, or the name with the first free " (2)", " (3)"... after it."""
    base = (wanted.strip() or DEFAULT_NAME)[:190]
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        name = f"{base} ({number})"
    taken.add(name.casefold())
    return name


def _add_organisation(bind: Connection, name: str, now: datetime) -> int:
    bind.execute(organisations.insert().values(name=name, created_at=now))
    return int(
        bind.execute(sa.select(organisations.c.id).where(organisations.c.name == name)).scalar_one()
    )


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_ref", sa.JSON(), nullable=True))
    bind = op.get_bind()
    for idea_id, refs in bind.execute(sa.select(ideas.c.id, ideas.c.card_refs)).all():
        if refs:
            first = {key: value for key, value in refs[0].items() if key != "workspace"}
            bind.execute(ideas.update().where(ideas.c.id == idea_id).values(card_ref=first))
    for table, indexed in reversed(OWNED.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "ideas":
                batch_op.drop_column("card_refs")
                batch_op.drop_index("ix_ideas_organisation_id_state")
            if table == "pulses":
                batch_op.drop_constraint(op.f("uq_pulses_organisation_id"), type_="unique")
                batch_op.create_unique_constraint(op.f("uq_pulses_name"), ["name"])
            if indexed:
                batch_op.drop_index(op.f(f"ix_{table}_organisation_id"))
            batch_op.drop_constraint(
                op.f(f"fk_{table}_organisation_id_organisations"), type_="foreignkey"
            )
            batch_op.drop_column("organisation_id")
    op.drop_table("organisations")
