"""An accepted emerging theme is part of that organisation's codebook on every coding
path, on SQLite and on PostgreSQL: a new answer stored in chat is coded with it, a
recode (in worker processes too) gives it to older answers, the matrix shows it as a
column and a corrected sheet may use it; another organisation's answers with the same
words never get it, and its sheet naming the theme is refused with the row number."""

from __future__ import annotations

import pickle

import pytest
from sqlalchemy import select

from bot import actions
from bot.analysis import CodebookCoder, recode_all
from bot.analysis.codebook import LEARNED, Coders, build_coder
from bot.analysis.matrix import build
from bot.analysis.review import CodesProblem, import_codes
from bot.context import BotContext
from bot.events import ConversationRef, MemberAdded, MessageReceived, MessageRef, PersonRef
from bot.people.roles import Role
from bot.privacy import Thresholds
from bot.pulses.runs import ask_now
from prompts import Content
from storage.analysis import AnswerScope
from storage.engine import Database
from storage.models import Coding, Idea, IdeaCoding, Response, Theme
from storage.people import PeopleRepository
from tests.storage.emerging_stream import plant_stream
from tests.storage.storage_rows import local_organisation
from tests.unit.bot.dispatch_harness import LOCAL, ChatHarness, RecordingSender, button

PARKING = "Parking is impossible before my shift, the car park is full"
ELSEWHERE = "elsewhere"  # a second workspace: an organisation of its own


@pytest.fixture
def chat_anywhere(any_db: Database, ctx: BotContext) -> ChatHarness:
    return ChatHarness(any_db, ctx, RecordingSender())


async def answer(chat: ChatHarness, user_id: str, text: str, workspace: str = LOCAL) -> int:
    """The person meets the bot in `workspace`, is asked a question and answers it in
    chat; the stored answer's id."""
    person = PersonRef(LOCAL, workspace, user_id, user_id.title())
    conversation = ConversationRef(LOCAL, workspace, f"dm-{user_id}")
    await chat.handle(MemberAdded(person, conversation, f"join-{user_id}"))
    async with chat.database.transaction() as session:
        found = await PeopleRepository(session).find_by_ref(LOCAL, workspace, user_id)
    assert found is not None
    await ask_now(chat.database, chat.ctx, chat.outbox, [found], ["job-difficult"])
    await chat.outbox.dispatch_due()
    await say(chat, user_id, text, workspace)
    async with chat.database.transaction() as session:
        stored = await session.scalar(
            select(Response.id).where(Response.text == text).order_by(Response.id.desc())
        )
    assert stored is not None
    return stored


async def say(chat: ChatHarness, user_id: str, text: str, workspace: str) -> None:
    person = PersonRef(LOCAL, workspace, user_id, user_id.title())
    conversation = ConversationRef(LOCAL, workspace, f"dm-{user_id}")
    ref = MessageRef(LOCAL, f"dm-{user_id}", f"m-{user_id}-{len(text)}")
    await chat.handle(MessageReceived(person, conversation, None, text=text, message_ref=ref))


async def themes_of(database: Database, answer_id: int) -> set[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(Coding.theme_id).where(Coding.response_id == answer_id))
        return set(rows.all())


