"""`thrive people forget PERSON`: an admin deletes someone's answers for them.

It deletes exactly what the person's own `forget me` deletes (bot.people.my_data's
`forget_person`, the one service for both): every answer they gave in their
organisation. Anonymous answers cannot be told apart and stay; ideas stay on the
pathway. The deletion is audited with the operator's login and how many answers went.
PERSON is a platform user id, an email or a display name, as for `thrive roles grant`;
a name matching several people lists them and deletes nothing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.people.directory import find_people
from bot.people.my_data import forget_person
from storage.people import PeopleRepository
from thrive.console import operator, the_one_person, with_core
from thrive.runtime import Core

people_app = typer.Typer(help="People: deleting someone's data for them.", no_args_is_help=True)


@people_app.command("forget")
def forget(
    person: Annotated[
        str,
        typer.Argument(
            metavar="PERSON", help="A platform user id, an email or a display name (any case)."
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete all of PERSON's answers, as their own `forget me` would."""
    if not yes and not typer.confirm(
        f"Delete every answer {person!r} gave? This can't be undone; their ideas stay."
    ):
        typer.echo("Nothing was deleted.", err=True)
        raise typer.Exit(1)

    async def work(core: Core) -> tuple[str, int]:
        async with core.database.transaction() as session:
            people = PeopleRepository(session)
            found = the_one_person(person, await find_people(people, person))
            removed = await forget_person(
                session,
                found,
                await people.organisation_id_of(found),
                by=operator(),
                now=core.ctx.clock.now(),
            )
            return found.display_name, removed

    name, removed = with_core(work)
    typer.echo(f"Deleted {removed} answer(s) of {name}.")
