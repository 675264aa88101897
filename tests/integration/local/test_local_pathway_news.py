"""After every move on the pathway, each message in the local chat still says what it said
to its reader: a submitter's news stays theirs (never turned into the leaders' card, never
given leaders' buttons), and every leader's copy of the card follows the moves."""

from __future__ import annotations

import asyncio
from typing import Any

from storage.models import Idea
from tests.conftest import WAIT_SECONDS
from tests.integration.live_chat import LiveChat, Message


async def _until(chat: LiveChat, person: str, found: Any, what: str) -> Message:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        for message in await chat.conversation(person):
            if found(message):
                result: Message = message
                return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{person} never saw {what}")
        await asyncio.sleep(0.05)


def _card_of(idea_id: int) -> Any:
    return lambda m: (m.get("idea") or {}).get("id") == idea_id and m.get("buttons")


def _news(text: str) -> Any:
    return lambda m: text in m["text"]


async def _snapshot(chat: LiveChat, person: str, ids: list[int]) -> dict[int, Message]:
    return {m["id"]: m for m in await chat.conversation(person) if m["id"] in ids}


async def test_a_submitters_news_survives_every_move_and_both_leaders_cards_follow(
    live_chat: LiveChat,
) -> None:
    chat = live_chat
    await chat.say("amara", "idea: a float nurse on Mondays")
    [idea] = await chat.rows(Idea)
    helen_card = await _until(chat, "helen", _card_of(idea.id), "the new idea's card")
    await _until(chat, "david", _card_of(idea.id), "the new idea's card")

    # Review, then Accept, then Start, then Mark implemented: each pressed on Helen's card.
    steps = [
        ("Review", "Leaders are now reviewing your idea"),
        ("Accept", "leaders accepted your idea"),
        ("Start (I'll lead it)", "is in progress"),
        ("Mark implemented", "has been implemented"),
    ]
    kept: dict[int, Message] = {}
    for label, news in steps:
        result = await chat.press("helen", chat.button(helen_card, label), helen_card)
        [helen_card] = [m for m in result["updated"] if (m.get("idea") or {}).get("id")]
        told = await _until(chat, "amara", _news(news), f"the news {news!r}")
        assert told["buttons"] == []  # the submitter never sees leaders' moves
        kept[told["id"]] = told
        # Every news message so far still reads as it did when it arrived.
        now = await _snapshot(chat, "amara", list(kept))
        assert {i: (m["text"], m["idea"], m["buttons"]) for i, m in now.items()} == {
            i: (m["text"], m["idea"], m["buttons"]) for i, m in kept.items()
        }
        # David's copy of the card moved with Helen's.
        david_copy = await _until(
            chat, "david", _in_state(idea.id, helen_card["idea"]["state"]), "his copy, moved"
        )
        assert david_copy["text"] == helen_card["text"]
        assert "“" in helen_card["text"]  # the headline names the state in words

    # Her own idea reads as hers on her news, never "Anonymous".
    facts = " ".join(kept[max(kept)]["idea"]["facts"])
    assert "From you" in facts and "Anonymous" not in facts


def _in_state(idea_id: int, state: str) -> Any:
    return lambda m: (m.get("idea") or {}).get("id") == idea_id and m["idea"]["state"] == state


async def test_a_leaders_own_idea_news_is_not_rewritten_when_another_leader_moves_it(
    live_chat: LiveChat,
) -> None:
    chat = live_chat
    await chat.say("helen", "idea: protected admin time on Fridays")
    [idea] = await chat.rows(Idea)
    david_card = await _until(chat, "david", _card_of(idea.id), "the new idea's card")
    await _until(chat, "helen", _card_of(idea.id), "her leader's copy of the card")

    result = await chat.press("david", chat.button(david_card, "Review"), david_card)
    [david_card] = [m for m in result["updated"] if (m.get("idea") or {}).get("id")]
    reviewing = await _until(chat, "helen", _news("Leaders are now reviewing"), "the news")
    await chat.press("david", chat.button(david_card, "Accept"), david_card)
    await _until(chat, "helen", _news("leaders accepted your idea"), "the next news")

    [still] = [m for m in await chat.conversation("helen") if m["id"] == reviewing["id"]]
    assert still["text"] == reviewing["text"] and still["buttons"] == []
    # Her leader's copy of the card did follow the move.
    await _until(
        chat,
        "helen",
        lambda m: (
            (m.get("idea") or {}).get("id") == idea.id and _has_button(m, "Start (I'll lead it)")
        ),
        "her copy of the card with the next move",
    )


def _has_button(message: Message, label: str) -> bool:
    return any(b["label"] == label for b in message.get("buttons") or [])


async def test_cancel_on_the_reason_form_puts_the_card_back_and_moves_nothing(
    live_chat: LiveChat,
) -> None:
    chat = live_chat
    await chat.say("amara", "idea: a float nurse on Mondays")
    [idea] = await chat.rows(Idea)
    card = await _until(chat, "helen", _card_of(idea.id), "the new idea's card")
    opened = await chat.press("helen", chat.button(card, "Decline"), card)
    [form] = [m for m in opened["updated"] if m.get("form")]
    assert form["id"] == card["id"]  # the form stands where the card was
    assert form["form"]["title"] == f"Decline idea #{idea.id}"
    assert form["form"]["intro"] == "The idea: a float nurse on Mondays"

    cancelled = await chat.press("helen", form["form"]["cancel"], form)
    [back] = [m for m in cancelled["updated"] if m["id"] == card["id"]]
    assert back["form"] is None and back["idea"]["state"] == "submitted"
    assert _has_button(back, "Decline")
    [still] = await chat.rows(Idea)
    assert still.state == "submitted"
    assert not [m for m in await chat.conversation("amara") if "decided not" in m["text"]]
