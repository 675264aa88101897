"""`thrive ideas ...`: the innovation pathway from the command line.

    thrive ideas list [--state S] [--site S]   one line per idea (no submitter named)
    thrive ideas show ID                       the idea, its facts and its whole history
    thrive ideas move ID STATE [--note N] [--owner PERSON]
    thrive ideas merge ID INTO_ID
    thrive ideas export --format csv|xlsx [--output FILE]   (recorded in the audit log)
    thrive ideas digest [--since YYYY-MM-DD]   "you said, we did", as Markdown

A move or a merge here notifies exactly as one in chat: the same code queues the news
for everyone who sent the idea and the leaders' card updates in the outbox, which the
running server sends. An anonymous idea's author is never shown, here or anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Desk
from bot.errors import BadAction
from bot.messages import one_line
from bot.pathway.board import age
from bot.pathway.cards import state_label
from bot.pathway.digest import DEFAULT_EVERY_DAYS, DIGEST, compose
from bot.pathway.merging import merge
from bot.pathway.moves import IN_PROGRESS, MOVES, Mover, apply_move
from bot.pathway.states import state_named
from bot.people.directory import find_people
from bot.people.organisations import resolve_organisation
from bot.privacy.audit import Audited, record
from storage.digests import MailingRepository
from storage.models import Idea, Person
from storage.people import PeopleRepository
from thrive.console import OrgOption, Refused, operator, the_one_person, with_core
from thrive.runtime import Core
from thrive.sheets import write_sheet

ideas_app = typer.Typer(help="The innovation pathway: list, show, move, merge, export, digest.")
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The idea's number (#).")]
EXPORT_HEADER = (
    "id",
    "state",
    "site",
    "from",
    "votes",
    "owner",
    "created",
    "updated",
    "text",
    "decline_reason",
    "merged_into",
)


async def _desk(core: Core, session: AsyncSession, org: str | None) -> Desk:
    organisation = await resolve_organisation(session, org)
    return Desk(core.ctx, session, organisation.id, core.ctx.clock.now())


async def _idea(desk: Desk, idea_id: int) -> Idea:
    idea = await desk.ideas.visible(idea_id, desk.organisation_id)
    if idea is None:
        raise Refused(desk.say("pathway.unknown_idea", number=idea_id))
    return idea


async def _name(desk: Desk, person_id: int | None) -> str:
    person = await desk.session.get(Person, person_id) if person_id else None
    return person.display_name if person is not None else ""


async def _from(desk: Desk, idea: Idea) -> str:
    """Who sent it, as leaders may see it: "Anonymous" for an anonymous idea, always."""
    if idea.anonymous:
        return desk.say("idea.card.anonymous")
    return await _name(desk, idea.submitter_id)


@ideas_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(metavar="S", help="Only this state.")] = None,
    site: Annotated[str | None, typer.Option(metavar="S", help="Only this site.")] = None,
    org: OrgOption = None,
) -> None:
    """One line per idea, newest first: number, state, votes, owner, age, words."""
    wanted = state_named(state) if state is not None else None
    if state is not None and wanted is None:
        raise typer.BadParameter(f"unknown state {state!r}; one of: {', '.join(MOVES)}")

    async def work(core: Core) -> list[str]:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            found = await desk.ideas.in_organisation(
                desk.organisation_id, states=(wanted,) if wanted else None, site=site
            )
            votes = await desk.ideas.vote_counts([idea.id for idea in found])
            lines = []
            for idea in found:
                owner = await _name(desk, idea.owner_id)
                key = "board.line_led" if owner else "board.line"
                count = votes.get(idea.id, 0)
                lines.append(
                    desk.say(
                        key,
                        number=idea.id,
                        state=state_label(desk.say, idea.state),
                        votes=desk.say("idea.card.one_vote")
                        if count == 1
                        else desk.say("idea.card.votes", count=count),
                        owner=owner,
                        age=age(desk, idea),
                        text=one_line(idea.text, 90),
                    )
                )
            return lines or ["No ideas match."]

    for line in with_core(work):
        typer.echo(line)


@ideas_app.command("show")
def show(idea_id: IdArgument, org: OrgOption = None) -> None:
    """The idea as leaders see it, and every step of its history."""

    async def work(core: Core) -> list[str]:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            idea = await _idea(desk, idea_id)
            votes = await desk.ideas.vote_count(idea.id)
            lines = [
                f"Idea #{idea.id}: {state_label(desk.say, idea.state)}",
                idea.text,
                f"From: {await _from(desk, idea)}",
                f"Votes: {votes}",
            ]
            if idea.owner_id:
                lines.append(f"Led by: {await _name(desk, idea.owner_id)}")
            if idea.site:
                lines.append(f"Site: {idea.site}")
            if idea.decline_reason:
                lines.append(f"Reason: {idea.decline_reason}")
            if idea.merged_into_id:
                lines.append(f"Merged into: #{idea.merged_into_id}")
            lines.append("History:")
            for event in await desk.ideas.history(idea.id):
                moved = f"{event.from_state} -> {event.to_state}" if event.from_state else "sent"
                # An anonymous submitter adding details leaves no actor: nobody is named.
                by = await _name(desk, event.actor_id) if event.actor_id else ""
                line = f"  {event.created_at:%Y-%m-%d %H:%M} {moved}"
                line += f" by {by}" if by else ""
                line += f": {event.note}" if event.note else ""
                lines.append(line)
            return lines

    for line in with_core(work):
        typer.echo(line)


@ideas_app.command("move")
def move(
    idea_id: IdArgument,
    state: Annotated[str, typer.Argument(metavar="STATE", help="Where it goes next.")],
    note: Annotated[
        str, typer.Option(metavar="N", help="The reason (declined) or question (more info).")
    ] = "",
    owner: Annotated[
        str | None,
        typer.Option(metavar="PERSON", help="Who leads it (in progress): id, email or name."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Move an idea one step; its submitter and the leaders' cards hear of it as from chat."""

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            idea = await _idea(desk, idea_id)
            to_state = state_named(state)
            allowed = MOVES.get(idea.state, ())
            if to_state is None or to_state not in allowed:
                nexts = ", ".join(allowed) or "nowhere (it is finished)"
                raise Refused(
                    f"Idea #{idea.id} is {idea.state}; from there it can go to: {nexts}. "
                    "Nothing was changed."
                )
            leader: Person | None = None
            if owner is not None:
                people = PeopleRepository(session)
                leader = the_one_person(
                    owner, await find_people(people, owner, desk.organisation_id)
                )
            elif to_state == IN_PROGRESS:
                raise Refused("Say who leads it with --owner PERSON. Nothing was changed.")
            mover = Mover(desk.say("pathway.actor_cli"), operator())
            try:
                card = await apply_move(desk, idea, idea.state, to_state, note, mover, leader)
            except BadAction as problem:
                raise Refused(str(problem)) from None
            if card is None:
                raise Refused(desk.say("pathway.moved_on", number=idea.id, state=idea.state))
            return desk.say("pathway.done", number=idea.id, state=state_label(desk.say, to_state))

    typer.echo(with_core(work))


