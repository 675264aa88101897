"""Organisations: a new workspace is one of its own; `--org` finds one by name or by any
of its workspaces' ids, or refuses in one sentence that lists them; pulse names and
audiences keep to one organisation; linking moves a workspace and what is its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.context import BotContext
from bot.people.organisations import (
    LINK_ACTION,
    OrganisationProblem,
    link_workspace,
    organisations,
    resolve_organisation,
)
from bot.people.roles import Role
from bot.pulses.audience import PulseProblem, members, parse_audience
from bot.pulses.definitions import PulseSpec, create_pulse, find_pulse
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import Delivery, Idea, Occurrence, Organisation, Person, Pulse, Response
from storage.people import PeopleRepository
from storage.states import DeliveryState

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
SLACK = ("slack", "T0ONE", "First Hospital")
OTHER_SLACK = ("slack", "T0TWO", "Second Hospital")
TEAMS = ("msteams", "tenant-1", "")


async def meet(database: Database, where: tuple[str, str, str], user_id: str) -> Person:
    """Someone from `where` (platform, workspace id, workspace name) talks to Thrive."""
    platform, external_id, name = where
    async with database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace(platform, external_id, now=NOW, name=name)
        person = await people.add(
            Person(
                workspace_id=workspace.id,
                platform_user_id=user_id,
                display_name=user_id.title(),
                tags=[],
                conversation_ref={
                    "platform": platform,
                    "workspace": external_id,
                    "conversation_id": f"dm-{user_id}",
                },
                created_at=NOW,
            )
        )
        await people.grant(person, Role.CLINICIAN, now=NOW)
        return person


async def organisation(database: Database, given: str | None) -> Organisation:
    async with database.transaction() as session:
        return await resolve_organisation(session, given)


async def refusal(database: Database, ctx: BotContext, given: str | None) -> str:
    with pytest.raises(OrganisationProblem) as raised:
        await organisation(database, given)
    return ctx.say(raised.value.copy_key, **raised.value.values)


@pytest.fixture
async def three(sqlite_db: Database) -> Database:
    """Two Slack workspaces and a Teams tenant, each an organisation of its own."""
    await meet(sqlite_db, SLACK, "ana")
    await meet(sqlite_db, OTHER_SLACK, "ben")
    await meet(sqlite_db, TEAMS, "cat")
    return sqlite_db


async def test_each_new_workspace_is_an_organisation_named_after_it(three: Database) -> None:
    async with three.transaction() as session:
        found = await organisations(session)

    assert [
        (o.name, [(w.platform, w.external_id, w.people) for w in o.workspaces]) for o in found
    ] == [
        ("First Hospital", [("slack", "T0ONE", 1)]),
        ("Second Hospital", [("slack", "T0TWO", 1)]),
        ("tenant-1", [("msteams", "tenant-1", 1)]),
    ]


async def test_a_taken_name_gets_a_suffix(sqlite_db: Database) -> None:
    await meet(sqlite_db, ("slack", "T0A", "St Mary's"), "ana")
    await meet(sqlite_db, ("msteams", "tenant-a", "st mary's"), "ben")

    async with sqlite_db.transaction() as session:
        names = [o.name for o in await organisations(session)]
    assert names == ["St Mary's", "st mary's (2)"]


async def test_the_only_organisation_is_the_default(sqlite_db: Database) -> None:
    await meet(sqlite_db, SLACK, "ana")

    assert (await organisation(sqlite_db, None)).name == "First Hospital"


async def test_with_several_and_no_org_the_refusal_lists_them(
    three: Database, ctx: BotContext
) -> None:
    assert await refusal(three, ctx, None) == (
        "There are 3 organisations: say which with --org (a name, Slack team id or Teams "
        "tenant id): First Hospital (T0ONE); Second Hospital (T0TWO); tenant-1 (tenant-1)."
    )


async def test_an_unknown_org_is_refused_with_the_list(three: Database, ctx: BotContext) -> None:
    assert await refusal(three, ctx, "Third Hospital") == (
        "There is no organisation or workspace Third Hospital. Organisations: "
        "First Hospital (T0ONE); Second Hospital (T0TWO); tenant-1 (tenant-1)."
    )


async def test_no_organisation_at_all_is_said_plainly(sqlite_db: Database, ctx: BotContext) -> None:
    assert await refusal(sqlite_db, ctx, None) == (
        "There is no organisation yet: one starts when a workspace first talks to Thrive."
    )


async def test_an_org_is_found_by_name_in_any_case_or_by_a_workspace_id(three: Database) -> None:
    assert (await organisation(three, "second HOSPITAL")).name == "Second Hospital"
    assert (await organisation(three, "T0ONE")).name == "First Hospital"
    assert (await organisation(three, "tenant-1")).name == "tenant-1"


async def test_after_linking_the_tenant_id_finds_the_organisation_it_joined(
    three: Database,
) -> None:
    await link(three, "tenant-1", "T0ONE")

    assert (await organisation(three, "tenant-1")).name == "First Hospital"


async def create(database: Database, ctx: BotContext, org: str, name: str) -> Pulse:
    async with database.transaction() as session:
        found = await resolve_organisation(session, org)
        return await create_pulse(session, ctx, found.id, PulseSpec(name, ("joy-more",)))


async def test_pulse_names_are_unique_per_organisation(three: Database, ctx: BotContext) -> None:
    first = await create(three, ctx, "T0ONE", "Weekly check-in")
    second = await create(three, ctx, "T0TWO", "Weekly check-in")

    assert first.organisation_id != second.organisation_id
    with pytest.raises(PulseProblem) as raised:
        await create(three, ctx, "T0ONE", "WEEKLY check-in")
    assert raised.value.copy_key == "pulse.error.duplicate_name"
    async with three.transaction() as session:
        with pytest.raises(PulseProblem) as unknown:
            await find_pulse(session, first.organisation_id, "Monthly")
        assert (await find_pulse(session, second.organisation_id, "weekly check-in")).id == (
            second.id
        )
    assert unknown.value.copy_key == "pulse.error.unknown_pulse"


async def test_an_audience_keeps_to_its_organisation(three: Database) -> None:
    await link(three, "tenant-1", "T0ONE")
    first = await organisation(three, "T0ONE")

    async with three.transaction() as session:
        found = await members(session, first.id, parse_audience(["everyone"]))
        named = await members(session, first.id, parse_audience(["people:ben,cat"]))

    assert sorted(p.platform_user_id for p in found) == ["ana", "cat"]
    assert [p.platform_user_id for p in named] == ["cat"]  # ben is another organisation's


async def link(database: Database, workspace: str, into: str) -> None:
    async with database.transaction() as session:
        await link_workspace(session, workspace, into, by="ops", now=NOW)


async def _answer_and_idea(database: Database, person: Person, pulse: Pulse | None) -> None:
    """An answer and an idea of `person`, in their organisation."""
    async with database.transaction() as session:
        workspace_organisation = (
            await PeopleRepository(session).organisations_of([person.id])
        ).pop()
        occurrence = Occurrence(
            organisation_id=workspace_organisation,
            pulse_id=pulse.id if pulse else None,
            prompt_ids=["joy-more"],
            opened_at=NOW,
        )
        session.add(occurrence)
        await session.flush()
        session.add_all(
            [
                Delivery(
                    occurrence_id=occurrence.id,
                    person_id=person.id,
                    due_at=NOW,
                    state=DeliveryState.PENDING,
                ),
                Response(
                    organisation_id=workspace_organisation,
                    occurrence_id=occurrence.id,
                    prompt_id="joy-more",
                    person_id=person.id,
                    text="Teaching",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                Idea(
                    organisation_id=workspace_organisation,
                    workspace_id=person.workspace_id,
                    text="Scribes",
                    source="command",
                    submitter_id=person.id,
                    created_at=NOW,
                    updated_at=NOW,
                ),
            ]
        )


async def test_linking_a_lone_workspace_merges_its_organisation_and_records_who(
    three: Database, ctx: BotContext
) -> None:
    cat = (await organisation(three, "tenant-1")).id
    await create(three, ctx, "T0ONE", "Weekly")
    theirs = await create(three, ctx, "tenant-1", "weekly")
    await _answer_and_idea(three, await _person(three, "cat"), theirs)

    async with three.transaction() as session:
        linked = await link_workspace(session, "tenant-1", "First Hospital", by="ops", now=NOW)

    assert (linked.left, linked.joined, linked.left_removed) == ("tenant-1", "First Hospital", True)
    assert linked.moved == {
        "pulses renamed": 1,
        "pulses": 1,
        "occurrences": 1,
        "answers": 1,
        "ideas": 1,
    }
    first = (await organisation(three, "T0ONE")).id
    async with three.transaction() as session:
        assert await session.get(Organisation, cat) is None
        pulses = {p.name: p.organisation_id for p in await session.scalars(select(Pulse))}
        assert pulses == {"Weekly": first, "weekly (tenant-1)": first}
        assert {r.organisation_id for r in await session.scalars(select(Response))} == {first}
        assert {i.organisation_id for i in await session.scalars(select(Idea))} == {first}
        entries = await AuditRepository(session).entries(AuditFilter())
    [entry] = [entry for entry in entries if entry.action == LINK_ACTION]
    assert (entry.action, entry.subject, entry.created_at) == (LINK_ACTION, "msteams:tenant-1", NOW)
    assert entry.detail["by"] == "ops"
    assert (entry.detail["from"], entry.detail["into"]) == ("tenant-1", "First Hospital")


async def test_linking_one_of_several_workspaces_moves_only_what_is_its_own(
    three: Database, ctx: BotContext
) -> None:
    await link(three, "tenant-1", "T0ONE")  # First Hospital: Slack and Teams
    pulse = await create(three, ctx, "T0ONE", "Weekly")
    cat, ana = await _person(three, "cat"), await _person(three, "ana")
    await _answer_and_idea(three, cat, pulse)
    await _answer_and_idea(three, ana, pulse)

    async with three.transaction() as session:
        linked = await link_workspace(session, "tenant-1", "T0TWO", by="ops", now=NOW)

    assert not linked.left_removed
    assert linked.moved == {"prompts closed": 1, "answers": 1, "ideas": 1}
    first, second = (await organisation(three, "T0ONE")).id, (await organisation(three, "T0TWO")).id
    async with three.transaction() as session:
        answers = {r.person_id: r.organisation_id for r in await session.scalars(select(Response))}
        ideas = {i.submitter_id: i.organisation_id for i in await session.scalars(select(Idea))}
        states = {d.person_id: d.state for d in (await session.scalars(select(Delivery))).unique()}
        [kept] = await session.scalars(select(Pulse))
    assert answers == {cat.id: second, ana.id: first}
    assert ideas == {cat.id: second, ana.id: first}
    # Cat's prompt from First Hospital's pulse never goes: she is Second Hospital's now.
    assert states == {cat.id: DeliveryState.CLOSED, ana.id: DeliveryState.PENDING}
    assert kept.organisation_id == first


async def test_linking_refuses_what_it_cannot_do(three: Database, ctx: BotContext) -> None:
    async with three.transaction() as session:
        with pytest.raises(OrganisationProblem) as unknown:
            await link_workspace(session, "T0NINE", "T0ONE", by="ops", now=NOW)
        with pytest.raises(OrganisationProblem) as already:
            await link_workspace(session, "First Hospital", "T0ONE", by="ops", now=NOW)

    assert ctx.say(unknown.value.copy_key, **unknown.value.values) == (
        "There is no workspace T0NINE. Workspaces: First Hospital (T0ONE), "
        "Second Hospital (T0TWO), tenant-1 (tenant-1)."
    )
    assert ctx.say(already.value.copy_key, **already.value.values) == (
        "First Hospital (slack T0ONE) is in First Hospital already."
    )


async def _person(database: Database, user_id: str) -> Person:
    async with database.transaction() as session:
        found = await session.scalar(select(Person).where(Person.platform_user_id == user_id))
    assert found is not None
    return found
