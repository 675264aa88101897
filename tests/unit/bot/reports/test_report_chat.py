"""`report` in chat: a leader gets this period's top themes per question with the change
since the period before, participation, and one chart as a PNG image; a clinician is
refused; a view with too few people says so and shows no chart."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.context import BotContext
from bot.messages import from_body, to_body
from bot.people.roles import Role
from tests.storage.matrix_rows import Answers, coder, organisation, seed_known_answers
from tests.unit.bot.dispatch_harness import ChatHarness, texts

# 30 days back reaches the known answers of "now" (Feb 20), the 30 before that "before".
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_leader_gets_the_summary_and_a_chart(
    chat: ChatHarness, ctx: BotContext, clock: FixedClock
) -> None:
    await seed_known_answers(chat.database)
    await chat.grant("lee", Role.LEADER)
    clock.set(NOW)

    [reply] = await chat.say("lee", "report")

    lines = reply.text.splitlines()
    assert lines[0] == ctx.say("report.chat.header", days=30, minimum=5)
    joy = ctx.content.prompt("joy-more").text
    assert lines[1] == ctx.say("report.chat.question", question=joy, respondents=21)
    assert lines[2] == ctx.say(
        "report.chat.theme_change",
        theme="Team dynamics and staffing",
        percent=86,
        change="+35.7",
        days=30,
    )
    assert ctx.say("report.chat.participation_none") in lines
    assert reply.image is not None
    assert reply.image.data.startswith(PNG)
    assert 2_000 < len(reply.image.data) < 20_000  # small enough for a Teams card
    assert reply.image.alt == ctx.say("report.chat.chart_alt", days=30)
    # Kept in the outbox and read back, the image survives whole.
    assert from_body(to_body(reply)).image == reply.image


async def test_a_clinician_is_refused(chat: ChatHarness, ctx: BotContext) -> None:
    await seed_known_answers(chat.database)
    await chat.join("amara")

    assert texts(await chat.say("amara", "report")) == [ctx.say("refused.see_reports")]


async def test_too_few_people_this_period_says_so_without_a_chart(
    chat: ChatHarness, ctx: BotContext, clock: FixedClock
) -> None:
    await seed_known_answers(chat.database)
    await chat.grant("wendy", Role.WELLNESS_LEAD)
    clock.set(datetime(2026, 12, 1, tzinfo=UTC))  # nobody answered in the last 30 days

    [nothing] = await chat.say("wendy", "report")

    assert nothing.image is None
    assert nothing.text == ctx.say("report.chat.no_answers", days=30)
    # Three people since: too few to show anything.
    async with chat.database.transaction() as session:
        answers = Answers(session, await organisation(session, "local", "local"))
        for n in range(3):
            await answers.answer(
                f"few-{n}", "short staffed", coder("staffing", "barrier"), when=clock.now()
            )
    clock.set(datetime(2026, 12, 2, tzinfo=UTC))

    [few] = await chat.say("wendy", "report")

    assert few.image is None
    assert few.text == ctx.say("report.chat.too_few", days=30, minimum=5)
    assert "filter" not in few.text


async def test_help_tells_leaders_about_report(chat: ChatHarness, ctx: BotContext) -> None:
    await chat.grant("lee", Role.LEADER)
    await chat.join("amara")

    assert ctx.say("report.help") in texts(await chat.say("lee", "help"))[0]
    assert ctx.say("report.help") not in texts(await chat.say("amara", "help"))[0]