@ideas_app.command("merge")
def merge_(
    idea_id: IdArgument,
    into: Annotated[int, typer.Argument(metavar="INTO_ID", help="The idea it says the same as.")],
    org: OrgOption = None,
) -> None:
    """Merge an idea into another that says the same: votes and submitters carried over,
    every submitter told without names, both histories kept."""

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            merged_into = await merge(desk, idea_id, into, operator())
            votes = await desk.ideas.vote_count(merged_into.id)
            return desk.say("merge.done", number=idea_id, into=merged_into.id, votes=votes)

    typer.echo(with_core(work))


@ideas_app.command("export")
def export(
    format_: Annotated[
        str, typer.Option("--format", metavar="csv|xlsx", help="The file's format.")
    ] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The file (default: ideas.<format>).")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Every idea of the organisation to a file, anonymous ones without their author.
    Recorded in the audit log: the file holds clinicians' words."""
    if format_ not in ("csv", "xlsx"):
        raise typer.BadParameter("--format is csv or xlsx")
    path = output or Path(f"ideas.{format_}")
    if path.suffix.lower() != f".{format_}":
        raise typer.BadParameter(f"{path.name}: give a .{format_} file for --format {format_}")

    async def work(core: Core) -> int:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            found = await desk.ideas.in_organisation(desk.organisation_id, limit=100_000)
            votes = await desk.ideas.vote_counts([idea.id for idea in found])
            rows = [
                (
                    idea.id,
                    idea.state,
                    idea.site or "",
                    await _from(desk, idea),
                    votes.get(idea.id, 0),
                    await _name(desk, idea.owner_id),
                    idea.created_at.isoformat(),
                    idea.updated_at.isoformat(),
                    idea.text,
                    idea.decline_reason or "",
                    idea.merged_into_id or "",
                )
                for idea in found
            ]
            await record(
                session,
                Audited.IDEAS_EXPORTED,
                by=operator(),
                now=desk.now,
                organisation_id=desk.organisation_id,
                subject=str(path.name),
                detail={"ideas": len(rows), "format": format_},
            )
        return write_sheet(path, EXPORT_HEADER, rows)

    written = with_core(work)
    typer.echo(f"Wrote {written} ideas to {path}.")


@ideas_app.command("digest")
def digest(
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="From this day (default: the last digest)."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Print "you said, we did" as Markdown: the same text clinicians receive."""
    start: datetime | None = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        except ValueError:
            raise typer.BadParameter(f"{since!r} is not a date like 2026-11-01") from None

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            desk = await _desk(core, session, org)
            begin = start
            if begin is None:
                last = await MailingRepository(session).last(desk.organisation_id, DIGEST)
                begin = (
                    last.created_at
                    if last is not None
                    else desk.now - timedelta(days=DEFAULT_EVERY_DAYS)
                )
            return await compose(desk, begin, desk.now, markdown=True)

    typer.echo(with_core(work))
