"""`summary` in chat: leaders and the wellness lead get each question's top themes, with
small groups hidden as in the matrix; a clinician is refused politely; an organisation
with no answers hears so."""

from __future__ import annotations

from bot.context import BotContext
from bot.people.roles import Role
from tests.storage.matrix_rows import Answers, coder, organisation, seed_known_answers
from tests.unit.bot.dispatch_harness import ChatHarness, texts


async def test_a_leader_gets_the_top_themes_per_question(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await seed_known_answers(chat.database)
    await chat.grant("lee", Role.LEADER)

    [reply] = texts(await chat.say("lee", "summary"))

    lines = reply.splitlines()
    assert lines[0] == ctx.say("analysis.summary_header", minimum=5)
    joy = ctx.content.prompt("joy-more").text
    # Everyone's answers, all time: joy-more has 31 people (21 now, 10 before).
    assert lines[1] == ctx.say("analysis.summary_question", question=joy, respondents=31)
    assert lines[2] == ctx.say(
        "analysis.summary_theme",
        theme="Team dynamics and staffing",
        percent=74,  # 23 of 31
        barriers=18,
        enablers=5,
    )
    # The anonymous question: 7 answers, 7 people.
    engaged = ctx.content.prompt("engaged").text
    assert ctx.say("analysis.summary_question", question=engaged, respondents=7) in lines
    assert lines[-1] == ctx.say("analysis.summary_more")
    # `matrix` is the same command.
    assert texts(await chat.say("lee", "matrix")) == [reply]


async def test_a_clinician_is_refused_and_nothing_is_shown(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await seed_known_answers(chat.database)
    await chat.join("amara")

    assert texts(await chat.say("amara", "summary")) == [ctx.say("refused.see_reports")]


async def test_no_answers_yet(chat: ChatHarness, ctx: BotContext) -> None:
    await chat.grant("wendy", Role.WELLNESS_LEAD)

    assert texts(await chat.say("wendy", "summary")) == [ctx.say("analysis.no_answers")]


async def test_a_question_with_too_few_answers_says_fewer_than_the_minimum(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.grant("lee", Role.LEADER)
    async with chat.database.transaction() as session:
        answers = Answers(session, await organisation(session, "local", "local"))
        for n in range(3):
            await answers.answer(f"few-{n}", "short staffed", coder("staffing", "barrier"))

    [reply] = texts(await chat.say("lee", "summary"))

    joy = ctx.content.prompt("joy-more").text
    assert f"• {joy} (fewer than 5 answered)" in reply.splitlines()
    assert "(- answered)" not in reply
