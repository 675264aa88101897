"""The home view for each role: what a clinician, a leader and the wellness lead see."""

from __future__ import annotations

from bot.events import HomeOpened
from bot.people.roles import Role
from tests.unit.bot.dispatch_harness import ChatHarness, conversation_ref, person_ref, texts

CLINICIANS = ["ana", "ben", "cat", "dev", "eli"]


async def _home(chat: ChatHarness, user_id: str) -> str:
    outcome = await chat.handle(HomeOpened(person_ref(user_id), conversation_ref(user_id), None))
    return "\n".join(texts(outcome.replies))


async def test_a_clinician_sees_their_open_question_and_ideas(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.say("ana", "idea: scribes for every clinic")

    home = await _home(chat, "ana")

    assert "Open question: What parts of your job bring you joy" in home
    assert "scribes for every clinic" in home
    assert "No ideas are under way yet." in home
    assert "Waiting for leaders" not in home and "Open pulses" not in home


async def test_a_leader_sees_the_triage_queue_without_anonymous_names(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["break-the-rules"], anonymity="anonymous")
    await chat.say("ana", "No meetings before clinic")
    await chat.grant("lee", Role.LEADER)

    home = await _home(chat, "lee")

    assert "Waiting for leaders (1):" in home
    assert "No meetings before clinic" in home
    assert "Ana" not in home  # the submitter of an anonymous idea is never shown


async def test_the_wellness_lead_sees_pulses_and_a_rate_only_for_enough_people(
    chat: ChatHarness,
) -> None:
    for user_id in CLINICIANS:
        await chat.join(user_id)
    await chat.grant("wes", Role.WELLNESS_LEAD)
    await chat.open_prompts(CLINICIANS[:4], ["joy-more"])
    await chat.say("ana", "Teaching")

    too_few = await _home(chat, "wes")
    await chat.open_prompts(CLINICIANS[4:], ["joy-more"])
    await chat.say("eli", "My team")
    enough = await _home(chat, "wes")

    assert "Open pulses: 1. Last 7 days: fewer than 5 prompts sent, so no rate is shown." in too_few
    assert "Open pulses: 2. Last 7 days: 40% of 5 prompts answered." in enough
    assert "No ideas are waiting for triage." in enough  # the wellness lead sees the queue too
