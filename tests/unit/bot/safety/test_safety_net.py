"""The distress safety net end to end through the real dispatcher and outbox: words of
distress in an answer, an idea or a stray message are met at once with a private, kind
message and the organisation's resources; they are flagged, kept from leaders, and only
an escalation contact the organisation set is told."""

from __future__ import annotations

import dataclasses

import pytest

from bot.context import BotContext
from bot.events import HomeOpened, MessageEdited, MessageReceived, MessageRef
from prompts import Content, SafetySpec
from prompts.schema import EscalationContact, SafetyPlan
from storage.engine import Database
from tests.unit.bot.dispatch_harness import (
    LOCAL,
    ChatHarness,
    RecordingSender,
    conversation_ref,
    person_ref,
    texts,
    update_person,
)

NOT_WATCHED = "not watched in real time"
LIFELINE = "988 Suicide & Crisis Lifeline"


def _safety_message(replies: object) -> str:
    found = [r for r in replies if NOT_WATCHED in r.text]  # type: ignore[attr-defined]
    assert len(found) == 1, texts(replies)  # type: ignore[arg-type]
    assert found[0].private  # only the person sees it (ephemeral on Slack)
    return str(found[0].text)


async def test_an_answer_of_distress_gets_resources_at_once_and_is_flagged(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more", "autonomy-vital"])

    replies = await chat.say("ana", "honestly I don't want to be alive anymore")

    message = _safety_message(replies)
    assert "employee assistance programme" in message and "Peer support" in message
    assert LIFELINE in message  # Ana's zone is New York: the US line
    assert "local emergency number" in message
    assert "no leader is told it was you" in message
    # Saved (and flagged), then the safety message, then the next question.
    assert replies[-2].text == message and replies[-1].question is not None
    [answer] = await chat.responses()
    assert answer.distress
    # Nobody reading the audit log learns who alarmed the screen.
    assert [entry.action for entry in await chat.audit()] == []


async def test_venting_gets_no_safety_message(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])

    replies = await chat.say("ana", "this in-basket is killing me, I could kill for a coffee")

    assert not any(NOT_WATCHED in text for text in texts(replies))
    [answer] = await chat.responses()
    assert not answer.distress


async def test_the_crisis_line_is_the_persons_countrys(
    chat: ChatHarness, sqlite_db: Database
) -> None:
    ana = await chat.join("ana")
    await update_person(sqlite_db, ana.id, timezone="Europe/London")

    replies = await chat.say("ana", "idea I want to end my life")

    message = _safety_message(replies)
    assert "Samaritans: call 116 123" in message and LIFELINE not in message


async def test_an_idea_of_distress_is_kept_from_leaders(chat: ChatHarness) -> None:
    await chat.grant("helen", "leader")
    await chat.join("ana")

    replies = await chat.say("ana", "idea fewer meetings, though honestly I want to kill myself")
    await chat.outbox.dispatch_due()

    [idea] = await chat.ideas()
    assert idea.distress
    assert replies[0].text.startswith(f"I've kept your idea #{idea.id} with me")
    _safety_message(replies)
    assert chat.sender.announced == []  # no card for the leaders
    home = await chat.handle(HomeOpened(person_ref("helen"), conversation_ref("helen"), None))
    assert not any(f"#{idea.id}" in text for text in texts(home.replies))  # nor in their queue
    board = texts(await chat.say("helen", "ideas"))
    assert not any(f"#{idea.id}" in text for text in board)  # nor on the board
    assert f"#{idea.id}" in texts(await chat.say("ana", "my ideas"))[0]  # still hers


async def test_details_of_distress_are_not_added_to_an_idea(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.say("ana", "idea a nap room")
    [idea] = await chat.ideas()

    replies = await chat.say("ana", f"idea #{idea.id} I can't go on, I want it all to stop")

    held = f"I haven't added that to idea #{idea.id}, so your leaders won't see it."
    assert texts(replies)[0] == held
    _safety_message(replies)
    assert (await chat.idea(idea.id)).text == "a nap room"


async def test_a_stray_message_of_distress_is_met_with_care_and_nothing_is_kept(
    chat: ChatHarness,
) -> None:
    replies = await chat.say("ana", "I keep thinking about ending it all")

    assert len(replies) == 1 and not replies[0].buttons  # no "send as an idea" offer
    _safety_message(replies)
    assert await chat.responses() == [] and await chat.ideas() == []


async def test_an_answer_edited_into_distress_leaves_the_quotes_and_back(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    ref = MessageRef(LOCAL, "dm-ana", "m1")
    said = MessageReceived(person_ref("ana"), conversation_ref("ana"), None, "Teaching", ref)
    await chat.handle(said)

    edited = await chat.handle(
        MessageEdited(person_ref("ana"), conversation_ref("ana"), None, ref, "I want to die")
    )
    _safety_message(edited.replies)
    assert [a.distress for a in await chat.responses()] == [True]

    await chat.handle(
        MessageEdited(person_ref("ana"), conversation_ref("ana"), None, ref, "Teaching residents")
    )
    assert [a.distress for a in await chat.responses()] == [False]


@pytest.fixture
def escalating(sqlite_db: Database, ctx: BotContext, sender: RecordingSender) -> ChatHarness:
    """An organisation (the local chat's, named "local") whose safety plan names a contact."""
    contact = EscalationContact(name="Dr Rosa Diaz, our wellbeing officer", email="rosa@x.org")
    safety = SafetySpec(
        resources=["Riverside EAP: 1-800-555-0100"],
        organisations={"local": SafetyPlan(escalation_contact=contact)},
    )
    content: Content = dataclasses.replace(ctx.content, safety=safety)
    return ChatHarness(sqlite_db, dataclasses.replace(ctx, content=content), sender)


async def test_an_escalation_contact_is_named_in_the_welcome_and_told_by_name(
    escalating: ChatHarness, sqlite_db: Database
) -> None:
    rosa = await escalating.join("rosa")
    await update_person(sqlite_db, rosa.id, email="Rosa@x.org")
    welcome = escalating.sender.sent  # the welcome is a reply, so look at what was shown
    assert welcome == []
    [(_, shown)] = escalating.shown
    assert "let Dr Rosa Diaz, our wellbeing officer know" in shown.text

    replies = await escalating.say("ana", "I have a plan to kill myself")
    await escalating.outbox.dispatch_due()

    message = _safety_message(replies)
    assert "Riverside EAP" in message
    assert "letting Dr Rosa Diaz, our wellbeing officer know" in message
    [notice] = escalating.sender.messages_to("rosa")
    assert notice.text.startswith("Ana wrote something to Thrive that suggests")
    assert "plan" not in notice.text  # never the words themselves
    assert escalating.sender.announced == []  # and no leader hears of it
    # Slack has no welcome: `help` and the home view say it on every platform.
    [help_text] = texts(await escalating.say("ben", "help"))
    assert "let Dr Rosa Diaz, our wellbeing officer know" in help_text
    home = await escalating.handle(HomeOpened(person_ref("ben"), conversation_ref("ben"), None))
    assert "let Dr Rosa Diaz" in texts(home.replies)[-1]


async def test_without_a_contact_the_welcome_says_nothing_of_one(chat: ChatHarness) -> None:
    await chat.join("ana")
    [(_, shown)] = chat.shown
    assert shown.text == chat.ctx.say("welcome.clinician")  # the role's own welcome
