"""`thrive roles grant|revoke|list`: roles from the command line, where the first admin
comes from. After that, admins and wellness leads can also grant in chat.

PERSON is a platform user id, an email or a display name (any case). A name that
matches several people lists them and changes nothing; one that matches nobody says
so. Grants take effect at the person's next message, also on a running server: the
server reads roles from the database on every turn. Each grant and revoke is in the
audit log, with the operator's login name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from bot.people.directory import find_people
from bot.people.granting import Granter, grant_role, revoke_role
from bot.people.roles import Role, parse_role
from storage.models import Person
from storage.people import PeopleRepository
from storage.roles import RoleRepository
from thrive.console import operator, out, the_one_person, with_core
from thrive.runtime import Core

roles_app = typer.Typer(
    help="Roles: who may do what. The first admin is granted here.", no_args_is_help=True
)
CLI = "cli"

PersonArgument = Annotated[
    str,
    typer.Argument(
        metavar="PERSON", help="A platform user id, an email or a display name (any case)."
    ),
]
RoleArgument = Annotated[
    str,
    typer.Argument(metavar="ROLE", help="clinician, leader, wellness_lead or admin."),
]


@roles_app.command("grant")
def grant(person: PersonArgument, role: RoleArgument) -> None:
    """Give PERSON a role."""
    out.print(_change(person, role, granting=True), highlight=False, markup=False)


@roles_app.command("revoke")
def revoke(person: PersonArgument, role: RoleArgument) -> None:
    """Take a role away from PERSON (never the last admin's)."""
    out.print(_change(person, role, granting=False), highlight=False, markup=False)


@roles_app.command("list")
def list_(
    role: Annotated[
        str | None, typer.Option(metavar="ROLE", help="Only the people with this role.")
    ] = None,
) -> None:
    """Everyone who holds a role, on every platform, with their roles."""
    wanted = _role(role) if role is not None else None

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            found = await RoleRepository(session).people_with_roles(role=wanted)
            if not found:
                return f"No one has the {wanted.value} role." if wanted else "No one has a role."
            return await _table(PeopleRepository(session), found, wanted)

    # Plain print: columns must reach a pipe as they are, without rich's wrapping.
    print(with_core(work))


def _change(reference: str, role_text: str, *, granting: bool) -> str:
    role = _role(role_text)

    async def work(core: Core) -> str:
        async with core.database.transaction() as session:
            found = await find_people(PeopleRepository(session), reference)
            person = the_one_person(reference, found)
            by = Granter(None, CLI, operator=operator().operator)
            now = core.ctx.clock.now()
            if granting:  # the person hears what the role lets them do, in chat
                changed = await grant_role(
                    session, person, role, by=by, now=now, welcome=core.ctx.say
                )
            else:
                changed = await revoke_role(session, person, role, by=by, now=now)
            if granting:
                key = "roles.granted" if changed else "roles.already"
            else:
                key = "roles.revoked" if changed else "roles.not_held"
            named = core.ctx.say("role." + role.value)
            return core.ctx.say(key, name=person.display_name, role=named)

    return with_core(work)


def _role(text: str) -> Role:
    role = parse_role(text)
    if role is None:
        known = ", ".join(role.value for role in Role)
        raise typer.BadParameter(f"{text!r} is not a role (roles: {known})", param_hint="ROLE")
    return role


async def _table(people: PeopleRepository, found: Sequence[Person], role: Role | None) -> str:
    """One line per person, in columns; with a role, when and by whom it was granted."""
    header = ["NAME", "PLATFORM", "WORKSPACE", "USER ID", "EMAIL", "ROLES"]
    if role is not None:
        header += ["GRANTED", "BY"]
    rows = [header]
    for person in found:
        row = [
            person.display_name,
            person.workspace.platform,
            person.workspace.external_id,
            person.platform_user_id,
            person.email or "-",
            ",".join(sorted((grant.role for grant in person.roles), key=_rank)),
        ]
        if role is not None:
            [grant] = [grant for grant in person.roles if grant.role == role]
            by = await people.get(grant.granted_by_id) if grant.granted_by_id else None
            row += [f"{grant.granted_at:%Y-%m-%d %H:%M}Z", by.display_name if by else "-"]
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _rank(role: str) -> int:
    """Roles in the table's order (clinician first); one no longer known, last."""
    known = [known.value for known in Role]
    return known.index(role) if role in known else len(known)
