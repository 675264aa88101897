"""Workspaces, people and their roles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from storage.audit import AuditRepository
from storage.engine import insert_for
from storage.models import Person, RoleGrant, Workspace
from storage.organisations import OrganisationRepository
from storage.roles import RoleRepository


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def workspace(
        self, platform: str, external_id: str, *, now: datetime, name: str = ""
    ) -> Workspace:
        """The workspace, created on first sight as an organisation of its own, named
        after it (`thrive org link` joins it to another later).

        Insert-if-absent, then read: two first messages from a new workspace at once
        must not collide on the unique key (read-then-insert would); the one that loses
        removes the organisation it made.
        """
        statement = select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
        found = await self.session.scalar(statement)
        if found is not None:  # the common case: read only, no write lock taken
            return found
        organisations = OrganisationRepository(self.session)
        organisation = await organisations.add(name or external_id, now=now)
        insert = insert_for(self.session)
        await self.session.execute(
            insert(Workspace)
            .values(
                platform=platform,
                external_id=external_id,
                name=name or external_id,
                organisation_id=organisation.id,
                default_timezone="UTC",
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        found = await self.session.scalar(statement)
        assert found is not None
        if found.organisation_id != organisation.id:
            await organisations.remove_if_empty(organisation.id)
        return found

    async def add_if_absent(self, person: Person) -> tuple[Person, bool]:
        """Add the person unless someone with the same platform id is already there (perhaps
        added a moment ago by a concurrent request); returns the stored one and whether
        it was added now."""
        insert = insert_for(self.session)
        values = {
            column.key: getattr(person, column.key)
            for column in Person.__table__.columns
            if column.key != "id" and getattr(person, column.key) is not None
        }
        result = await self.session.execute(
            insert(Person)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["workspace_id", "platform_user_id"])
        )
        stored = await self.find(person.workspace_id, person.platform_user_id)
        assert stored is not None
        return stored, bool(result.rowcount)  # type: ignore[attr-defined]

    async def find(self, workspace_id: int, platform_user_id: str) -> Person | None:
        return await self.session.scalar(
            select(Person).where(
                Person.workspace_id == workspace_id, Person.platform_user_id == platform_user_id
            )
        )

    async def find_by_ref(self, platform: str, workspace: str, user_id: str) -> Person | None:
        """The person with their workspace and roles, in one query: it runs on every turn."""
        result = await self.session.scalars(
            select(Person)
            .join(Person.workspace)
            .options(contains_eager(Person.workspace), joinedload(Person.roles))
            .where(
                Workspace.platform == platform,
                Workspace.external_id == workspace,
                Person.platform_user_id == user_id,
            )
        )
        return result.unique().one_or_none()

    async def get(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def add(self, person: Person) -> Person:
        self.session.add(person)
        await self.session.flush()
        return person

    async def grant(
        self, person: Person, role: str, *, now: datetime, by: Person | None = None
    ) -> None:
        """For code that sets people up (the demo, the local chat's new people, fixtures):
        the roles repository's grant, audited like any other. (Storage cannot call the
        privacy room's audit service, so this one writes the same entry itself.)"""
        by_id = by.id if by else None
        if await RoleRepository(self.session).grant(person, role, now=now, by_id=by_id):
            await AuditRepository(self.session).add(
                "role.granted",
                now=now,
                organisation_id=await self.organisation_id_of(person),
                actor_id=by_id,
                subject=f"person:{person.id}",
                detail={"role": role, "person_id": person.id, "via": "setup"},
            )

    async def organisation_id_of(self, person: Person) -> int:
        """The person's organisation (through their workspace), without loading it."""
        found = await self.session.scalar(
            select(Workspace.organisation_id).where(Workspace.id == person.workspace_id)
        )
        assert found is not None  # a person's workspace is a foreign key
        return found

    async def with_user_id(self, user_id: str, organisation_id: int | None = None) -> list[Person]:
        """People with this platform user id (in one organisation, or in any)."""
        return await self._matching(Person.platform_user_id == user_id, organisation_id)

    async def with_email(self, email: str, organisation_id: int | None = None) -> list[Person]:
        return await self._matching(func.lower(Person.email) == email.lower(), organisation_id)

    async def with_display_name(
        self, name: str, organisation_id: int | None = None
    ) -> list[Person]:
        """Names compared without case (SQLite folds only ASCII letters)."""
        return await self._matching(
            func.lower(Person.display_name) == name.lower(), organisation_id
        )

    async def _matching(
        self, condition: ColumnElement[bool], organisation_id: int | None
    ) -> list[Person]:
        statement = (
            select(Person)
            .join(Person.workspace)
            .options(contains_eager(Person.workspace))
            .where(condition)
            .order_by(Person.id)
        )
        if organisation_id is not None:
            statement = statement.where(Workspace.organisation_id == organisation_id)
        return list((await self.session.scalars(statement)).unique().all())

    async def in_workspace(self, workspace_id: int) -> Sequence[Person]:
        result = await self.session.scalars(
            select(Person).where(Person.workspace_id == workspace_id).order_by(Person.id)
        )
        return result.all()

    async def reachable_in(self, organisation_id: int) -> Sequence[Person]:
        """Everyone in the organisation's workspaces, on every platform, not gone."""
        result = await self.session.scalars(
            select(Person)
            .join(Person.workspace)
            .where(Workspace.organisation_id == organisation_id, Person.gone.is_(False))
            .order_by(Person.id)
        )
        return result.unique().all()

    async def organisations_of(self, person_ids: Sequence[int]) -> set[int]:
        """The organisations these people belong to (through their workspaces)."""
        if not person_ids:
            return set()
        found = await self.session.scalars(
            select(Workspace.organisation_id)
            .join(Person, Person.workspace_id == Workspace.id)
            .where(Person.id.in_(person_ids))
            .distinct()
        )
        return set(found)

    async def on_platform(self, platform: str) -> Sequence[Person]:
        result = await self.session.scalars(
            select(Person).join(Workspace).where(Workspace.platform == platform).order_by(Person.id)
        )
        return result.all()

    async def with_role(self, role: str) -> Sequence[Person]:
        result = await self.session.scalars(
            select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == role)
            .order_by(Person.id)
        )
        return result.all()
