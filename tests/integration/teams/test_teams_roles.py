"""Roles in Teams: a wellness lead @mentions the bot in a channel with `grant @Ben leader`.
Teams sends Ben as a mention entity; the adapter says who that is, the core decides, and
the answer goes to the lead's own chat. A clinician who tries is refused there."""

from __future__ import annotations

from sqlalchemy import select

from bot.people.roles import Role
from storage.models import RoleGrant
from storage.people import PeopleRepository
from tests.integration.teams.live_teams import LiveTeams, channel_mention

LEAD = "29:lead-1"
BEN = "29:ben-1"


def _grant_in_channel(live: LiveTeams, user: str, role: str) -> dict[str, object]:
    activity = channel_mention(live.channel.url, f"grant <at>Ben Okoro</at> {role}", user=user)
    ben = {"id": BEN, "name": "Ben Okoro"}
    activity["entities"].append({"type": "mention", "mentioned": ben, "text": "<at>Ben Okoro</at>"})
    return activity


async def _roles_of_ben(live: LiveTeams) -> list[str]:
    ben = await live.person(BEN)
    assert ben is not None
    async with live.runtime.database.transaction() as session:
        found = await session.scalars(select(RoleGrant.role).where(RoleGrant.person_id == ben.id))
        return sorted(found.all())


async def _answer_in_own_chat(live: LiveTeams, user: str, after: int) -> str:
    async def answered() -> list[str]:
        posts = live.posts_to(f"a:personal-{user}")[after:]
        return [str(post.body.get("text")) for post in posts]

    [text] = await live.until(answered, f"an answer in {user}'s chat")
    return str(text)


async def test_a_wellness_lead_grants_leader_by_mention_in_a_channel(live: LiveTeams) -> None:
    lead = await live.meet(LEAD)
    await live.meet(BEN)
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(lead.id)
        assert found is not None
        await people.grant(found, Role.WELLNESS_LEAD, now=live.runtime.ctx.clock.now())
    before = len(live.posts_to(f"a:personal-{LEAD}"))

    status, _ = await live.signed(_grant_in_channel(live, LEAD, "leader"))

    assert status in (200, 201)
    answer = await _answer_in_own_chat(live, LEAD, before)
    # Everyone in these fake activities is called "Dr Ada": the stored name, not the mention's.
    assert answer == "Done: Dr Ada now has the leader role."
    assert await _roles_of_ben(live) == ["clinician", "leader"]


async def test_a_clinician_who_tries_is_refused(live: LiveTeams) -> None:
    await live.meet(LEAD)
    await live.meet(BEN)
    before = len(live.posts_to(f"a:personal-{LEAD}"))

    await live.signed(_grant_in_channel(live, LEAD, "leader"))

    answer = await _answer_in_own_chat(live, LEAD, before)
    assert answer == live.runtime.ctx.say("refused.grant_roles")
    assert await _roles_of_ben(live) == ["clinician"]
