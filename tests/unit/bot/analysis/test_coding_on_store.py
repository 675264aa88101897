"""Every answer and idea is coded in the transaction that stores it, on SQLite and on
PostgreSQL: an edit codes it again, Undo and "forget me" take the codes with the answer,
and a recode in bulk replaces the coder's codes but never a person's."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import delete, select

from bot.analysis import choose_coder, coder_for, recode_all
from bot.analysis.review import (
    CodesProblem,
    agreement_with_people,
    confirm,
    correct,
    import_codes,
    to_review,
)
from bot.context import BotContext
from bot.events import MessageEdited, MessageReceived, MessageRef
from prompts import Content
from storage.codings import NewCode, effective_codes
from storage.engine import Database
from storage.models import Coding, IdeaCoding
from tests.unit.bot.dispatch_harness import (
    LOCAL,
    ChatHarness,
    RecordingSender,
    button,
    conversation_ref,
    person_ref,
)

IN_BASKET = "The in-basket messages keep me up past midnight every night"


@pytest.fixture
def chat_anywhere(any_db: Database, ctx: BotContext) -> ChatHarness:
    return ChatHarness(any_db, ctx, RecordingSender())


async def codes(database: Database, source: str | None = None) -> list[tuple[int, str, str, str]]:
    """(answer id, theme, polarity, source) of every coding, in order."""
    async with database.transaction() as session:
        statement = select(Coding).order_by(Coding.response_id, Coding.theme_id, Coding.source)
        if source is not None:
            statement = statement.where(Coding.source == source)
        rows = (await session.scalars(statement)).all()
    return [(r.response_id, r.theme_id, r.polarity or "", r.source) for r in rows]


def said(user_id: str, text: str, message_id: str) -> MessageReceived:
    return MessageReceived(
        person_ref(user_id),
        conversation_ref(user_id),
        None,
        text=text,
        message_ref=MessageRef(LOCAL, f"dm-{user_id}", message_id),
    )


def edited(user_id: str, text: str, message_id: str) -> MessageEdited:
    return MessageEdited(
        person_ref(user_id),
        conversation_ref(user_id),
        None,
        message_ref=MessageRef(LOCAL, f"dm-{user_id}", message_id),
        text=text,
    )


async def answered(chat: ChatHarness, user_id: str, text: str, prompt: str = "joy-more") -> int:
    await chat.join(user_id)
    await chat.open_prompts([user_id], [prompt])
    await chat.handle(said(user_id, text, f"m-{user_id}"))
    return (await chat.responses())[-1].id


async def test_an_answer_about_the_in_basket_is_coded_as_a_barrier_when_stored(
    chat_anywhere: ChatHarness,
) -> None:
    answer = await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")

    found = await codes(chat_anywhere.database)
    assert (answer, "in-basket", "barrier", "coder") in found
    async with chat_anywhere.database.transaction() as session:
        row = await session.scalar(select(Coding).where(Coding.theme_id == "in-basket"))
    assert row is not None and row.confidence is not None and 0 < row.confidence <= 1
    [response] = await chat_anywhere.responses()
    assert response.role == "clinician"  # who answered, kept like the site


async def test_a_scale_answer_without_words_has_no_codes(chat_anywhere: ChatHarness) -> None:
    await answered(chat_anywhere, "ana", "4", "autonomy-vital")

    assert await codes(chat_anywhere.database) == []


async def test_an_edit_codes_the_answer_again(chat_anywhere: ChatHarness) -> None:
    answer = await answered(chat_anywhere, "ana", "Teaching residents", "joy-more")
    before = await codes(chat_anywhere.database)

    await chat_anywhere.handle(edited("ana", "Not enough staff on nights", "m-ana"))

    after = await codes(chat_anywhere.database)
    assert after != before
    assert (answer, "staffing", "barrier", "coder") in after


async def test_undo_takes_the_answers_codes_with_it(chat_anywhere: ChatHarness) -> None:
    await chat_anywhere.join("ana")
    await chat_anywhere.open_prompts(["ana"], ["job-difficult"])
    replies = await chat_anywhere.say("ana", IN_BASKET)
    assert await codes(chat_anywhere.database)
    confirmation = next(reply for reply in replies if reply.buttons)

    await chat_anywhere.press_button("ana", button(replies, "answer.undo"), on=confirmation)

    assert await chat_anywhere.responses() == []
    assert await codes(chat_anywhere.database) == []


async def test_forget_me_takes_the_codes_with_the_answers(chat_anywhere: ChatHarness) -> None:
    await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    asked = await chat_anywhere.say("ana", "forget me")

    await chat_anywhere.press_button("ana", button(asked, "forget.confirm"))

    assert await codes(chat_anywhere.database) == []


async def test_an_idea_is_coded_when_submitted(chat_anywhere: ChatHarness) -> None:
    await chat_anywhere.join("ana")

    await chat_anywhere.say("ana", "idea: a scribe to clear the in-basket after clinic")

    [idea] = await chat_anywhere.ideas()
    async with chat_anywhere.database.transaction() as session:
        themes = (
            await session.scalars(select(IdeaCoding.theme_id).where(IdeaCoding.idea_id == idea.id))
        ).all()
    assert "in-basket" in themes


async def test_a_recode_replaces_the_coders_codes_and_keeps_a_persons(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    database = chat_anywhere.database
    first = await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    second = await answered(chat_anywhere, "ben", "Not enough staff on nights", "job-difficult")
    now = chat_anywhere.ctx.clock.now()
    async with database.transaction() as session:
        await correct(session, first, [NewCode("teamwork", "enabler")], now)
        # Codes gone stale (an older codebook's), to be replaced by the recode.
        for row in (await session.scalars(select(Coding).where(Coding.source == "coder"))).all():
            row.polarity = "enabler"

    done = await recode_all(database, content, None, now, batch=1)

    assert done.answers == 2
    found = await codes(database)
    assert (first, "teamwork", "enabler", "person") in found  # the person's code survives
    assert (first, "in-basket", "barrier", "coder") in found  # the coder's, fresh
    assert (second, "staffing", "barrier", "coder") in found


async def test_a_recode_in_two_worker_processes_recodes_answers_and_ideas_alike(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    database = chat_anywhere.database
    for name, text in [
        ("ana", IN_BASKET),
        ("ben", "Not enough staff on nights"),
        ("cy", "My team covers for each other"),
        ("di", "No protected time for charting"),
    ]:
        await answered(chat_anywhere, name, text, "job-difficult")
    await chat_anywhere.say("ana", "idea: a scribe to clear the in-basket after clinic")
    [idea] = await chat_anywhere.ideas()
    fresh_answers = await codes(database)
    now = chat_anywhere.ctx.clock.now()
    async with database.transaction() as session:
        # Stale codes to be replaced, and a person's code on the idea to be kept.
        await session.execute(delete(IdeaCoding))
        session.add_all(
            IdeaCoding(
                idea_id=idea.id, theme_id=theme, polarity="enabler", source=source, created_at=now
            )
            for theme, source in (("autonomy", "coder"), ("teamwork", "person"))
        )
        await session.execute(delete(Coding))

    done = await recode_all(database, content, None, now, workers=2)

    assert (done.answers, done.ideas) == (4, 1)
    assert await codes(database) == fresh_answers  # the same codes as on store
    async with database.transaction() as session:
        rows = (await session.scalars(select(IdeaCoding))).all()
    idea_codes = {(row.theme_id, row.polarity, row.source) for row in rows}
    assert ("in-basket", "barrier", "coder") in idea_codes
    assert ("autonomy", "enabler", "coder") not in idea_codes
    assert ("teamwork", "enabler", "person") in idea_codes


async def test_the_learned_coder_learns_from_peoples_codes_at_a_recode(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    database = chat_anywhere.database
    now = chat_anywhere.ctx.clock.now()
    corrected = [
        "the break room coffee machine has been broken for weeks",
        "no coffee machine on our floor anymore",
        "they took away the coffee machine in the lounge",
        "coffee machine gone, nowhere to sit together",
        "broken coffee machine again",
    ]
    for index, text in enumerate(corrected):
        answer = await answered(chat_anywhere, f"p{index}", text, "job-difficult")
        async with database.transaction() as session:
            await correct(session, answer, [NewCode("social-connection", "barrier")], now)
    unseen = await answered(chat_anywhere, "new", "the coffee machine is broken", "job-difficult")
    assert [c for c in await codes(database) if c[0] == unseen] == []  # no codebook word

    choose_coder("learned")
    try:
        await recode_all(database, content, None, now)
    finally:
        choose_coder("keywords")

    assert (unseen, "social-connection", "barrier", "coder") in await codes(database)


async def test_a_sheet_with_one_bad_row_changes_nothing(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    database = chat_anywhere.database
    first = await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    second = await answered(chat_anywhere, "ben", "Not enough staff on nights", "job-difficult")
    before = await codes(database)
    rows = [
        (2, str(first), "teamwork:barrier"),
        (3, str(second), "staffing:barrier, made-up-theme:barrier"),
    ]

    async with database.transaction() as session:
        org = (await chat_anywhere.person("ana")).workspace.organisation_id
        with pytest.raises(CodesProblem) as refused:
            await import_codes(session, content, org, rows, chat_anywhere.ctx.clock.now())

    assert refused.value.values["row"] == 3
    assert refused.value.values["theme"] == "made-up-theme"
    assert await codes(database) == before
    assert await codes(database, "person") == []


async def test_a_corrected_sheet_becomes_a_persons_codes(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    database = chat_anywhere.database
    first = await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    second = await answered(chat_anywhere, "ben", "Not enough staff on nights", "job-difficult")
    org = (await chat_anywhere.person("ana")).workspace.organisation_id
    async with database.transaction() as session:
        second_codes = [c for c in await codes(database) if c[0] == second]
        unchanged = ", ".join(f"{theme}:{polarity}" for _, theme, polarity, _ in second_codes)
        done = await import_codes(
            session,
            content,
            org,
            [
                (2, str(first), "in-basket:barrier, work-life:barrier, teamwork:barrier"),
                (3, str(second), unchanged),
            ],
            chat_anywhere.ctx.clock.now(),
        )

    assert (done.rows, done.changed) == (2, 1)
    person = await codes(database, "person")
    assert {theme for answer, theme, _, _ in person if answer == first} == {
        "in-basket",
        "work-life",
        "teamwork",
    }


async def test_review_shows_the_least_certain_first_and_agreement_follows(
    chat_anywhere: ChatHarness,
) -> None:
    database = chat_anywhere.database
    await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    await answered(chat_anywhere, "ben", "Not enough staff on nights", "job-difficult")
    await answered(chat_anywhere, "cy", "My team covers for each other", "going-well")
    org = (await chat_anywhere.person("ana")).workspace.organisation_id
    now = chat_anywhere.ctx.clock.now()
    async with database.transaction() as session:
        assert (await agreement_with_people(session, org)).answers == 0
        queue = await to_review(session, org, 10)
    lowest = [min(c.confidence or 0 for c in a.codes) for a in queue]
    assert lowest == sorted(lowest) and len(queue) == 3

    async with database.transaction() as session:
        await confirm(session, queue[0], now)  # the person agrees with the coder
        await correct(session, queue[1].id, [], now)  # no theme fits, says the person
    async with database.transaction() as session:
        result = await agreement_with_people(session, org)
        left = await to_review(session, org, 10)

    assert result.answers == 2
    assert [a.id for a in left] == [queue[2].id]
    kappas = {row.theme: row for row in result.themes}
    confirmed = {c.theme for c in queue[0].codes}
    for theme in confirmed:  # in the confirmed answer, not in the corrected one
        assert kappas[theme].people == 1
    for theme in {c.theme for c in queue[1].codes} - confirmed:
        # The coder said it, the person did not: no agreement beyond chance.
        assert kappas[theme].people == 0 and kappas[theme].kappa <= 0


def test_coding_an_answer_takes_well_under_a_millisecond(content: Content) -> None:
    coder = coder_for(content)
    assert coder_for(content) is coder  # built once, kept
    texts = [IN_BASKET, "Not enough staff on nights", "love my team", "ok", "😀"] * 200
    started = time.perf_counter()
    for text in texts:
        coder.code(text, "job-difficult")
    per_answer = (time.perf_counter() - started) / len(texts)
    print(f"coding: {per_answer * 1e6:.0f} µs an answer")
    assert per_answer < 0.001


async def test_the_codes_that_count_are_a_persons_where_a_person_coded(
    chat_anywhere: ChatHarness,
) -> None:
    database = chat_anywhere.database
    first = await answered(chat_anywhere, "ana", IN_BASKET, "job-difficult")
    second = await answered(chat_anywhere, "ben", "Not enough staff on nights", "job-difficult")
    third = await answered(chat_anywhere, "cy", "My team covers for each other", "going-well")
    now = chat_anywhere.ctx.clock.now()
    async with database.transaction() as session:
        await correct(session, first, [NewCode("teamwork", "barrier")], now)
        await correct(session, second, [], now)  # no theme fits

    async with database.transaction() as session:
        counted = {
            (row.response_id, row.theme_id, row.source)
            for row in (await session.scalars(effective_codes())).all()
        }

    assert {(a, s) for a, _, s in counted if a == first} == {(first, "person")}
    assert not [row for row in counted if row[0] == second]
    assert {s for a, _, s in counted if a == third} == {"coder"}
