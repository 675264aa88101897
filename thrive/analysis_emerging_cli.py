"""`thrive analysis emerging [accept|merge|dismiss ID]`: the candidate themes clustered
from answers no theme covers, and the wellness lead's decision on each.

    $ thrive analysis emerging
    Emerging themes (1): answers no theme covers yet, grouped by their words.
    #3: parking, spaces, garage, car, permits (30 answers)
      “Parking is a nightmare on the north site”
    $ thrive analysis emerging accept 3 --label Parking

Listing shows example answers, a raw-data view: it is written to the audit log with the
operating-system user who ran it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from bot.analysis.emerging import (
    Candidate,
    accept,
    dismiss,
    merge,
    propose,
    with_quotes,
)
from bot.people.organisations import resolve_organisation
from thrive.console import OrgOption, operator, with_core
from thrive.runtime import Core

emerging_app = typer.Typer(
    help="Candidate themes from answers no theme covers: list, accept, merge, dismiss.",
    invoke_without_command=True,
)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The candidate's number (#).")]


@emerging_app.callback()
def list_(context: typer.Context, org: OrgOption = None) -> None:
    """List the candidate themes, with example answers where the group is big enough."""
    if context.invoked_subcommand is not None:
        return

    async def work(core: Core) -> list[str]:
        minimum = core.ctx.min_group_size_comments
        now = core.ctx.clock.now()
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            found = await propose(session, organisation.id, minimum=minimum, now=now)
            shown = await with_quotes(
                session,
                organisation.id,
                found,
                minimum=minimum,
                now=now,
                by=operator(),
            )
        return listing(core.ctx.say, shown)

    for line in with_core(work):
        typer.echo(line)


def listing(say: Callable[..., str], candidates: list[Candidate]) -> list[str]:
    """The candidates as lines: header, one line each, its quotes indented."""
    if not candidates:
        return [say("emerging.none")]
    lines = [say("emerging.header", count=len(candidates))]
    for candidate in candidates:
        terms = ", ".join(candidate.top_terms)
        lines.append(
            say("emerging.candidate", id=candidate.id, terms=terms, answers=candidate.answers)
        )
        lines.extend("  " + say("emerging.quote", quote=quote) for quote in candidate.quotes)
    return lines


@emerging_app.command("accept")
def accept_(
    candidate: IdArgument,
    label: Annotated[
        str | None,
        typer.Option(metavar="L", help="The theme's name (default: from its top terms)."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Make a candidate a theme of the organisation's codebook; its answers are coded."""

    async def work(core: Core) -> str:
        now = core.ctx.clock.now()
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            theme, coded = await accept(
                session, organisation.id, candidate, core.ctx.content, label=label, now=now
            )
        return core.ctx.say(
            "emerging.accepted", id=candidate, label=theme.label, theme=theme.id, answers=coded
        )

    typer.echo(with_core(work))


@emerging_app.command("merge")
def merge_(
    candidate: IdArgument,
    into: Annotated[
        str,
        typer.Option(
            "--into", metavar="THEME", help="The theme id its answers belong to, e.g. staffing."
        ),
    ],
    org: OrgOption = None,
) -> None:
    """Code a candidate's answers with an existing theme (as a person's codes)."""

    async def work(core: Core) -> str:
        now = core.ctx.clock.now()
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            theme, coded = await merge(
                session, organisation.id, candidate, into, core.ctx.content, now=now
            )
        return core.ctx.say("emerging.merged", id=candidate, theme=theme.id, answers=coded)

    typer.echo(with_core(work))


@emerging_app.command("dismiss")
def dismiss_(candidate: IdArgument, org: OrgOption = None) -> None:
    """Dismiss a candidate: its answers are not proposed again."""

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            await dismiss(session, organisation.id, candidate, now=core.ctx.clock.now())
        return core.ctx.say("emerging.dismissed", id=candidate)

    typer.echo(with_core(work))
