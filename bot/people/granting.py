"""Granting and revoking roles: the same rules from chat and from the CLI.

Who may grant is the permission table's (a wellness lead any role but admin, an
admin any role); the server's operator at the CLI may grant anything, which is
how the first admin comes about. Nobody may take away the last admin, or nobody
could grant admin again except from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotPermitted, ThriveError
from bot.messages import Say
from bot.people.permissions import permission_to_grant, permissions_of
from bot.people.roles import Role
from bot.people.welcome import queue_role_welcome
from bot.privacy.audit import Actor, Audited, record
from storage.models import Person
from storage.people import PeopleRepository
from storage.roles import RoleRepository


class RoleChangeRefused(ThriveError):
    """A grant or revoke the rules refuse; the copy key `roles.<problem>` says why."""

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(problem, **values)
        self.copy_key = f"roles.{problem}"


@dataclass(frozen=True)
class Granter:
    """Who grants: a person in chat, or (person None) the server's operator at the CLI."""

    person: Person | None
    via: str  # "chat", "cli", "demo": kept in the audit log
    operator: str | None = None  # the operator's login, at the CLI


async def grant_role(
    session: AsyncSession,
    person: Person,
    role: Role,
    *,
    by: Granter,
    now: datetime,
    welcome: Say | None = None,
) -> bool:
    """Grant `role` to `person`; False if they already held it. NotPermitted if `by`
    may not grant that role. With `welcome` (the copy), the person is told what the
    role lets them do."""
    _check_may(by, role)
    granted = await RoleRepository(session).grant(person, role, now=now, by_id=_id_of(by))
    if granted:
        await _audit(session, Audited.ROLE_GRANTED, person, role, by=by, now=now)
        if welcome is not None:
            await queue_role_welcome(session, welcome, person, role, now=now)
    return granted


async def revoke_role(
    session: AsyncSession, person: Person, role: Role, *, by: Granter, now: datetime
) -> bool:
    """Take `role` from `person`; False if they did not hold it. NotPermitted if `by`
    may not; RoleChangeRefused("last_admin") for the last admin."""
    _check_may(by, role)
    roles = RoleRepository(session)
    if role is Role.ADMIN and role in held_roles(person) and await roles.holder_count(role) <= 1:
        raise RoleChangeRefused("last_admin", name=person.display_name)
    revoked = await roles.revoke(person, role)
    if revoked:
        await _audit(session, Audited.ROLE_REVOKED, person, role, by=by, now=now)
    return revoked


def held_roles(person: Person) -> set[str]:
    return {grant.role for grant in person.roles}


def _check_may(by: Granter, role: Role) -> None:
    if by.person is None:
        return  # the operator, who holds the database anyway
    needed = permission_to_grant(role)
    if needed not in permissions_of(held_roles(by.person)):
        raise NotPermitted(needed)


def _id_of(by: Granter) -> int | None:
    return by.person.id if by.person is not None else None


async def _audit(
    session: AsyncSession,
    action: Audited,
    person: Person,
    role: Role,
    *,
    by: Granter,
    now: datetime,
) -> None:
    """Who changed whose role, kept after a revoked grant's row is gone. A new person's
    starting role, given by no one, is not audited: their own row says when they came."""
    await record(
        session,
        action,
        by=Actor(by.via, person_id=_id_of(by), operator=by.operator),
        now=now,
        organisation_id=await PeopleRepository(session).organisation_id_of(person),
        subject=f"person:{person.id}",
        detail={"role": role.value, "person_id": person.id},
    )
