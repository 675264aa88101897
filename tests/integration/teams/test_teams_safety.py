"""Trust and safety over real signed Teams activities: an answer of distress is met with
the private resources message in the person's 1:1 chat; an edited message
(`messageUpdate`) changes the answer it carried, redacted again, and the clinician is
told which kinds were removed."""

from __future__ import annotations

import json

from bot.pulses.runs import ask_now
from tests.integration.teams.live_teams import LiveTeams, personal_message

CLINICIAN = "29:user-1"


async def test_distress_is_met_with_care_and_an_edit_is_redacted_before_it_is_stored(
    live: LiveTeams,
) -> None:
    await live.meet(CLINICIAN)
    person = await live.person(CLINICIAN)
    assert person is not None
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["joy-more"]
    )
    await live.replies(2)  # the welcome and the prompt
    await live.until(live.sent_deliveries, "the prompt recorded as sent")

    assert await live.say("I keep thinking about ending it all", activity_id="m-1") == 201

    async def cared_for() -> list[str]:
        return [
            json.dumps(post.body)
            for post in live.channel.posted()
            if "not watched in real time" in json.dumps(post.body)
        ]

    [message] = await live.until(cared_for, "the safety net's message")
    assert "988" in message  # the fake person's zone is America/Chicago
    [answer] = await live.responses()
    assert answer.distress

    edit = personal_message(
        live.channel.url, "Teaching, and patient Tom Brennan's card", activity_id="m-1"
    )
    edit.update(
        type="messageUpdate",
        timestamp="2026-03-02T18:05:00.000Z",
        channelData={**edit["channelData"], "eventType": "editMessage"},
    )
    assert await live.post(edit, live.channel.mint(service_url=live.channel.url)) in (200, 201)

    async def redacted() -> bool:
        [response] = await live.responses()
        return response.text == "Teaching, and patient [removed] card"

    await live.until(redacted, "the edit, redacted")
    [response] = await live.responses()
    assert not response.distress

    async def told() -> list[str]:
        return [
            json.dumps(post.body)
            for post in live.channel.posted()
            if "patient name" in json.dumps(post.body)
        ]

    assert await live.until(told, "the kinds removed")
    assert not any("Brennan" in json.dumps(post.body) for post in live.channel.posted())
