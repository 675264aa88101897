"""`emerging` in chat: the wellness lead sees the planted parking theme with three
quotes (audited under their name) and two buttons; Accept makes it a theme of the
organisation and settles the message; a clinician is refused."""

from __future__ import annotations

from sqlalchemy import select

from bot import actions
from bot.analysis import CodebookCoder
from bot.context import BotContext
from bot.people.roles import Role
from prompts import Content
from storage.models import Theme
from tests.storage.emerging_stream import plant_stream
from tests.storage.storage_rows import local_organisation
from tests.unit.bot.dispatch_harness import ChatHarness, button, texts
from tests.unit.bot.pulses.test_pulses import add_person


async def test_the_wellness_lead_accepts_an_emerging_theme_in_chat(
    chat: ChatHarness, ctx: BotContext, content: Content
) -> None:
    lead = await add_person(chat.database, "wren", roles=(Role.WELLNESS_LEAD,))
    await add_person(chat.database, "cal")
    async with chat.database.transaction() as session:
        organisation = await local_organisation(session)
        await plant_stream(session, CodebookCoder.from_content(content), organisation)

    replies = await chat.say("wren", "emerging")

    assert texts(replies)[0] == ctx.say("emerging.header", count=1)
    candidate = replies[1]
    first, *quotes = candidate.text.splitlines()
    assert "parking" in first.split(": ", 1)[1].split(", ")
    assert len(quotes) == 3 and all(q.startswith("“") for q in quotes)
    assert [b.label for b in candidate.buttons] == ["Accept", "Dismiss"]
    audit = [a for a in await chat.audit() if a.action == "quotes.view"]
    assert [a.actor_id for a in audit] == [lead.id]

    refused = await chat.say("cal", "emerging")
    assert texts(refused) == [ctx.say("refused.analyse_answers")]

    accepted = await chat.press_button("wren", button(replies, actions.EMERGING_ACCEPT), candidate)
    assert len(accepted) == 1 and accepted[0].replaces is not None
    assert accepted[0].text.startswith(f"Accepted {first.split(':')[0]}: ")
    async with chat.database.transaction() as session:
        own = (
            await session.scalars(select(Theme).where(Theme.organisation_id == organisation))
        ).all()
    assert len(own) == 1 and "parking" in own[0].keywords

    again = await chat.press_button("wren", button(replies, actions.EMERGING_DISMISS), candidate)
    assert texts(again) == [
        ctx.say("emerging.decided", id=int(first.split(":")[0][1:]), state="accepted")
    ]
