"""Role grants: who holds which role, and the record of every grant and revoke.

A grant is a `roles` row (who granted it and when); a revoke deletes the row. The
audit entry for both is written by bot.people.granting, through the privacy room's
audit service, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Person, RoleGrant, Workspace


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
    ) -> bool:
        """Grant `role`; False (and nothing written) if the person already holds it."""
        await self.session.refresh(person, attribute_names=["roles"])
        if role in {grant.role for grant in person.roles}:
            return False
        person.roles.append(RoleGrant(role=role, granted_at=now, granted_by_id=by_id))
        await self.session.flush()
        return True

    async def revoke(self, person: Person, role: str) -> bool:
        """Take `role` away; False (and nothing written) if the person does not hold it."""
        await self.session.refresh(person, attribute_names=["roles"])
        held = [grant for grant in person.roles if grant.role == role]
        if not held:
            return False
        for grant in held:
            person.roles.remove(grant)  # delete-orphan: the row goes
        await self.session.flush()
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
