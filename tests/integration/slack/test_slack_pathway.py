"""Leaders triage ideas on their cards in the leaders' channel; submitters hear each move."""

from __future__ import annotations

import json
from typing import Any

from bot.people.roles import Role
from storage.models import Idea
from storage.people import PeopleRepository
from tests.integration.slack.live_slack import LiveSlack, action_from, button_labelled

CLINICIAN = "U1CLIN"
LEADER = "U2LEAD"
LEADERS_CHANNEL = "C0LEADERS"


async def _leader(live: LiveSlack, user: str = LEADER) -> None:
    """A leader who has talked to Thrive once, granted the leader role."""
    assert await live.dm(user, "hello", ts="1700000001.000010", event_id=f"Ev-hi-{user}") == 200
    person = await live.until(lambda: live.person(user), f"{user} to be known")
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(person.id)
        assert found is not None
        await people.grant(found, Role.LEADER, now=live.runtime.ctx.clock.now())


async def _card(live: LiveSlack) -> tuple[str, Any]:
    """The idea card posted to the leaders' channel: (ts, blocks)."""

    async def posted() -> list[tuple[str, Any]]:
        return [
            (ts, message.get("blocks"))
            for (channel, ts), message in live.slack.messages.items()
            if channel == LEADERS_CHANNEL
        ]

    [(ts, blocks)] = await live.until(posted, "the idea card in the leaders' channel")
    return ts, blocks


async def _news(live: LiveSlack, containing: str) -> list[str]:
    """What Thrive has told the clinician in their DM, containing these words."""
    return [
        str(call.body.get("text"))
        for call in live.slack.calls_to("chat.postMessage")
        if call.body.get("channel") == f"D{CLINICIAN}" and containing in str(call.body.get("text"))
    ]


async def _idea(live: LiveSlack) -> Idea:
    [idea] = await live.ideas()
    return idea


async def test_a_leader_accepts_on_the_card_which_updates_in_place_and_the_submitter_hears(
    live: LiveSlack,
) -> None:
    await _leader(live)
    assert (
        await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0GENERAL") == 200
    )
    ts, blocks = await _card(live)
    accept = button_labelled(blocks, "Accept")

    assert (
        await live.press(LEADER, action_from(accept), channel=LEADERS_CHANNEL, message_ts=ts) == 200
    )

    async def card_updated() -> list[Any]:
        return [
            call
            for call in live.slack.calls_to("chat.update")
            if call.body.get("channel") == LEADERS_CHANNEL and call.body.get("ts") == ts
        ]

    [update] = await live.until(card_updated, "the card to be updated in place")
    shown = json.dumps(update.body["blocks"])
    assert "accepted" in shown and "a float nurse on Mondays" in shown
    assert button_labelled(update.body["blocks"], "Start")  # the next move is offered
    news = await live.until(lambda: _news(live, "accepted your idea"), "the submitter's news")
    assert "float nurse" in news[0]
    assert (await _idea(live)).state == "accepted"


async def test_declining_opens_a_modal_and_the_reason_reaches_the_card_and_the_submitter(
    live: LiveSlack,
) -> None:
    await _leader(live)
    assert (
        await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0GENERAL") == 200
    )
    ts, blocks = await _card(live)

    decline = button_labelled(blocks, "Decline")
    assert (
        await live.press(LEADER, action_from(decline), channel=LEADERS_CHANNEL, message_ts=ts)
        == 200
    )
    [opened] = await live.slack.wait_for("views.open")
    view = opened.body["view"]
    if isinstance(view, str):
        view = json.loads(view)

    assert await live.submit_view(LEADER, view, {"note": "The budget for next year is set"}) == 200

    async def card_with_reason() -> list[Any]:
        return [
            call
            for call in live.slack.calls_to("chat.update")
            if call.body.get("ts") == ts and "budget for next year" in json.dumps(call.body)
        ]

    await live.until(card_with_reason, "the card to show the reason")
    news = await live.until(lambda: _news(live, "budget for next year"), "the reason, for them")
    assert "decided not to take your idea" in news[0]
    idea = await _idea(live)
    assert (idea.state, idea.decline_reason) == ("declined", "The budget for next year is set")


async def test_a_clinician_pressing_a_card_button_is_told_privately_and_nothing_moves(
    live: LiveSlack,
) -> None:
    await _leader(live)
    assert (
        await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0GENERAL") == 200
    )
    ts, blocks = await _card(live)
    posts_before = len(live.slack.calls_to("chat.postMessage"))

    accept = action_from(button_labelled(blocks, "Accept"))
    assert await live.press(CLINICIAN, accept, channel=LEADERS_CHANNEL, message_ts=ts) == 200

    [told] = await live.slack.wait_for("chat.postEphemeral")
    assert told.body["user"] == CLINICIAN and told.body["channel"] == LEADERS_CHANNEL
    assert "Only leaders" in str(told.body["text"])
    assert len(live.slack.calls_to("chat.postMessage")) == posts_before  # nothing public
    assert live.slack.calls_to("chat.update") == []
    assert (await _idea(live)).state == "submitted"
