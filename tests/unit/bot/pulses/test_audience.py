"""Who a pulse goes to: terms, AND across kinds and OR within one, gone people never,
paused people still, a deterministic sample, and each person's zone."""

from __future__ import annotations

import pytest

from bot.context import BotContext
from bot.people.roles import Role
from bot.pulses.audience import (
    Audience,
    PulseProblem,
    in_sample,
    members,
    parse_audience,
    sample,
    zone_of,
)
from storage.engine import Database
from storage.models import Person
from tests.unit.bot.pulses.test_pulses import add_person, local_organisation


async def _names(database: Database, *terms: str) -> list[str]:
    organisation = await local_organisation(database)
    async with database.transaction() as session:
        found = await members(session, organisation, parse_audience(terms))
    return sorted(person.platform_user_id for person in found)


@pytest.fixture
async def organisation(sqlite_db: Database) -> Database:
    await add_person(sqlite_db, "amara", site="North", tags=["nights", "physician"])
    await add_person(sqlite_db, "jordan", site="north", tags=["days"])
    await add_person(sqlite_db, "maria", site="South", tags=["Nights"], paused=True)
    await add_person(sqlite_db, "sam", site="East")
    await add_person(sqlite_db, "gone", site="North", tags=["nights"], gone=True)
    await add_person(sqlite_db, "helen", site="North", roles=[Role.LEADER, Role.CLINICIAN])
    await add_person(sqlite_db, "ana", site="South", roles=[Role.WELLNESS_LEAD])
    return sqlite_db


def test_terms_become_an_audience_and_describe_themselves() -> None:
    audience = parse_audience(["site:North, South", "role:Clinician", "site:East", "tag:nights"])

    assert audience == Audience(
        sites=("North", "South", "East"), roles=("clinician",), tags=("nights",)
    )
    assert audience.describe() == "site:North,South,East role:clinician tag:nights"
    assert Audience.from_json(audience.to_json()) == audience
    assert parse_audience(["everyone"]).is_everyone
    assert parse_audience([]).describe() == "everyone"
    assert parse_audience(["people:U1,U2"]).to_json() == {"people": ["U1", "U2"]}


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        (["sites:North"], "pulse.error.audience_term"),
        (["North"], "pulse.error.audience_term"),
        (["tag: , "], "pulse.error.audience_empty_term"),
        (["role:nurse"], "pulse.error.unknown_role"),
        (["everyone", "tag:nights"], "pulse.error.audience_everyone_and_more"),
    ],
)
def test_unreadable_terms_are_refused(terms: list[str], problem: str) -> None:
    with pytest.raises(PulseProblem) as raised:
        parse_audience(terms)
    assert raised.value.copy_key == problem


async def test_everyone_is_everyone_not_gone_paused_included(organisation: Database) -> None:
    # Ana only runs the programme (wellness lead): pulses ask clinicians, so not her...
    assert await _names(organisation, "everyone") == [
        "amara",
        "helen",
        "jordan",
        "maria",
        "sam",
    ]
    # ...unless her role or she is asked for by name.
    assert "ana" in await _names(organisation, "role:wellness_lead")
    assert await _names(organisation, "people:ana") == ["ana"]
    assert await _names(organisation, "site:South") == ["maria"]


async def test_sites_match_whatever_the_case_and_or_together(organisation: Database) -> None:
    assert await _names(organisation, "site:NORTH") == ["amara", "helen", "jordan"]
    assert await _names(organisation, "site:South,East") == ["maria", "sam"]


async def test_roles_and_tags(organisation: Database) -> None:
    assert await _names(organisation, "role:leader,wellness_lead") == ["ana", "helen"]
    assert await _names(organisation, "tag:nights") == ["amara", "maria"]


async def test_kinds_combine_with_and(organisation: Database) -> None:
    assert await _names(organisation, "site:North", "role:clinician") == [
        "amara",
        "helen",
        "jordan",
    ]
    assert await _names(organisation, "site:North", "role:clinician", "tag:nights") == ["amara"]
    assert await _names(organisation, "site:South", "tag:nights,days") == ["maria"]


async def test_people_by_platform_user_id(organisation: Database) -> None:
    assert await _names(organisation, "people:sam,amara,gone") == ["amara", "sam"]
    assert await _names(organisation, "people:sam", "site:North") == []


def _people(count: int) -> list[Person]:
    return [Person(id=number, platform_user_id=f"U{number}", tags=[]) for number in range(count)]


def test_a_sample_is_about_the_right_size_and_the_same_every_time() -> None:
    people = _people(1000)

    first = sample(people, 0.3, pulse_id=7, seed="pulse:7:UTC:2026-03-02")
    again = sample(people, 0.3, pulse_id=7, seed="pulse:7:UTC:2026-03-02")
    next_day = sample(people, 0.3, pulse_id=7, seed="pulse:7:UTC:2026-03-03")

    assert 250 <= len(first) <= 350
    assert [person.id for person in again] == [person.id for person in first]
    assert {person.id for person in next_day} != {person.id for person in first}
    assert sample(people, None, 7, "x") == people
    assert sample(people, 1.0, 7, "x") == people


def test_sampling_one_person_does_not_depend_on_who_else_is_there() -> None:
    people = _people(50)
    alone = [person for person in people if in_sample(0.5, 3, "seed", person.id)]

    assert sample(people[:25], 0.5, 3, "seed") == [p for p in alone if p.id < 25]


async def test_a_persons_zone_is_theirs_or_the_organisations(
    sqlite_db: Database, ctx: BotContext
) -> None:
    tokyo = await add_person(sqlite_db, "kenji", timezone="Asia/Tokyo")
    unset = await add_person(sqlite_db, "amara")
    typo = await add_person(sqlite_db, "sam", timezone="Mars/Olympus")

    assert zone_of(ctx, tokyo) == "Asia/Tokyo"
    assert zone_of(ctx, unset) == "America/New_York"  # the ctx fixture's default
    assert zone_of(ctx, typo) == "America/New_York"
