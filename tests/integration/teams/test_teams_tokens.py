"""The bot's own token is fetched in a worker thread: while a slow login host keeps
the first replies waiting, the server still answers everything else, and the token
is fetched once for all of them."""

from __future__ import annotations

from tests.integration.loop_watch import watching_the_loop
from tests.integration.teams.live_teams import LiveTeams, personal_message

SLOW_TOKEN_SECONDS = 1.0


async def test_a_slow_login_host_stalls_nothing_else_and_is_asked_once(live: LiveTeams) -> None:
    live.channel.token_delay = SLOW_TOKEN_SECONDS
    async with watching_the_loop() as watch:
        statuses = await live.helps_at_once(3)
        replies = await live.replies(3)

    assert statuses == [201, 201, 201]
    assert len(replies) == 3
    assert watch.longest_stall < SLOW_TOKEN_SECONDS / 2
    assert len(live.channel.issued) == 1


async def test_when_the_login_host_fails_once_the_reply_still_arrives(live: LiveTeams) -> None:
    live.channel.fail_token_next = 1

    assert await live.say("help") == 201

    [reply] = await live.replies()
    assert reply.conversation_id == "a:personal-29:user-1" and reply.body["text"]
    assert live.channel.token_refusals == 1
    assert len(live.channel.issued) == 1


async def test_an_inbound_turn_does_not_wait_for_the_token_it_does_not_use(
    live: LiveTeams,
) -> None:
    live.channel.token_delay = SLOW_TOKEN_SECONDS
    reaction = personal_message(live.channel.url, "")
    reaction.update(type="messageReaction", reactionsAdded=[{"type": "like"}], replyToId="1")

    status, _body = await live.signed(reaction)

    assert status == 201
    assert live.channel.issued == set()  # answered before any token was fetched
