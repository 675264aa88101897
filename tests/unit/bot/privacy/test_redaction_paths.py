"""Redaction before anything is written, and the clinician told which kinds went, on the
paths beside a plain answer: a message with no question open, an "idea or answer?"
offer, details added to an idea, a leader's note, and every outbox payload they make."""

from __future__ import annotations

from sqlalchemy import select

from bot import actions
from storage.models import Notification
from tests.unit.bot.dispatch_harness import ChatHarness, button

PATIENT = "patient Tom Brennan, MRN 00482913, called 617-555-0100"


async def _outbox_bodies(chat: ChatHarness) -> str:
    async with chat.database.transaction() as session:
        return " ".join(str(n.body) for n in await session.scalars(select(Notification)))


async def test_a_message_with_nothing_open_is_redacted_and_the_kinds_are_named(
    chat: ChatHarness,
) -> None:
    replies = await chat.say("ana", f"Could we call {PATIENT} back sooner?")

    [notice] = replies[0].notices
    assert notice.startswith("To protect patients, I took out what looked like patient details")
    for kind in ("medical record number", "phone number", "patient name"):
        assert kind in notice
    offer = button(replies, actions.IDEA_FROM_MESSAGE)
    assert "Brennan" not in offer.value and "00482913" not in offer.value

    sent = await chat.press_button("ana", offer)
    [idea] = await chat.ideas()
    assert "Brennan" not in idea.text and f"#{idea.id}" in sent[0].text


async def test_an_idea_or_answer_offer_is_redacted_and_the_kinds_are_named(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])

    replies = await chat.say("ana", f"idea sharing lunch with {PATIENT}")

    [notice] = replies[0].notices
    assert "patient name" in notice
    assert all("Brennan" not in b.value for b in replies[0].buttons)


async def test_details_added_to_an_idea_are_redacted_before_the_card_is_queued(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", "leader")
    await chat.say("ana", "idea scribes for every clinic")
    await chat.outbox.dispatch_due()
    [idea] = await chat.ideas()

    replies = await chat.say("ana", f"idea #{idea.id} it started when {PATIENT}")

    assert "patient name" in replies[0].notices[0]
    assert "Brennan" not in (await chat.idea(idea.id)).text
    bodies = await _outbox_bodies(chat)
    assert "[removed]" in bodies  # the leaders' card update carries the redacted text
    assert "Brennan" not in bodies and "00482913" not in bodies and "555-0100" not in bodies


async def test_a_leaders_note_is_redacted_before_the_submitters_news_is_queued(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", "leader")
    await chat.say("ana", "idea scribes for every clinic")
    await chat.outbox.dispatch_due()
    _workspace, _audience, card = chat.sender.announced[-1]
    [ask] = [b.value for b in card.buttons if b.value.endswith(":needs_more_info")]

    await chat.press("lee", actions.IDEA_NOTE_SUBMIT, ask, fields={"note": f"Was it {PATIENT}?"})

    bodies = await _outbox_bodies(chat)
    assert "Was it patient [removed], [removed], called [removed]?" in bodies
    assert "Brennan" not in bodies and "00482913" not in bodies
