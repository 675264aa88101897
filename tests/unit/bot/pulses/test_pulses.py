"""Pulse definitions: what is stored, the defaults, and a clear refusal for every mistake.

The helpers at the top (people with a site, tags, zone and roles; a pulse from a few
overrides) are shared by the other pulse tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.context import BotContext
from bot.people.roles import Role
from bot.privacy.audit import at_cli
from bot.pulses.audience import PulseProblem
from bot.pulses.definitions import PulseSpec, create_pulse, delete_pulse, schedule_of, set_paused
from bot.pulses.schedule import Preset, next_fire
from storage.engine import Database
from storage.models import Occurrence, Person, Pulse, Response
from storage.people import PeopleRepository
from storage.pulses import PulseRepository

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # the `clock` fixture's Monday


async def add_person(
    database: Database,
    user_id: str,
    *,
    site: str | None = None,
    tags: Sequence[str] = (),
    timezone: str | None = None,
    roles: Sequence[str] = (Role.CLINICIAN,),
    gone: bool = False,
    paused: bool = False,
) -> Person:
    async with database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace("local", "local", now=NOW)
        person = await people.add(
            Person(
                workspace_id=workspace.id,
                platform_user_id=user_id,
                display_name=user_id.title(),
                site=site,
                tags=list(tags),
                timezone=timezone,
                gone=gone,
                paused=paused,
                conversation_ref={
                    "platform": "local",
                    "workspace": "local",
                    "conversation_id": f"dm-{user_id}",
                },
                created_at=NOW,
            )
        )
        for role in roles:
            await people.grant(person, role, now=NOW)
        return person


async def local_organisation(database: Database) -> int:
    """The organisation of the local chat's workspace, where these tests' people are."""
    async with database.transaction() as session:
        workspace = await PeopleRepository(session).workspace("local", "local", now=NOW)
        return workspace.organisation_id


def spec(**overrides: object) -> PulseSpec:
    base = PulseSpec(name="Weekly check-in", prompts=("joy-more",))
    return replace(base, **overrides)  # type: ignore[arg-type]


async def create(database: Database, ctx: BotContext, **overrides: object) -> Pulse:
    organisation = await local_organisation(database)
    async with database.transaction() as session:
        return await create_pulse(session, ctx, organisation, spec(**overrides))


async def refusal(database: Database, ctx: BotContext, **overrides: object) -> PulseProblem:
    with pytest.raises(PulseProblem) as raised:
        await create(database, ctx, **overrides)
    # Every refusal is a sentence from the copy, with all its values filled in.
    ctx.say(raised.value.copy_key, **raised.value.values)
    return raised.value


async def pulse_count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Pulse)) or 0)


# --- what is stored ------------------------------------------------------------------------


async def test_a_pulse_with_the_defaults(sqlite_db: Database, ctx: BotContext) -> None:
    await add_person(sqlite_db, "amara", site="North")

    pulse = await create(sqlite_db, ctx, prompts=("joy-more", "valued"))

    assert pulse.prompt_ids == ["joy-more", "valued"]
    assert pulse.prompts_per_occurrence == 2
    assert pulse.rotate_bank_id is None
    assert pulse.audience == {}  # everyone
    assert pulse.schedule == "weekly"
    assert (pulse.send_window_start, pulse.send_window_end) == ("12:00", "13:00")
    assert pulse.days_of_week == "mon,tue,wed,thu,fri"
    assert pulse.reminder_after_hours == 24
    assert pulse.close_after_days == 7
    assert pulse.anonymity == "confidential"
    assert pulse.paused is False
    assert pulse.sample_fraction is None


async def test_every_two_weeks_counts_from_the_creation_date(
    sqlite_db: Database, ctx: BotContext
) -> None:
    await add_person(sqlite_db, "amara")

    pulse = await create(sqlite_db, ctx, schedule="every two weeks", window="09:30-10:00")

    assert pulse.schedule == "fortnightly"
    assert pulse.anchor_date == date(2026, 3, 2)
    schedule = schedule_of(pulse)
    assert schedule.preset is Preset.FORTNIGHTLY
    zone = ZoneInfo("America/Chicago")
    first = next_fire(schedule, zone, NOW).astimezone(zone)
    second = next_fire(schedule, zone, first).astimezone(zone)
    assert first.time() == time(9, 30)
    assert (second.date() - first.date()).days == 14


async def test_a_cron_schedule_with_its_own_days_and_window(
    sqlite_db: Database, ctx: BotContext
) -> None:
    await add_person(sqlite_db, "amara")

    pulse = await create(sqlite_db, ctx, schedule="30 12 * * tue", window="12:00-14:00")

    assert pulse.schedule == "30 12 * * tue"
    fire = next_fire(schedule_of(pulse), ZoneInfo("America/New_York"), NOW)
    local = fire.astimezone(ZoneInfo("America/New_York"))
    assert (local.strftime("%a"), local.time()) == ("Tue", time(12, 30))


async def test_rotating_through_a_bank(sqlite_db: Database, ctx: BotContext) -> None:
    await add_person(sqlite_db, "amara", site="North", tags=["nights"])

    pulse = await create(
        sqlite_db,
        ctx,
        prompts=(),
        rotate_bank="guide",
        per_occurrence=2,
        audience=("site:north", "tag:Nights"),
        sample=0.5,
        reminder_hours=None,
        anonymity="anonymous",
    )

    assert pulse.prompt_ids == []
    assert (pulse.rotate_bank_id, pulse.prompts_per_occurrence, pulse.rotation_index) == (
        "guide",
        2,
        0,
    )
    assert pulse.audience == {"sites": ["north"], "tags": ["Nights"]}
    assert pulse.sample_fraction == 0.5
    assert pulse.reminder_after_hours is None
    assert pulse.anonymity == "anonymous"


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"name": "  "}, "pulse.error.name"),
        ({"prompts": ("joy-more", "no-such-prompt")}, "pulse.error.unknown_prompt_known"),
        ({"prompts": ()}, "pulse.error.no_prompts"),
        ({"prompts": ("joy-more", "joy-more")}, "pulse.error.repeated_prompt"),
        (
            {
                "prompts": (
                    "joy-more",
                    "engaged",
                    "valued",
                    "scope-happy",
                    "going-well",
                    "covid-impact",
                )
            },
            "pulse.error.too_many_prompts",
        ),
        ({"rotate_bank": "guide"}, "pulse.error.prompts_and_bank"),
        ({"prompts": (), "rotate_bank": "nope"}, "pulse.error.unknown_bank"),
        (
            {"prompts": (), "rotate_bank": "guide", "per_occurrence": 6},
            "pulse.error.per_occurrence",
        ),
        (
            {"prompts": (), "rotate_bank": "guide", "per_occurrence": 0},
            "pulse.error.per_occurrence",
        ),
        ({"window": "noon"}, "pulse.error.window"),
        ({"window": "25:00-26:00"}, "pulse.error.window"),
        ({"window": "13:00-12:00"}, "pulse.error.window_order"),
        ({"anonymity": "secret"}, "pulse.error.anonymity"),
        ({"sample": 0.0}, "pulse.error.sample"),
        ({"sample": 1.5}, "pulse.error.sample"),
        ({"close_after_days": 0}, "pulse.error.close_after"),
        ({"reminder_hours": 0}, "pulse.error.reminder"),
        ({"reminder_hours": 7 * 24}, "pulse.error.reminder"),
        ({"audience": ("floor:3",)}, "pulse.error.audience_term"),
        ({"audience": ("site:",)}, "pulse.error.audience_empty_term"),
        ({"audience": ("everyone", "site:North")}, "pulse.error.audience_everyone_and_more"),
        ({"audience": ("role:surgeon",)}, "pulse.error.unknown_role"),
        ({"audience": ("site:Nowhere",)}, "pulse.error.nobody_sites_known"),
        ({"audience": ("tag:days",)}, "pulse.error.nobody_tags_known"),
        ({"audience": ("people:U404",)}, "pulse.error.nobody_people_known"),
        ({"audience": ("site:North", "role:leader")}, "pulse.error.nobody"),
        ({"days": "funday"}, "pulse.error.days"),
    ],
)
async def test_a_mistake_is_refused_with_its_sentence_and_nothing_is_stored(
    sqlite_db: Database, ctx: BotContext, overrides: dict[str, object], problem: str
) -> None:
    await add_person(sqlite_db, "amara", site="North", tags=["nights"])
    await add_person(sqlite_db, "helen", site="South", roles=[Role.LEADER])

    refused = await refusal(sqlite_db, ctx, **overrides)

    assert refused.copy_key == problem
    assert await pulse_count(sqlite_db) == 0


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("*/5 * * * *", "times a day"),
        ("0 12 31 2 *", "never fires"),
        ("0 12 *", "5 fields"),
        ("0 12 1 * mon", "not both"),
    ],
)
async def test_a_bad_cron_says_why(
    sqlite_db: Database, ctx: BotContext, cron: str, reason: str
) -> None:
    await add_person(sqlite_db, "amara")

    refused = await refusal(sqlite_db, ctx, schedule=cron)

    assert refused.copy_key == "pulse.error.schedule"
    assert reason in ctx.say(refused.copy_key, **refused.values)


async def test_a_name_is_taken_whatever_its_case(sqlite_db: Database, ctx: BotContext) -> None:
    await add_person(sqlite_db, "amara")
    await create(sqlite_db, ctx, name="Weekly check-in")

    refused = await refusal(sqlite_db, ctx, name="weekly  CHECK-IN")

    assert refused.copy_key == "pulse.error.duplicate_name"
    assert await pulse_count(sqlite_db) == 1


async def test_an_audience_of_gone_people_only_matches_nobody(
    sqlite_db: Database, ctx: BotContext
) -> None:
    await add_person(sqlite_db, "amara", site="North", gone=True)
    await add_person(sqlite_db, "jordan", site="South")

    refused = await refusal(sqlite_db, ctx, audience=("site:North",))

    assert refused.copy_key == "pulse.error.nobody_sites_known"


# --- pause, resume, delete -----------------------------------------------------------------


async def test_pause_and_resume_by_name(sqlite_db: Database, ctx: BotContext) -> None:
    await add_person(sqlite_db, "amara")
    await create(sqlite_db, ctx)

    organisation = await local_organisation(sqlite_db)
    async with sqlite_db.transaction() as session:
        paused = await set_paused(session, ctx, organisation, "WEEKLY CHECK-IN", True)
    assert paused.paused is True
    async with sqlite_db.transaction() as session:
        resumed = await set_paused(session, ctx, organisation, "Weekly check-in", False)
    assert resumed.paused is False

    with pytest.raises(PulseProblem) as raised:
        async with sqlite_db.transaction() as session:
            await set_paused(session, ctx, organisation, "Monthly", True)
    assert raised.value.copy_key == "pulse.error.unknown_pulse"


async def test_deleting_keeps_past_occurrences_and_answers(
    sqlite_db: Database, ctx: BotContext
) -> None:
    amara = await add_person(sqlite_db, "amara")
    pulse = await create(sqlite_db, ctx)
    async with sqlite_db.transaction() as session:
        occurrence = Occurrence(
            organisation_id=pulse.organisation_id,
            pulse_id=pulse.id,
            prompt_ids=["joy-more"],
            opened_at=NOW,
        )
        await PulseRepository(session).open_occurrence(occurrence)
        session.add(
            Response(
                organisation_id=pulse.organisation_id,
                occurrence_id=occurrence.id,
                prompt_id="joy-more",
                person_id=amara.id,
                text="Teaching residents",
                redactions=[],
                created_at=NOW,
                updated_at=NOW,
            )
        )

    async with sqlite_db.transaction() as session:
        kept = await delete_pulse(
            session, pulse.organisation_id, "weekly check-in", by=at_cli("ops"), now=NOW
        )

    assert kept == 1
    assert await pulse_count(sqlite_db) == 0
    async with sqlite_db.transaction() as session:
        stored = await session.get(Occurrence, occurrence.id)
        answers = (await session.scalars(select(Response))).all()
    assert stored is not None and stored.pulse_id is None
    assert [answer.text for answer in answers] == ["Teaching residents"]
