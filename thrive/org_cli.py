"""`thrive org ...`: the organisations on this server and the workspaces each owns.

A workspace (a Slack workspace, a Teams tenant, the local chat) starts as an
organisation of its own the first time it talks to Thrive; `link` joins it to another,
so one programme can span Slack and Teams. Linking is recorded in the audit log with
the operating-system user who ran it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.people.organisations import Linked, link_workspace, organisations
from storage.organisations import OrganisationSummary
from thrive.console import login_name, with_core
from thrive.runtime import Core

org_app = typer.Typer(help="Organisations: each owns one or more workspaces.", no_args_is_help=True)


@org_app.command("list")
def list_() -> None:
    """Every organisation with its workspaces: platform, id, name and people."""

    async def work(core: Core) -> list[OrganisationSummary]:
        async with core.database.transaction() as session:
            return await organisations(session)

    found = with_core(work)
    if not found:
        typer.echo("No organisation yet: one starts when a workspace first talks to Thrive.")
    for organisation in found:
        typer.echo(organisation.name)
        for workspace in organisation.workspaces:
            people = f"{workspace.people} {'person' if workspace.people == 1 else 'people'}"
            typer.echo(
                f"  {workspace.platform}\t{workspace.external_id}\t{workspace.name}\t{people}"
            )


@org_app.command("link")
def link(
    workspace: Annotated[
        str,
        typer.Argument(help="A Slack team id, a Teams tenant id, or a workspace's name."),
    ],
    into: Annotated[
        str,
        typer.Option(
            "--into",
            metavar="ORG",
            help="The organisation to join: its name, or the Slack team id or Teams "
            "tenant id of any of its workspaces.",
        ),
    ],
) -> None:
    """Move a workspace into another organisation.

    Its people's answers and ideas go with it; an organisation left with no workspace
    is merged in (pulses and all) and removed."""

    async def work(core: Core) -> Linked:
        async with core.database.transaction() as session:
            return await link_workspace(
                session, workspace, into, by=login_name() or "unknown", now=core.ctx.clock.now()
            )

    linked = with_core(work)
    moved = ", ".join(f"{kind}: {count}" for kind, count in linked.moved.items())
    typer.echo(
        f"Linked {linked.workspace} into {linked.joined} (from {linked.left}; "
        f"{moved or 'nothing else moved'})."
    )
    if linked.left_removed:
        typer.echo(f"{linked.left} had no workspace left and was removed.")
