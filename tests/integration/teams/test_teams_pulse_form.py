"""The wellness lead creates a pulse from Teams: `pulse new` posts the form as a card
with inputs, its submission comes back as a preview card, and Save stores the pulse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.people.roles import Role
from storage.models import Pulse
from storage.people import PeopleRepository
from tests.integration.teams.live_teams import LiveTeams, action_named, card_of

LEAD = "29:user-1"


async def _new_card(live: LiveTeams, after: int, containing: str) -> dict[str, Any]:
    async def posted() -> list[dict[str, Any]]:
        posts = live.channel.posted()[after:]
        cards = [card_of(post) for post in posts if post.body.get("attachments")]
        return [card for card in cards if containing in str(card)]

    [card] = await live.until(posted, f"a card with {containing!r}")
    found: dict[str, Any] = card
    return found


async def test_a_pulse_is_created_with_a_teams_card(live: LiveTeams) -> None:
    lead = await live.meet(LEAD)
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(lead.id)
        assert found is not None
        await people.grant(found, Role.WELLNESS_LEAD, now=live.runtime.ctx.clock.now())
    before = len(live.channel.posted())

    assert await live.say("pulse new") in (200, 201)
    form = await _new_card(live, before, "New pulse")
    inputs = [element["id"] for element in form["body"] if element["type"] == "Input.Text"]
    assert inputs == [f"thrive.field.{name}" for name in (
        "name", "questions", "per_send", "audience", "schedule", "window", "days", "anonymity",
    )]  # fmt: skip
    check = action_named(form, "Check it")
    filled = {element["id"]: element.get("value", "") for element in form["body"]
              if element["type"] == "Input.Text"}  # fmt: skip
    filled |= {"thrive.field.name": "Weekly", "thrive.field.questions": "joy-more"}
    before = len(live.channel.posted())
    assert await live.submit({**check["data"], **filled}) in (200, 201)

    preview = await _new_card(live, before, "Weekly would reach:")
    assert "1 person in 1 time zone; first prompts" in str(preview)
    save = action_named(preview, "Save")
    assert await live.submit(save["data"]) in (200, 201)

    async def stored() -> list[Pulse]:
        async with live.runtime.database.transaction() as session:
            return list((await session.scalars(select(Pulse))).all())

    [pulse] = await live.until(stored, "the pulse to be saved")
    assert (pulse.name, pulse.prompt_ids, pulse.audience) == ("Weekly", ["joy-more"], {})
