"""Response rates from the deliveries, with the minimum group size applied: small groups
are hidden, and so is whatever would let them be worked out by subtraction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select, update

from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.people.roles import Role
from bot.privacy.audit import SCHEDULER
from bot.pulses.participation import GroupRate, of_occurrences, of_pulse, rate_text
from bot.pulses.runs import send_now
from storage.engine import Database
from storage.models import Delivery, Occurrence, Person, Response
from storage.states import DeliveryState
from tests.unit.bot.dispatch_harness import ChatHarness
from tests.unit.bot.pulses.test_pulses import add_person, create


async def _set_states(database: Database, ctx: BotContext, states: Mapping[str, str]) -> None:
    """Move the named people's deliveries on, as the outbox and their answers would."""
    now = ctx.clock.now()
    async with database.transaction() as session:
        for user_id, state in states.items():
            person_id = select(Person.id).where(Person.platform_user_id == user_id)
            await session.execute(
                update(Delivery)
                .where(Delivery.person_id.in_(person_id.scalar_subquery()))
                .values(state=state, sent_at=None if state == DeliveryState.FAILED else now)
            )


def _groups(rows: list[GroupRate]) -> dict[str, tuple[bool, int, int]]:
    return {row.group: (row.shown, row.tally.sent, row.tally.answered) for row in rows}


async def test_by_site_a_site_of_three_is_hidden_and_so_is_the_next_smallest(
    sqlite_db: Database, ctx: BotContext
) -> None:
    states: dict[str, str] = {}
    for site, size, answering in (("North", 7, 4), ("South", 6, 3), ("West", 5, 5), ("East", 3, 3)):
        for number in range(size):
            user_id = f"{site.lower()}{number}"
            await add_person(sqlite_db, user_id, site=site)
            states[user_id] = DeliveryState.ANSWERED if number < answering else DeliveryState.SENT
    pulse = await create(sqlite_db, ctx)
    await send_now(
        sqlite_db, ctx, Outbox(sqlite_db, ctx, {}), pulse.organisation_id, pulse.id, by=SCHEDULER
    )
    await _set_states(sqlite_db, ctx, states)

    async with sqlite_db.transaction() as session:
        occurrences = list(await session.scalars(select(Occurrence)))
        figures = (await of_occurrences(session, ctx, occurrences))[occurrences[0].id]

    assert (figures.whole.sent, figures.whole.answered, figures.shown) == (21, 15, True)
    assert figures.rate == 15 / 21
    # East (3) alone would be whole minus the rest: West (5), the smallest shown, goes too.
    assert _groups(figures.by_site) == {
        "North": (True, 7, 4),
        "South": (True, 6, 3),
        "West": (False, 5, 5),
        "East": (False, 3, 3),
    }
    assert rate_text(ctx, figures) == "71% answered (15 of 21)"


async def test_by_role_counts_each_role_a_person_holds(
    sqlite_db: Database, ctx: BotContext
) -> None:
    for number in range(6):
        await add_person(sqlite_db, f"c{number}", site="North")
    for number in range(5):
        roles = [Role.LEADER, Role.CLINICIAN] if number < 3 else [Role.LEADER]
        await add_person(sqlite_db, f"l{number}", site="North", roles=roles)
    await add_person(sqlite_db, "ana", site="North", roles=[])
    # Named one by one: those who only lead, and Ana with no role, are asked too.
    everybody = ",".join([*(f"c{n}" for n in range(6)), *(f"l{n}" for n in range(5)), "ana"])
    pulse = await create(sqlite_db, ctx, audience=(f"people:{everybody}",))
    await send_now(
        sqlite_db, ctx, Outbox(sqlite_db, ctx, {}), pulse.organisation_id, pulse.id, by=SCHEDULER
    )
    await _set_states(
        sqlite_db,
        ctx,
        {f"c{n}": DeliveryState.ANSWERED for n in range(6)}
        | {"l0": DeliveryState.ANSWERED}
        | {f"l{n}": DeliveryState.SENT for n in range(1, 5)}
        | {"ana": DeliveryState.SENT},
    )

    async with sqlite_db.transaction() as session:
        figures = await of_pulse(session, ctx, pulse.id)

    assert (figures.whole.sent, figures.whole.answered) == (12, 7)
    by_role = _groups(figures.by_role)
    assert by_role["clinician"][1:] == (9, 7)
    assert by_role["leader"][1:] == (5, 1)
    # The one person with no role is hidden, and the smallest role with them.
    assert (by_role[""][0], by_role["leader"][0], by_role["clinician"][0]) == (False, False, True)


async def test_below_the_minimum_the_rate_of_the_whole_is_withheld(
    sqlite_db: Database, ctx: BotContext
) -> None:
    for number in range(4):
        await add_person(sqlite_db, f"u{number}", site="North")
    pulse = await create(sqlite_db, ctx)
    await send_now(
        sqlite_db, ctx, Outbox(sqlite_db, ctx, {}), pulse.organisation_id, pulse.id, by=SCHEDULER
    )
    await _set_states(
        sqlite_db,
        ctx,
        {
            "u0": DeliveryState.ANSWERED,
            "u1": DeliveryState.SENT,
            "u2": DeliveryState.SENT,
            "u3": DeliveryState.FAILED,
        },
    )

    async with sqlite_db.transaction() as session:
        figures = await of_pulse(session, ctx, pulse.id)

    assert (figures.whole.sent, figures.whole.failed, figures.shown, figures.rate) == (
        3,
        1,
        False,
        None,
    )
    assert [row.shown for row in figures.by_site] == [False]
    assert rate_text(ctx, figures) == "sent to 3, fewer than 5, so no rate is shown"


async def test_waiting_prompts_are_queued_or_deferred(sqlite_db: Database, ctx: BotContext) -> None:
    for number in range(3):
        await add_person(sqlite_db, f"u{number}")
    pulse = await create(sqlite_db, ctx)
    await send_now(
        sqlite_db, ctx, Outbox(sqlite_db, ctx, {}), pulse.organisation_id, pulse.id, by=SCHEDULER
    )
    async with sqlite_db.transaction() as session:
        later = ctx.clock.now() + timedelta(hours=9)
        await session.execute(
            update(Delivery)
            .where(Delivery.id == select(Delivery.id).limit(1).scalar_subquery())
            .values(due_at=later)
        )
        figures = await of_pulse(session, ctx, pulse.id)

    assert (figures.whole.recipients, figures.whole.queued, figures.whole.deferred) == (3, 2, 1)
    assert figures.whole.sent == 0
    assert rate_text(ctx, None) == "not sent yet"


async def test_an_anonymous_pulse_is_counted_from_deliveries_not_answers(
    chat: ChatHarness, ctx: BotContext
) -> None:
    clinicians = [f"c{number}" for number in range(5)]
    for user_id in clinicians:
        await chat.join(user_id)
    pulse = await create(
        chat.database, ctx, prompts=("joy-more",), anonymity="anonymous", window="09:00-17:00"
    )
    await send_now(chat.database, ctx, chat.outbox, pulse.organisation_id, pulse.id, by=SCHEDULER)
    await chat.outbox.dispatch_due()
    for user_id in clinicians[:4]:
        asked = chat.sender.messages_to(user_id)
        assert asked and asked[0].question is not None
        await chat.say(user_id, "Time with my patients")

    async with chat.database.transaction() as session:
        figures = await of_pulse(session, ctx, pulse.id)
        answers = list(await session.scalars(select(Response)))

    assert (figures.whole.sent, figures.whole.answered, figures.rate) == (5, 4, 0.8)
    assert len(answers) == 4 and all(answer.person_id is None for answer in answers)
