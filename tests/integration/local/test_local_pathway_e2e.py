"""The innovation pathway end to end over real HTTP through the local chat: a clinician's
idea goes submit -> review -> needs more info -> she replies -> accept -> in progress ->
implemented -> the "you said, we did" digest, and what she reads is asserted at every
step (her earlier news never rewritten). Beside it, an anonymous idea (from an anonymous
pulse's idea prompt) is searched for in everything leaders can see: cards, the board,
the digest and the server's info logs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.context import Desk
from bot.pathway.digest import compose
from bot.pathway.nudges import pathway_mailings
from bot.privacy.audit import SCHEDULER
from bot.pulses.definitions import PulseSpec, create_pulse
from bot.pulses.runs import send_now
from storage.models import DigestSchedule, Idea
from storage.people import PeopleRepository
from storage.states import Anonymity
from tests.conftest import WAIT_SECONDS
from tests.integration.live_chat import API, LiveChat, Message

QUINN = "quinn"  # the anonymous idea's author: name and platform id searched for
QUINN_NAME = "Quinn Harper, RN"


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


async def _card(chat: LiveChat, leader: str, idea_id: int, label: str) -> Message:
    """The leader's copy of the idea's card, once it offers `label`."""
    return await _until(
        chat,
        leader,
        lambda m: (
            (m.get("idea") or {}).get("id") == idea_id
            and any(b["label"] == label for b in m.get("buttons") or [])
        ),
        f"the card of #{idea_id} offering {label!r}",
    )


async def _act(chat: LiveChat, person: str, body: dict[str, Any]) -> Message:
    async with chat.http.post(chat.url(f"{API}/{person}/actions"), json=body) as response:
        assert response.status == 200, await response.text()
        result: Message = await response.json()
    return result


async def _news(chat: LiveChat, words: str) -> Message:
    return await _until(chat, "amara", lambda m: words in m["text"], repr(words))


async def test_an_idea_from_submission_to_the_digest_as_its_submitter_reads_it(
    live_chat: LiveChat, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = live_chat
    kept: dict[int, str] = {}

    async def told(words: str) -> Message:
        """Her next news says `words`; all her earlier news still says what it said."""
        message = await _news(chat, words)
        assert message["buttons"] == []  # never a leader's move on her news
        kept[message["id"]] = message["text"]
        now = {m["id"]: m["text"] for m in await chat.conversation("amara") if m["id"] in kept}
        assert now == kept
        return message

    result = await chat.say("amara", "idea: a float nurse on Mondays")
    [reply] = chat.from_bot(result)
    assert "Your idea #1 is with your leaders" in reply["text"]

    card = await _card(chat, "helen", 1, "Review")
    await chat.press("helen", chat.button(card, "Review"), card)
    await told("Leaders are now reviewing your idea #1")

    card = await _card(chat, "helen", 1, "Ask for more info")
    opened = await chat.press("helen", chat.button(card, "Ask for more info"), card)
    [form_message] = [m for m in opened["updated"] if m.get("form")]
    form = form_message["form"]
    assert form["title"] == "Ask about idea #1"
    assert form["intro"] == "The idea: a float nurse on Mondays"  # the words, while she writes
    assert form["cancel"]["label"] == "Cancel"
    await _act(
        chat,
        "helen",
        {
            "action_id": form["submit"]["action_id"],
            "value": form["submit"]["value"],
            "message_id": form_message["id"],
            "fields": {"note": "Which hours would the float nurse cover?"},
        },
    )
    asked = await told("would like to know more about your idea #1")
    assert "Which hours would the float nurse cover?" in asked["text"]

    added = await chat.say("amara", "idea #1 8am to noon, when the walk-ins peak")
    assert any("Added to your idea #1" in m["text"] for m in chat.from_bot(added))
    back = await _until(
        chat,
        "amara",
        lambda m: "reviewing your idea #1" in m["text"] and m["id"] not in kept,
        "the idea back in review",
    )
    kept[back["id"]] = back["text"]

    for label, words in (
        ("Accept", "leaders accepted your idea #1"),
        ("Start (I'll lead it)", "Dr Helen Brooks is leading it"),
        ("Mark implemented", "has been implemented"),
    ):
        card = await _card(chat, "helen", 1, label)
        await chat.press("helen", chat.button(card, label), card)
        news = await told(words)
        assert news["idea"]["facts"][0] == "From you"

    # The wellness lead schedules the digest; a week on, the scheduler's job sends it.
    scheduled = await chat.say("ana", "digest schedule weekly")
    assert any("every 7 days" in m["text"] for m in chat.from_bot(scheduled))
    async with chat.runtime.database.transaction() as session:
        past = chat.runtime.ctx.clock.now() - timedelta(seconds=1)
        await session.execute(update(DigestSchedule).values(next_at=past))
    assert (await pathway_mailings(chat.runtime.database, chat.runtime.ctx))["digests"] == 1
    digest = await told("You said, we did")
    implemented = digest["text"].split("Implemented:")[1].split("In progress:")[0]
    assert "#1: a float nurse on Mondays" in implemented and "Dr Helen Brooks" in implemented
    assert "Amara" not in digest["text"]  # the digest names no submitter


async def test_leaders_never_see_who_sent_an_anonymous_idea(
    live_chat: LiveChat, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = live_chat
    status, _ = await chat.request(
        "POST",
        API,
        json={"id": QUINN, "name": QUINN_NAME, "tags": ["anon-test"], "timezone": "UTC"},
    )
    assert status == 201
    runtime = chat.runtime
    async with runtime.database.transaction() as session:
        desk_org = await _organisation(session)
        pulse = await create_pulse(
            session,
            runtime.ctx,
            desk_org,
            PulseSpec(
                name="Anonymous ideas",
                prompts=("break-the-rules",),
                audience=("tag:anon-test",),
                anonymity=Anonymity.ANONYMOUS,
                window=_window_around_now(),
                days="mon,tue,wed,thu,fri,sat,sun",  # whatever day the test runs on
            ),
        )
    await send_now(runtime.database, runtime.ctx, runtime.outbox, desk_org, pulse.id, by=SCHEDULER)
    await chat.wait_for_question(QUINN, "break-the-rules")
    capsys.readouterr()  # from here on, every log line is about the idea's journey
    await chat.say(QUINN, "A quiet room for charting, away from the phones")
    [idea] = await chat.rows(Idea, Idea.anonymous.is_(True))

    card = await _card(chat, "helen", idea.id, "Accept")
    await chat.press("helen", chat.button(card, "Accept"), card)
    card = await _card(chat, "david", idea.id, "Start (I'll lead it)")
    await chat.press("david", chat.button(card, "Start (I'll lead it)"), card)
    await _until(chat, QUINN, lambda m: "is in progress" in m["text"], "her news")
    await chat.say(QUINN, f"vote {idea.id}")  # her own: refused kindly, nothing logged of it

    seen: list[str] = []
    for leader in ("helen", "david", "ana"):
        seen += [str(m) for m in await chat.conversation(leader)]
        board = await chat.say(leader, "ideas")
        seen += [str(m) for m in chat.from_bot(board)]
    async with runtime.database.transaction() as session:
        desk = Desk(runtime.ctx, session, desk_org, runtime.ctx.clock.now())
        seen.append(await compose(desk, desk.now - timedelta(days=1), desk.now))
    seen.append(capsys.readouterr().out)  # the server's logs, at info level
    assert any("quiet room for charting" in text for text in seen)  # the idea itself is there
    for text in seen:
        assert QUINN_NAME not in text and "Quinn" not in text
        assert f"'{QUINN}'" not in text and f"={QUINN}" not in text and f'"{QUINN}"' not in text


def _window_around_now() -> str:
    """A send window (UTC, Quinn's zone) around the hour the test runs at."""
    hour = datetime.now(UTC).hour
    return f"{max(hour - 1, 0):02d}:00-{min(hour + 1, 23):02d}:59"


async def _organisation(session: Any) -> int:
    workspace = await PeopleRepository(session).workspace("local", "local", now=datetime.now(UTC))
    return int(workspace.organisation_id)
