"""Other ways through a pulse: typed scale answers, skipping, stopping, redaction, ideas."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from storage.models import Delivery, Idea, LocalChatMessage, Response
from tests.integration.live_chat import API, LiveChat, Message


async def test_patient_details_are_removed_before_anything_is_stored(live_chat: LiveChat) -> None:
    amara = await live_chat.person_pk("amara")

    result = await live_chat.say("amara", "Patient John Smith MRN 12345678 thanked me today")

    mine, confirmation = result["messages"][:2]
    for shown in (mine["text"], confirmation["text"]):
        assert "12345678" not in shown and "John Smith" not in shown
    assert confirmation["notices"] == [
        "To protect patients, I removed what looked like patient details "
        "(medical record number, patient name) before saving."
    ]
    [row] = await live_chat.rows(Response, Response.person_id == amara)
    assert row.text is not None and "12345678" not in row.text and "Smith" not in row.text
    assert sorted(row.redactions) == ["medical record number", "patient name"]
    # The chat's own store (standing in for Slack's servers) keeps only the redacted text.
    stored_bodies = [
        str(m.body)
        for m in await live_chat.rows(LocalChatMessage, LocalChatMessage.person_id == amara)
    ]
    assert not any("12345678" in body or "John Smith" in body for body in stored_bodies)


async def test_a_scale_answered_by_typing_a_number_with_a_comment(live_chat: LiveChat) -> None:
    scale = live_chat.asking(await live_chat.say("jordan", "Procedures"), "autonomy-vital")

    not_a_number = await live_chat.say("jordan", "maybe")
    typed = await live_chat.say("jordan", "4 - it matters a lot")

    [reply] = live_chat.from_bot(not_a_number)
    assert reply["text"] == "Please pick a number from 1 to 5: press a button or type the number."
    assert any(
        m["text"] == "Thanks, saved: 4 \u2013 Agree (it matters a lot)" for m in typed["messages"]
    )
    rows = await live_chat.rows(Response, Response.prompt_id == "autonomy-vital")
    assert [(r.scale_value, r.text) for r in rows] == [(4, "it matters a lot")]
    # The scale's buttons no longer offer an answer that would be refused.
    updated = {m["id"]: m for m in typed["updated"]}
    assert scale["id"] in updated and updated[scale["id"]]["question"] is None


async def test_skip_moves_on_without_storing_an_answer(live_chat: LiveChat) -> None:
    first = await live_chat.wait_for_question("sam", "joy-more")

    result = await live_chat.press("sam", live_chat.button(first, "Skip"), first)

    [skipped] = [m for m in result["updated"] if m["id"] == first["id"]]
    assert skipped["text"].endswith("(Skipped)") and skipped["buttons"] == []
    live_chat.asking(result, "autonomy-vital")
    assert await live_chat.count(Response) == 0
    [delivery] = await live_chat.rows(
        Delivery, Delivery.person_id == await live_chat.person_pk("sam")
    )
    assert delivery.next_index == 1


async def test_stop_these_pauses_the_person(live_chat: LiveChat) -> None:
    first = await live_chat.wait_for_question("grace", "joy-more")

    result = await live_chat.press("grace", live_chat.button(first, "Stop these"), first)

    assert any(m["text"].startswith("Paused.") for m in result["messages"])
    _, listed = await live_chat.request("GET", API)
    grace = next(person for person in listed["people"] if person["id"] == "grace")
    assert grace["paused"] is True
    [reply] = live_chat.from_bot(await live_chat.say("grace", "resume"))
    assert reply["text"].startswith("Welcome back!")


async def test_a_message_with_nothing_open_can_be_sent_as_an_idea(live_chat: LiveChat) -> None:
    # Helen is a leader: she has no question open.
    result = await live_chat.say("helen", "Rotate the front desk lead weekly")

    [reply] = live_chat.from_bot(result)
    assert reply["text"].startswith("Thanks! There's no open question for you right now.")
    assert await live_chat.count(Idea) == 0

    result = await live_chat.press("helen", live_chat.button(reply, "Send this as an idea"), reply)

    [idea] = await live_chat.rows(Idea)
    assert (idea.source, idea.text, idea.state) == (
        "message",
        "Rotate the front desk lead weekly",
        "submitted",
    )
    assert any(f"#{idea.id}" in m["text"] for m in result["messages"])


async def test_help_and_my_ideas(live_chat: LiveChat) -> None:
    [help_reply] = live_chat.from_bot(await live_chat.say("wei", "help"))
    assert "`idea <your idea>`" in help_reply["text"]
    assert "`forget me`" in help_reply["text"]

    await live_chat.say("wei", "idea: standing desks in the team room")
    [listing] = live_chat.from_bot(await live_chat.say("wei", "my ideas"))

    assert listing["text"].splitlines()[0] == "Your ideas:"
    assert "submitted: standing desks in the team room" in listing["text"]
    # Commands are not answers: Wei's question is still open and nothing was recorded.
    assert await live_chat.count(Response) == 0


async def test_the_leaders_find_a_new_idea_in_their_chat(live_chat: LiveChat) -> None:
    await live_chat.say("wei", "idea: standing desks in the team room")

    async def card_for(leader: str) -> bool:
        return any(
            (m.get("idea") or {}).get("text") == "standing desks in the team room"
            for m in await live_chat.conversation(leader)
        )

    for leader in ("helen", "david"):
        deadline = asyncio.get_running_loop().time() + 5
        while not await card_for(leader):
            assert asyncio.get_running_loop().time() < deadline, f"no card for {leader}"
            await asyncio.sleep(0.05)
    # Clinicians don't get it.
    assert not await card_for("amara")


async def test_a_leader_moves_an_idea_and_every_copy_of_the_card_and_the_submitter_follow(
    live_chat: LiveChat,
) -> None:
    chat = live_chat
    await chat.say("wei", "idea: standing desks in the team room")

    async def card_of(leader: str) -> Message | None:
        for message in await chat.conversation(leader):
            if (message.get("idea") or {}).get("text") == "standing desks in the team room":
                return message
        return None

    async def eventually(check: Callable[[], Awaitable[Any]]) -> Any:
        deadline = asyncio.get_running_loop().time() + 5
        while not (found := await check()):
            assert asyncio.get_running_loop().time() < deadline, "never happened"
            await asyncio.sleep(0.05)
        return found

    helens = await eventually(lambda: card_of("helen"))
    assert [b["label"] for b in helens["buttons"]] == [
        "Review",
        "Accept",
        "Ask for more info",
        "Decline",
    ]

    result = await chat.press("helen", chat.button(helens, "Accept"), helens)

    [updated] = result["updated"]
    assert updated["id"] == helens["id"] and updated["idea"]["state"] == "accepted"

    async def davids_copy_accepted() -> bool:
        davids = await card_of("david")
        return davids is not None and davids["idea"]["state"] == "accepted"

    await eventually(davids_copy_accepted)

    async def news_for_wei() -> bool:
        return any("accepted your idea" in m["text"] for m in await chat.conversation("wei"))

    await eventually(news_for_wei)
    [idea] = await chat.rows(Idea)
    assert idea.state == "accepted"

    # David leads it from his own copy; Helen's old button (pressed again) changes nothing.
    davids = await card_of("david")
    assert davids is not None
    result = await chat.press("david", chat.button(davids, "Start (I'll lead it)"), davids)
    assert result["updated"][0]["idea"]["state"] == "in progress"
    assert "Led by Dr David Cohen" in result["updated"][0]["idea"]["facts"]
    result = await chat.press("helen", chat.button(helens, "Accept"), helens)
    assert any("already moved on" in m["text"] for m in chat.from_bot(result))
    [idea] = await chat.rows(Idea)
    assert idea.state == "in progress"
