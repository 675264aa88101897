"""The bot's own token is fetched in a worker thread: while a slow login host keeps
the first replies waiting, the server still answers everything else, and the token
is fetched once for all of them."""

from __future__ import annotations

import asyncio
import time

from tests.integration.teams.live_teams import LiveTeams, personal_message

SLOW_TOKEN_SECONDS = 1.0


async def test_a_slow_login_host_stalls_nothing_else_and_is_asked_once(live: LiveTeams) -> None:
    live.channel.token_delay = SLOW_TOKEN_SECONDS
    token = live.channel.mint(service_url=live.channel.url)
    longest_stall = 0.0
    done = asyncio.Event()

    async def watch_the_loop() -> None:
        """The server shares this event loop: a blocking fetch would stall this too."""
        nonlocal longest_stall
        while not done.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            longest_stall = max(longest_stall, time.monotonic() - before)

    watcher = asyncio.create_task(watch_the_loop())
    turns = [
        live.post(personal_message(live.channel.url, "help", user=f"29:user-{n}"), token)
        for n in range(3)
    ]
    statuses = await asyncio.gather(*turns)
    replies = await live.replies(3)
    done.set()
    await watcher

    assert statuses == [201, 201, 201]
    assert len(replies) == 3
    assert longest_stall < SLOW_TOKEN_SECONDS / 2
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
