"""Finding someone by what an admin types: a user id first, then an email, then a name."""

from __future__ import annotations

from bot.people.directory import find_people
from storage.engine import Database
from storage.people import PeopleRepository
from tests.unit.bot.pulses.test_pulses import add_person


async def test_a_user_id_wins_over_a_name_and_an_at_sign_is_ignored(sqlite_db: Database) -> None:
    amara = await add_person(sqlite_db, "amara")
    other = await add_person(sqlite_db, "u2")
    async with sqlite_db.transaction() as session:
        people = PeopleRepository(session)
        for person, name, email in (
            (amara, "Dr Amara Okafor", "amara@x.example"),
            (other, "amara", None),
        ):
            stored = await people.get(person.id)
            assert stored is not None
            stored.display_name, stored.email = name, email

    async with sqlite_db.transaction() as session:
        people = PeopleRepository(session)

        async def found(reference: str) -> list[str]:
            return [p.platform_user_id for p in await find_people(people, reference)]

        assert await found("amara") == ["amara"]
        assert await found("@amara") == ["amara"]
        assert await found("AMARA@x.example") == ["amara"]
        assert await found("@Dr Amara Okafor") == ["amara"]
        assert await found("nobody") == []
        assert await found(" @ ") == []
