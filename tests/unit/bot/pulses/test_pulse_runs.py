"""A scheduled firing: one occurrence per pulse, zone and local day, only that zone's
people, the same questions in every zone of a day, rotation across days; send-now."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.privacy.audit import SCHEDULER
from bot.pulses.audience import PulseProblem, sample
from bot.pulses.definitions import set_paused
from bot.pulses.runs import fire, occurrence_key, send_now, zones_of
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import Delivery, Occurrence, Person, Pulse
from storage.states import DeliveryState
from tests.unit.bot.dispatch_harness import RecordingSender
from tests.unit.bot.pulses.test_pulses import add_person, create

NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
CHICAGO = "America/Chicago"
GUIDE = [
    "joy-more",
    "engaged",
    "scope-happy",
    "teamwork-support",
    "effective-support",
    "valued",
    "covid-impact",
    "autonomy-vital",
    "break-the-rules",
    "job-difficult",
    "going-well",
]


def noon(zone: str, day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


async def occurrences(database: Database) -> list[Occurrence]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Occurrence).order_by(Occurrence.id)))


async def recipients(database: Database, occurrence_id: int) -> list[str]:
    async with database.transaction() as session:
        found = await session.scalars(
            select(Person.platform_user_id)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(Delivery.occurrence_id == occurrence_id)
            .order_by(Person.platform_user_id)
        )
        return list(found)


@pytest.fixture
async def organisation(sqlite_db: Database) -> Database:
    await add_person(sqlite_db, "amara", site="North")  # the org's zone: New York
    await add_person(sqlite_db, "jordan", site="North", timezone=NEW_YORK)
    await add_person(sqlite_db, "kenji", site="North", timezone=TOKYO)
    await add_person(sqlite_db, "wei", site="South", timezone=CHICAGO)
    await add_person(sqlite_db, "gone", site="North", timezone="Europe/Paris", gone=True)
    return sqlite_db


@pytest.fixture
def outbox(sqlite_db: Database, ctx: BotContext) -> Outbox:
    return Outbox(sqlite_db, ctx, {})


async def test_the_zones_of_a_pulses_audience(organisation: Database, ctx: BotContext) -> None:
    everyone = await create(organisation, ctx, name="All")
    north = await create(organisation, ctx, name="North", audience=("site:North",))

    assert await zones_of(organisation, ctx, everyone.id) == {NEW_YORK, TOKYO, CHICAGO}
    assert await zones_of(organisation, ctx, north.id) == {NEW_YORK, TOKYO}
    assert await zones_of(organisation, ctx, 999) == set()


async def test_a_firing_opens_one_occurrence_for_that_zone_only(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, prompts=("joy-more", "valued"))
    day = date(2026, 3, 2)

    queued = await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, noon(NEW_YORK, day))

    assert queued == 2
    [opened] = await occurrences(organisation)
    assert (
        opened.key
        == f"pulse:{pulse.id}:{NEW_YORK}:2026-03-02"
        == occurrence_key(pulse.id, NEW_YORK, day)
    )
    assert (opened.zone, opened.pulse_id, opened.prompt_ids) == (
        NEW_YORK,
        pulse.id,
        ["joy-more", "valued"],
    )
    assert opened.anonymity == "confidential"
    assert opened.closes_at == ctx.clock.now() + timedelta(days=7)
    assert await recipients(organisation, opened.id) == ["amara", "jordan"]


async def test_a_second_firing_the_same_local_day_opens_nothing(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx)
    day = date(2026, 3, 2)
    await fire(organisation, ctx, outbox, pulse.id, TOKYO, noon(TOKYO, day))

    # A restart, a second replica, a misfire: same zone, same local day, a later moment.
    again = await fire(
        organisation, ctx, outbox, pulse.id, TOKYO, noon(TOKYO, day) + timedelta(hours=3)
    )

    assert again == 0
    assert len(await occurrences(organisation)) == 1
    next_day = await fire(
        organisation, ctx, outbox, pulse.id, TOKYO, noon(TOKYO, day + timedelta(days=1))
    )
    assert next_day == 1


async def test_rotation_asks_the_next_questions_each_day_the_same_in_every_zone(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, prompts=(), rotate_bank="guide", per_occurrence=2)
    first = date(2026, 3, 2)

    asked: dict[date, set[tuple[str, ...]]] = {}
    for offset in range(7):
        day = first + timedelta(days=offset)
        for zone in (TOKYO, NEW_YORK, CHICAGO):  # Tokyo's noon comes first
            await fire(organisation, ctx, outbox, pulse.id, zone, noon(zone, day))
    for occurrence in await occurrences(organisation):
        assert occurrence.key is not None
        day = date.fromisoformat(occurrence.key.rsplit(":", 1)[1])
        asked.setdefault(day, set()).add(tuple(occurrence.prompt_ids))

    for offset in range(7):
        day = first + timedelta(days=offset)
        expected = (GUIDE[(2 * offset) % 11], GUIDE[(2 * offset + 1) % 11])
        assert asked[day] == {expected}, day
    assert asked[first + timedelta(days=5)] == {("going-well", "joy-more")}  # wrapped
    async with organisation.transaction() as session:
        stored = await session.get(Pulse, pulse.id)
    assert stored is not None and stored.rotation_index == 14 % 11


async def test_a_zone_firing_late_asks_its_own_days_questions(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, prompts=(), rotate_bank="guide", per_occurrence=1)
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    await fire(organisation, ctx, outbox, pulse.id, TOKYO, noon(TOKYO, monday))
    await fire(organisation, ctx, outbox, pulse.id, TOKYO, noon(TOKYO, tuesday))

    # New York's Monday job ran only after Tokyo's Tuesday (downtime, a misfire).
    await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, noon(NEW_YORK, monday))

    by_key = {
        occurrence.key: occurrence.prompt_ids for occurrence in await occurrences(organisation)
    }
    assert by_key[occurrence_key(pulse.id, NEW_YORK, monday)] == ["joy-more"]
    assert by_key[occurrence_key(pulse.id, TOKYO, tuesday)] == ["engaged"]


async def test_a_paused_pulse_opens_nothing(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx)
    async with organisation.transaction() as session:
        await set_paused(session, ctx, pulse.organisation_id, pulse.name, True)

    assert await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, ctx.clock.now()) == 0
    assert await fire(organisation, ctx, outbox, 999, NEW_YORK, ctx.clock.now()) == 0
    assert await occurrences(organisation) == []


async def test_a_zone_with_nobody_in_the_audience_opens_nothing(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, audience=("site:South",))

    assert await fire(organisation, ctx, outbox, pulse.id, TOKYO, ctx.clock.now()) == 0
    assert await occurrences(organisation) == []


async def test_a_sampled_firing_asks_the_sample_of_that_occurrence(
    sqlite_db: Database, ctx: BotContext, outbox: Outbox
) -> None:
    people = [await add_person(sqlite_db, f"u{number}") for number in range(40)]
    pulse = await create(sqlite_db, ctx, sample=0.5)
    day = date(2026, 3, 2)

    queued = await fire(sqlite_db, ctx, outbox, pulse.id, NEW_YORK, noon(NEW_YORK, day))

    chosen = sample(people, 0.5, pulse.id, occurrence_key(pulse.id, NEW_YORK, day))
    assert 10 <= queued == len(chosen) <= 30
    [opened] = await occurrences(sqlite_db)
    assert await recipients(sqlite_db, opened.id) == sorted(p.platform_user_id for p in chosen)


async def test_send_now_asks_the_whole_audience_and_moves_the_rotation_on(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, prompts=(), rotate_bank="guide", per_occurrence=3)

    opened = await send_now(
        organisation, ctx, outbox, pulse.organisation_id, pulse.id, by=SCHEDULER
    )
    again = await send_now(organisation, ctx, outbox, pulse.organisation_id, pulse.id, by=SCHEDULER)

    assert (opened.queued, again.queued) == (4, 4)
    first, second = await occurrences(organisation)
    assert (first.key, first.zone) == (None, None)
    assert first.prompt_ids == GUIDE[0:3]
    assert second.prompt_ids == GUIDE[3:6]
    assert await recipients(organisation, first.id) == ["amara", "jordan", "kenji", "wei"]


async def test_send_now_refuses_a_paused_pulse(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx)
    async with organisation.transaction() as session:
        await set_paused(session, ctx, pulse.organisation_id, pulse.name, True)

    with pytest.raises(PulseProblem) as raised:
        await send_now(organisation, ctx, outbox, pulse.organisation_id, pulse.id, by=SCHEDULER)

    assert raised.value.copy_key == "pulse.error.paused"
    assert await occurrences(organisation) == []


async def test_send_now_leaves_quiet_hours_to_the_outbox(
    sqlite_db: Database, ctx: BotContext
) -> None:
    await add_person(sqlite_db, "amara", timezone=NEW_YORK)  # 13:00 on a Monday
    kenji = await add_person(sqlite_db, "kenji", timezone=TOKYO)  # 03:00, asleep
    async with sqlite_db.transaction() as session:
        stored = await session.get(Person, kenji.id)
        assert stored is not None
        stored.quiet_hours_start, stored.quiet_hours_end = "21:00", "07:00"
    pulse = await create(sqlite_db, ctx, window="09:00-17:00")
    sender = RecordingSender()
    outbox = Outbox(sqlite_db, ctx, {"local": sender})

    await send_now(sqlite_db, ctx, outbox, pulse.organisation_id, pulse.id, by=SCHEDULER)
    await outbox.dispatch_due()

    assert [to.conversation_id for to, _ in sender.sent] == ["dm-amara"]
    async with sqlite_db.transaction() as session:
        waiting = await session.scalar(select(Delivery).where(Delivery.person_id == kenji.id))
    assert waiting is not None
    assert waiting.state == DeliveryState.PENDING and waiting.due_at > ctx.clock.now()


async def test_two_processes_firing_at_once_open_one_occurrence(
    any_db: Database, ctx: BotContext
) -> None:
    """Two engines stand for two replicas: the pulse lock and the unique key decide."""
    for number in range(5):
        await add_person(any_db, f"u{number}")
    pulse = await create(any_db, ctx, prompts=(), rotate_bank="guide", per_occurrence=1)
    other = Database(any_db.url)
    try:
        fired_at = noon(NEW_YORK, date(2026, 3, 2))
        results = await asyncio.gather(
            *(
                fire(database, ctx, Outbox(database, ctx, {}), pulse.id, NEW_YORK, fired_at)
                for database in (any_db, other, any_db, other)
            )
        )
    finally:
        await other.dispose()

    assert sorted(results) == [0, 0, 0, 5]
    [opened] = await occurrences(any_db)
    assert opened.prompt_ids == ["joy-more"]
    async with any_db.transaction() as session:
        stored = await session.get(Pulse, pulse.id)
    assert stored is not None and stored.rotation_index == 1


async def test_the_clock_decides_when_an_occurrence_opened(
    organisation: Database, ctx: BotContext, clock: FixedClock, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx)
    clock.advance(timedelta(hours=2))

    await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, clock.now())

    [opened] = await occurrences(organisation)
    assert opened.opened_at == clock.now()


async def test_a_scheduled_fire_is_audited_with_how_many_not_whom(
    organisation: Database, ctx: BotContext, outbox: Outbox
) -> None:
    pulse = await create(organisation, ctx, prompts=("joy-more",))
    day = date(2026, 3, 2)

    await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, noon(NEW_YORK, day))
    await fire(organisation, ctx, outbox, pulse.id, NEW_YORK, noon(NEW_YORK, day))  # a repeat

    [opened] = await occurrences(organisation)
    async with organisation.transaction() as session:
        [entry] = await AuditRepository(session).entries(AuditFilter(actions=["pulse.sent"]))
    assert (entry.actor_id, entry.operator, entry.subject) == (
        None,
        None,
        f"occurrence:{opened.id}",
    )
    assert entry.organisation_id == pulse.organisation_id
    assert entry.detail == {"pulse": pulse.name, "queued": 2, "zone": NEW_YORK, "via": "scheduler"}