async def test_an_accepted_theme_codes_that_organisations_answers_only(
    chat_anywhere: ChatHarness, content: Content
) -> None:
    chat, database = chat_anywhere, chat_anywhere.database
    await chat.grant("wren", Role.WELLNESS_LEAD)
    async with database.transaction() as session:
        organisation = await local_organisation(session)
        await plant_stream(session, CodebookCoder.from_content(content), organisation)
    listed = await chat.say("wren", "emerging")
    candidate = next(reply for reply in listed if reply.buttons and "parking" in reply.text)
    # Answered after the candidates were drawn, before one was accepted: nothing yet.
    before = await answer(chat, "ana", PARKING)
    other_before = await answer(chat, "zed", PARKING, ELSEWHERE)
    assert "parking" not in await themes_of(database, before)

    await chat.press_button("wren", button([candidate], actions.EMERGING_ACCEPT), candidate)

    after = await answer(chat, "ben", PARKING)
    other_after = await answer(chat, "yan", PARKING, ELSEWHERE)
    assert "parking" in await themes_of(database, after)  # coded the moment it is stored
    assert "parking" not in await themes_of(database, other_after)
    assert "parking" not in await themes_of(database, before)  # until a recode

    done = await recode_all(database, content, None, chat.ctx.clock.now(), workers=2)

    assert done.answers > 200
    assert "parking" in await themes_of(database, before)
    assert "parking" in await themes_of(database, after)
    for other in (other_before, other_after):
        assert "parking" not in await themes_of(database, other)
    # The other organisation's own recode knows nothing of it either.
    async with database.transaction() as session:
        elsewhere = await session.scalar(
            select(Response.organisation_id).where(Response.id == other_after)
        )
    assert elsewhere is not None and elsewhere != organisation
    await recode_all(database, content, elsewhere, chat.ctx.clock.now())
    assert "parking" not in await themes_of(database, other_after)

    # The matrix has a column for it here, not there.
    thresholds = Thresholds(figures=1, comments=1)  # columns, whatever the group sizes
    async with database.transaction() as session:
        here = await build(session, content, thresholds, AnswerScope(organisation))
        there = await build(session, content, thresholds, AnswerScope(elsewhere))
    assert "parking" in [theme.id for theme in here.themes]
    assert "parking" not in [theme.id for theme in there.themes]

    # A corrected sheet may name it here; there, it is an unknown theme on its row.
    now = chat.ctx.clock.now()
    async with database.transaction() as session:
        done_sheet = await import_codes(
            session, content, organisation, [(2, str(before), "parking:barrier")], now
        )
    assert done_sheet.rows == 1
    async with database.transaction() as session:
        rows = [(2, str(other_before), "staffing:barrier"), (3, str(other_after), "parking")]
        with pytest.raises(CodesProblem) as refused:
            await import_codes(session, content, elsewhere, rows, now)
    assert (refused.value.values["row"], refused.value.values["theme"]) == (3, "parking")


async def test_a_theme_accepted_in_another_process_codes_the_next_answer(
    chat_anywhere: ChatHarness,
) -> None:
    chat, database = chat_anywhere, chat_anywhere.database
    first = await answer(chat, "ana", PARKING)  # the organisation's coder is built and kept
    assert "parking" not in await themes_of(database, first)
    async with database.transaction() as session:
        # As `thrive analysis emerging accept` leaves it, from a process of its own.
        session.add(
            Theme(
                id="parking",
                organisation_id=await local_organisation(session),
                label="Parking",
                description="Accepted from emerging answers: parking, car park.",
                keywords=["parking", "car park"],
                status="active",
            )
        )

    second = await answer(chat, "ben", PARKING)
    other = await answer(chat, "yan", PARKING, ELSEWHERE)
    for user_id, workspace in (("ben", LOCAL), ("yan", ELSEWHERE)):
        await say(chat, user_id, "idea: reserved parking for the night shift", workspace)

    assert "parking" in await themes_of(database, second)
    assert "parking" not in await themes_of(database, other)
    async with database.transaction() as session:
        ideas = await session.execute(
            select(Idea.organisation_id, IdeaCoding.theme_id).join(
                IdeaCoding, IdeaCoding.idea_id == Idea.id
            )
        )
        coded = {(theme, organisation) for organisation, theme in ideas.all()}
        here = await local_organisation(session)
    assert ("parking", here) in coded
    assert [o for theme, o in coded if theme == "parking"] == [here]  # not the other's idea


def test_the_learned_coder_finds_an_accepted_theme_by_its_words(content: Content) -> None:
    # THRIVE_CODER=learned knows the shipped themes only: accepted ones are found beside it,
    # in a recode's worker processes too (the coders travel pickled, without what they built).
    coders = Coders(content, build_coder(content, LEARNED), LEARNED)
    own = (("parking", "Parking", ("parking", "car park")),)
    text = "Not enough staff on nights and parking is impossible"

    here = {code.theme for code in coders.coder(own).code(text, "job-difficult")}
    worker = pickle.loads(pickle.dumps(coders))
    shipped_only = {code.theme for code in coders.coder().code(text, "job-difficult")}

    assert {"parking", "staffing"} <= here
    assert {code.theme for code in worker.coder(own).code(text, "job-difficult")} == here
    assert "parking" not in shipped_only
