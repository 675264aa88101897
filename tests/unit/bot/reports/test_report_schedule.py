"""The scheduled summary: a wellness lead sets it in chat (monthly unless they say
weekly), the scheduler queues it for the leaders through the outbox when due, with its
chart, once per period however late it runs, and `report off` stops it. Leaders and
clinicians may not set it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.context import BotContext
from bot.people.roles import Role
from bot.reports import send_due_reports
from bot.reports.schedule import next_after
from tests.storage.matrix_rows import seed_known_answers
from tests.unit.bot.dispatch_harness import ChatHarness, texts

SET_AT = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


async def test_the_summary_goes_to_the_leaders_every_month(
    chat: ChatHarness, ctx: BotContext, clock: FixedClock
) -> None:
    await seed_known_answers(chat.database)
    await chat.grant("wendy", Role.WELLNESS_LEAD)
    clock.set(SET_AT)

    [reply] = texts(await chat.say("wendy", "report every month"))

    assert reply == ctx.say(
        "report.schedule.set", every=ctx.say("report.every.month"), next="2026-03-10"
    )
    assert await send_due_reports(chat.database, ctx) == 0  # not due yet
    # The scheduler was down for two days past the day: one report, not one per check.
    clock.set(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    assert await send_due_reports(chat.database, ctx) == 1
    assert await send_due_reports(chat.database, ctx) == 0
    await chat.outbox.dispatch_due()

    [(_, audience, message)] = chat.sender.announced
    assert audience == "leaders"
    heading = ctx.say("report.chat.scheduled", every=ctx.say("report.every.month"))
    assert message.text.splitlines()[0] == heading
    assert message.image is not None and message.image.data.startswith(b"\x89PNG")
    assert "Team dynamics and staffing: 86%" in message.text
    # The next is a month after the one due, not after the late run.
    clock.set(datetime(2026, 4, 10, 9, 0, tzinfo=UTC))
    assert await send_due_reports(chat.database, ctx) == 1


async def test_weekly_and_off(chat: ChatHarness, ctx: BotContext, clock: FixedClock) -> None:
    await chat.grant("wendy", Role.WELLNESS_LEAD)
    clock.set(SET_AT)

    [weekly] = texts(await chat.say("wendy", "report weekly"))
    [off] = texts(await chat.say("wendy", "report off"))
    [again] = texts(await chat.say("wendy", "report off"))

    assert weekly == ctx.say(
        "report.schedule.set", every=ctx.say("report.every.week"), next="2026-02-17"
    )
    assert (off, again) == (ctx.say("report.schedule.off"), ctx.say("report.schedule.none"))
    clock.set(SET_AT + timedelta(days=60))
    assert await send_due_reports(chat.database, ctx) == 0


async def test_only_the_wellness_lead_sets_it(chat: ChatHarness, ctx: BotContext) -> None:
    await chat.grant("lee", Role.LEADER)

    assert texts(await chat.say("lee", "report every week")) == [ctx.say("refused.manage_pulses")]
    assert await send_due_reports(chat.database, ctx) == 0


def test_a_month_later_keeps_the_day_or_the_month_end() -> None:
    assert next_after(datetime(2026, 1, 31, tzinfo=UTC), "month") == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert next_after(datetime(2026, 12, 5, tzinfo=UTC), "month") == datetime(
        2027, 1, 5, tzinfo=UTC
    )
