"""Declining an idea in Teams: the leader presses Decline on the channel card, the
reason form opens in its place (the invoke's answer), and submitting it updates the
card for everyone and tells the submitter why."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from storage.models import Idea
from tests.integration.teams.live_teams import (
    CARD,
    LEADERS_CHANNEL,
    LiveTeams,
    action_named,
    card_submit,
)
from tests.integration.teams.test_teams_scenarios import CLINICIAN, LEADER


async def test_declining_asks_for_a_reason_which_reaches_the_card_and_the_submitter(
    live: LiveTeams,
) -> None:
    card_id, card = await live.idea_before_a_leader(LEADER, "close the car park on Fridays")
    decline = action_named(card, "Decline")

    status, body = await live.press_in_channel(decline, card_id, LEADER)

    assert status == 200 and body["type"] == CARD
    form: dict[str, Any] = body["value"]
    [reason] = [element for element in form["body"] if element["type"] == "Input.Text"]
    submit = action_named(form, "Send")
    assert submit["type"] == "Action.Submit"
    assert live.channel.put() == []  # nothing has moved yet

    pressed = card_submit(
        live.channel.url,
        {**submit["data"], reason["id"]: "We need the spaces for night staff"},
        reply_to_id=card_id,
        user=LEADER,
    )
    pressed["conversation"] = {
        "id": f"{LEADERS_CHANNEL};messageid={card_id}",
        "conversationType": "channel",
        "tenantId": "tenant-1",
    }
    assert (await live.signed(pressed))[0] == 201

    [put] = await live.until(live.replaced, "the card to be updated for everyone")
    assert put.path == f"/v3/conversations/{LEADERS_CHANNEL}/activities/{card_id}"
    assert "We need the spaces for night staff" in json.dumps(put.body)

    async def told() -> list[Any]:
        person = await live.person(CLINICIAN)
        assert person is not None and person.conversation_ref is not None
        chat = person.conversation_ref["conversation_id"]
        return [
            post
            for post in live.posts_to(chat)
            if "We need the spaces for night staff" in json.dumps(post.body)
        ]

    assert await live.until(told, "the submitter to hear why")
    async with live.runtime.database.transaction() as session:
        idea = await session.scalar(select(Idea))
    assert idea is not None and idea.state == "declined"
    assert idea.decline_reason == "We need the spaces for night staff"
