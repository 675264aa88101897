"""The wellness lead creates a pulse from Slack: `pulse new` in the DM posts a button
that opens the form as a modal (a modal needs a press), the submission comes back as a
preview in the DM, and Save stores the pulse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Pulse
from tests.integration.slack.live_slack import LiveSlack, action_from, button_labelled
from tests.integration.slack.test_slack_roles import _make_wellness_lead, _met, _posts

LEAD = "U1LEAD"


async def _new_post(live: LiveSlack, before: list[Any], containing: str) -> Any:
    async def posted() -> list[Any]:
        return [
            call
            for call in _posts(live)
            if all(call is not old for old in before) and containing in str(call.body["text"])
        ]

    [post] = await live.until(posted, f"a post saying {containing!r}")
    return post


async def test_a_pulse_is_created_in_a_slack_modal(live: LiveSlack) -> None:
    lead = await _met(live, LEAD, 1)
    for n, user in enumerate(("U2AMY", "U3BO"), start=2):
        await _met(live, user, n)
    await _make_wellness_lead(live, lead)
    before = _posts(live)

    await live.dm(LEAD, "pulse new", ts="1700000002.000001", event_id="Ev-new")
    offer = await _new_post(live, before, "New pulse")
    opener = button_labelled(offer.body["blocks"], "Open the form")
    await live.press(LEAD, action_from(opener), channel=f"D{LEAD}", message_ts="1")

    [opened] = await live.slack.wait_for("views.open")
    view = opened.body["view"]
    inputs = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert inputs == [
        "name", "questions", "per_send", "audience", "schedule", "window", "days", "anonymity",
    ]  # fmt: skip
    before = _posts(live)
    values = {
        "name": "Weekly",
        "questions": "joy-more",
        "audience": "everyone",
        "schedule": "weekly",
        "window": "12:00-13:00",
        "anonymity": "confidential",
    }
    assert await live.submit_view(LEAD, view, values) == 200

    preview = await _new_post(live, before, "Weekly would reach:")
    # Everyone the bot met starts as a clinician, the lead too; nobody's site is known.
    assert "3 people in 1 time zone; first prompts" in preview.body["text"]
    save = button_labelled(preview.body["blocks"], "Save")
    await live.press(LEAD, action_from(save), channel=f"D{LEAD}", message_ts="2")

    async def stored() -> list[Pulse]:
        async with live.runtime.database.transaction() as session:
            return list((await session.scalars(select(Pulse))).all())

    [pulse] = await live.until(stored, "the pulse to be saved")
    assert (pulse.name, pulse.prompt_ids) == ("Weekly", ["joy-more"])
