"""Role grants on SQLite and PostgreSQL: each grant and revoke is recorded with who and
when, and people are found by user id, email or display name."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.people.granting import Granter, grant_role, revoke_role
from bot.people.roles import Role
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import Person, RoleGrant
from storage.people import PeopleRepository
from storage.roles import RoleRepository
from tests.storage.storage_rows import NOW, add_person, local_organisation

LATER = NOW + timedelta(hours=1)


async def test_grant_and_revoke_record_who_and_when(any_db: Database) -> None:
    async with any_db.transaction() as session:
        admin = await add_person(session, "ada")
        await RoleRepository(session).starting_role(admin, "admin", now=NOW)
        amara = await add_person(session, "amara")
        assert await grant_role(session, amara, Role.LEADER, by=Granter(admin, "chat"), now=NOW)
        assert not await grant_role(session, amara, Role.LEADER, by=Granter(None, "cli"), now=LATER)
        admin_id, amara_id = admin.id, amara.id
        organisation = await local_organisation(session)

    async with any_db.transaction() as session:
        [grant] = (
            await session.scalars(select(RoleGrant).where(RoleGrant.person_id == amara_id))
        ).all()
        assert (grant.person_id, grant.role, grant.granted_by_id, grant.granted_at) == (
            amara_id,
            "leader",
            admin_id,
            NOW,
        )
        stored = await PeopleRepository(session).get(amara_id)
        assert stored is not None
        by_root = Granter(None, "cli", operator="root")
        assert await revoke_role(session, stored, Role.LEADER, by=by_root, now=LATER)
        assert not await revoke_role(session, stored, Role.LEADER, by=by_root, now=LATER)

    async with any_db.transaction() as session:
        assert (
            await session.scalars(select(RoleGrant).where(RoleGrant.person_id == amara_id))
        ).all() == []
        revoked, granted = await AuditRepository(session).entries(AuditFilter())
    assert (granted.action, granted.actor_id, granted.created_at) == ("role.granted", admin_id, NOW)
    assert granted.subject == f"person:{amara_id}"
    assert granted.organisation_id == organisation
    assert granted.detail == {"role": "leader", "person_id": amara_id, "via": "chat"}
    assert (revoked.action, revoked.actor_id, revoked.created_at) == ("role.revoked", None, LATER)
    assert revoked.operator == "root"
    assert revoked.detail == {"role": "leader", "person_id": amara_id, "via": "cli"}


async def test_a_starting_role_is_not_audited(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ben")
        await RoleRepository(session).starting_role(person, "clinician", now=NOW)
        assert {grant.role for grant in person.roles} == {"clinician"}
        assert await AuditRepository(session).entries(AuditFilter()) == []


async def test_people_with_roles_and_holder_counts(any_db: Database) -> None:
    async with any_db.transaction() as session:
        roles = RoleRepository(session)
        for user_id, held in (("cat", ["admin"]), ("ada", ["admin", "leader"]), ("bo", [])):
            person = await add_person(session, user_id)
            for role in held:
                await roles.grant(person, role, now=NOW, by_id=None)
        organisation = await local_organisation(session)

    async with any_db.transaction() as session:
        roles = RoleRepository(session)
        assert await roles.holder_count("admin") == 2
        assert await roles.holder_count("leader") == 1
        everyone = await roles.people_with_roles()
        assert [person.platform_user_id for person in everyone] == ["ada", "cat"]
        leaders = await roles.people_with_roles(role="leader", organisation_id=organisation)
        assert [person.platform_user_id for person in leaders] == ["ada"]
        assert await roles.people_with_roles(organisation_id=organisation + 1) == []


async def test_people_are_found_by_user_id_email_or_name_without_case(any_db: Database) -> None:
    async with any_db.transaction() as session:
        people = PeopleRepository(session)
        amara = await add_person(session, "amara")
        amara.email = "Amara.Okafor@Riverside.example"
        amara.display_name = "Dr Amara Okafor"
        for user_id in ("sam1", "sam2"):
            sam = await add_person(session, user_id)
            sam.display_name = "Sam Patel"
        await session.flush()
        elsewhere = await local_organisation(session) + 1

        def ids(found: list[Person]) -> list[str]:
            return [person.platform_user_id for person in found]

        assert ids(await people.with_user_id("amara")) == ["amara"]
        assert ids(await people.with_user_id("AMARA")) == []  # ids are exact
        assert ids(await people.with_email("amara.okafor@riverside.EXAMPLE")) == ["amara"]
        assert ids(await people.with_display_name("dr AMARA okafor")) == ["amara"]
        assert ids(await people.with_display_name("sam patel")) == ["sam1", "sam2"]
        assert await people.with_display_name("sam patel", elsewhere) == []
        assert await people.with_email("nobody@example.org") == []


async def test_revoking_a_role_keeps_the_person(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "dee")
        await RoleRepository(session).grant(person, "leader", now=NOW, by_id=None)
        await RoleRepository(session).revoke(person, "leader")
        person_id = person.id
    async with any_db.transaction() as session:
        assert await session.get(Person, person_id) is not None
