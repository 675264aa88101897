"""One organisation's words stay with it: a single-tenant bot refuses other tenants,
and a multi-tenant bot never posts one tenant's ideas into another's leaders' channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from storage.models import Idea, Notification, SavedConversation
from tests.integration.teams.fake_connector import FakeConnector
from tests.integration.teams.live_teams import (
    LEADERS_CHANNEL,
    TENANT_ID,
    LiveTeams,
    channel_mention,
    personal_message,
    start_live,
)

SETTLE_SECONDS = 0.5


def _in_tenant(activity: dict[str, object], tenant: str) -> dict[str, object]:
    conversation = dict(activity["conversation"])  # type: ignore[call-overload]
    conversation["tenantId"] = tenant
    return {**activity, "conversation": conversation, "channelData": {"tenant": {"id": tenant}}}


@pytest.fixture
async def single_tenant(database_url: str, channel: FakeConnector) -> AsyncIterator[LiveTeams]:
    live = await start_live(database_url, channel, teams_tenant_id=TENANT_ID)
    try:
        yield live
    finally:
        await live.stop()


async def test_a_single_tenant_bot_refuses_another_tenant(single_tenant: LiveTeams) -> None:
    live = single_tenant
    other = _in_tenant(personal_message(live.channel.url, "help"), "tenant-2")
    status, body = await live.signed(other)
    assert (status, body) == (403, {"error": "other_tenant"})
    assert (await live.signed(personal_message(live.channel.url, "help")))[0] == 201
    assert len(await live.replies()) == 1
    assert await live.people() == 1


async def test_another_tenants_idea_never_reaches_our_leaders_channel(live: LiveTeams) -> None:
    # Our leaders' channel is known (someone there spoke to the bot) and is tenant-1's.
    hello = channel_mention(live.channel.url, "help", user="29:leader", channel=LEADERS_CHANNEL)
    assert (await live.signed(hello))[0] == 201
    elsewhere = _in_tenant(channel_mention(live.channel.url, "idea free lunch"), "tenant-2")

    assert (await live.signed(elsewhere))[0] == 201

    async def settled() -> list[Notification]:
        async with live.runtime.database.transaction() as session:
            found = (await session.scalars(select(Notification))).all()
        return [n for n in found if n.state != "pending"]

    [note] = await live.until(settled, "the idea's card to be settled")
    assert note.state == "nowhere"
    await asyncio.sleep(SETTLE_SECONDS)
    leaders = [p for p in live.channel.posted() if p.conversation_id == LEADERS_CHANNEL]
    assert leaders == []
    async with live.runtime.database.transaction() as session:
        assert (await session.scalar(select(Idea))) is not None


async def test_an_idea_card_posted_to_the_leaders_channel_saves_where_it_lives(
    live: LiveTeams,
) -> None:
    assert (await live.signed(channel_mention(live.channel.url, "idea quiet room")))[0] == 201

    async def saved() -> list[SavedConversation]:
        async with live.runtime.database.transaction() as session:
            rows = select(SavedConversation).where(
                SavedConversation.conversation_id == LEADERS_CHANNEL
            )
            return list(await session.scalars(rows))

    [channel] = await live.until(saved, "the leaders' channel to be saved")
    assert channel.workspace == TENANT_ID and channel.user_id is None
