"""Teams over real HTTP: signed activities in, replies out through the Bot Connector."""

from __future__ import annotations

from tests.integration.teams.live_teams import LiveTeams


async def test_a_signed_personal_message_gets_a_reply(live: LiveTeams) -> None:
    assert await live.say("help") == 201
    [reply] = await live.replies()
    assert reply.path == f"/v3/conversations/{reply.conversation_id}/activities"
    assert reply.conversation_id == "a:personal-29:user-1"
    assert reply.body["type"] == "message"
    assert reply.body["text"]
    assert await live.people() == 1


async def test_the_same_activity_twice_is_answered_once(live: LiveTeams) -> None:
    assert await live.say("help", activity_id="act-1") == 201
    await live.replies()
    assert await live.say("help", activity_id="act-1") == 201
    assert await live.say("help", activity_id="act-2") == 201
    replies = await live.replies(at_least=2)
    assert len(replies) == 2  # act-1 once, act-2 once
