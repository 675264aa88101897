"""Role grants: who holds which role, and the record of every grant and revoke.

A grant is a `roles` row (who granted it and when); a revoke deletes the row. Both
write an audit entry in the same transaction, so the log says who changed what and
when even after the row is gone. Only a new person's starting role, given by no one,
is not audited (`starting_role`): the person's own row says when they arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.ledger import LedgerRepository
from storage.models import Person, RoleGrant, Workspace

GRANTED = "role.granted"
REVOKED = "role.revoked"


class RoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def starting_role(self, person: Person, role: str, *, now: datetime) -> None:
        """The role someone gets on first contact: granted by no one, not audited."""
        self.session.add(RoleGrant(person_id=person.id, role=role, granted_at=now))
        await self.session.flush()
        await self.session.refresh(person, attribute_names=["roles"])

    async def grant(
        self,
        person: Person,
        role: str,
        *,
        now: datetime,
        by_id: int | None,
        via: str,
        operator: str | None = None,
    ) -> bool:
        """Grant `role`; False (and nothing written) if the person already holds it.
        `via` says where it was done (chat, cli, demo); `operator`, who at the CLI."""
        await self.session.refresh(person, attribute_names=["roles"])
        if role in {grant.role for grant in person.roles}:
            return False
        person.roles.append(RoleGrant(role=role, granted_at=now, granted_by_id=by_id))
        await self._audit(GRANTED, person, role, now=now, by_id=by_id, via=via, operator=operator)
        return True

    async def revoke(
        self,
        person: Person,
        role: str,
        *,
        now: datetime,
        by_id: int | None,
        via: str,
        operator: str | None = None,
    ) -> bool:
        """Take `role` away; False (and nothing written) if the person does not hold it."""
        await self.session.refresh(person, attribute_names=["roles"])
        held = [grant for grant in person.roles if grant.role == role]
        if not held:
            return False
        for grant in held:
            person.roles.remove(grant)  # delete-orphan: the row goes
        await self._audit(REVOKED, person, role, now=now, by_id=by_id, via=via, operator=operator)
        return True

    async def holder_count(self, role: str) -> int:
        """How many people hold `role`, with their grants locked (PostgreSQL) until the
        transaction ends: two revokes at once cannot both see a second admin."""
        held = await self.session.scalars(
            select(RoleGrant.id).where(RoleGrant.role == role).with_for_update()
        )
        return len(held.all())

    async def people_with_roles(
        self, *, organisation_id: int | None = None, role: str | None = None
    ) -> Sequence[Person]:
        """People holding any role (or `role`), with their roles and workspace, by name;
        those of one organisation, or of all."""
        statement = (
            select(Person)
            .join(Person.workspace)
            .where(Person.roles.any(RoleGrant.role == role) if role else Person.roles.any())
            .options(selectinload(Person.roles))
            .order_by(func.lower(Person.display_name), Workspace.platform, Person.id)
        )
        if organisation_id is not None:
            statement = statement.where(Workspace.organisation_id == organisation_id)
        return (await self.session.scalars(statement)).unique().all()

    async def _audit(
        self,
        action: str,
        person: Person,
        role: str,
        *,
        now: datetime,
        by_id: int | None,
        via: str,
        operator: str | None,
    ) -> None:
        detail: dict[str, Any] = {"role": role, "person_id": person.id, "via": via}
        if operator:
            detail["operator"] = operator
        await LedgerRepository(self.session).audit(
            action, now=now, actor_id=by_id, subject=f"person:{person.id}", detail=detail
        )
