"""Roles in Slack: a wellness lead grants by @mention in a DM (Slack writes `<@U123>`;
the adapter says who that is, the core decides); a clinician who tries is refused; the
address Slack's profile gives is kept, so the CLI can name people by it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.people.roles import Role
from storage.models import Person, RoleGrant
from storage.people import PeopleRepository
from tests.integration.slack.live_slack import LiveSlack

LEAD = "U1LEAD"
BEN = "U2BEN"


async def _met(live: LiveSlack, user: str, n: int) -> Person:
    assert await live.dm(user, "hello", ts=f"1700000000.00001{n}", event_id=f"Ev-hi-{user}") == 200
    person: Person = await live.until(lambda: live.person(user), f"{user} to be known")
    return person


async def _make_wellness_lead(live: LiveSlack, person: Person) -> None:
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(person.id)
        assert found is not None
        await people.grant(found, Role.WELLNESS_LEAD, now=live.runtime.ctx.clock.now())


def _posts(live: LiveSlack) -> list[Any]:
    """What the bot posted so far, in public or for one person's eyes."""
    return live.slack.calls_to("chat.postMessage") + live.slack.calls_to("chat.postEphemeral")


async def _reply_to(live: LiveSlack, user: str, before: list[Any]) -> str:
    """The one new message the bot posts in `user`'s DM since `before`."""

    async def posted() -> list[Any]:
        new = [call for call in _posts(live) if all(call is not old for old in before)]
        return [call for call in new if call.body["channel"] == f"D{user}"]

    [reply] = await live.until(posted, f"a reply to {user}")
    return str(reply.body["text"])


async def test_a_wellness_lead_grants_leader_by_mention(live: LiveSlack) -> None:
    live.slack.users[LEAD] = {"profile": {"real_name": "Ana Moreno", "email": "ana@river.example"}}
    lead = await _met(live, LEAD, 1)
    ben = await _met(live, BEN, 2)
    await _make_wellness_lead(live, lead)
    before = _posts(live)

    sent = await live.dm(LEAD, f"grant <@{BEN}> leader", ts="1700000001.000001", event_id="Ev-g")

    assert sent == 200
    reply = await _reply_to(live, LEAD, before)
    assert reply == f"Done: Test User {BEN} now has the leader role."
    async with live.runtime.database.transaction() as session:
        granted = await session.scalar(
            select(RoleGrant).where(RoleGrant.person_id == ben.id, RoleGrant.role == "leader")
        )
    assert granted is not None and granted.granted_by_id == lead.id
    stored = await live.person(LEAD)
    assert stored is not None and stored.email == "ana@river.example"


async def test_a_clinician_who_tries_is_refused_politely(live: LiveSlack) -> None:
    await _met(live, LEAD, 1)
    ben = await _met(live, BEN, 2)
    before = _posts(live)

    await live.dm(LEAD, f"grant <@{BEN}> wellness lead", ts="1700000001.000002", event_id="Ev-x")

    reply = await _reply_to(live, LEAD, before)
    assert reply == live.runtime.ctx.say("refused.grant_roles")
    async with live.runtime.database.transaction() as session:
        roles = await session.scalars(select(RoleGrant.role).where(RoleGrant.person_id == ben.id))
        assert roles.all() == ["clinician"]
