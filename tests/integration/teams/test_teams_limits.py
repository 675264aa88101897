"""Teams send limits over real HTTP: the Bot Connector's 429s and 5xx are retried (a
reply by the adapter, a prompt by the outbox), and a chat that is gone stops prompts."""

from __future__ import annotations

import asyncio
import json
import time

from bot.pulses.runs import ask_now
from storage.models import Delivery, Person
from tests.integration.teams.fake_connector import Recorded
from tests.integration.teams.live_teams import LEADERS_CHANNEL, LiveTeams

USER = "29:user-1"
CHAT = f"a:personal-{USER}"
SETTLE_SECONDS = 0.5


def _prompts(live: LiveTeams) -> list[object]:
    return [post for post in live.channel.posted() if "autonomy" in str(post.body).lower()]


async def test_a_reply_met_by_429s_is_retried_after_retry_after_and_arrives_once(
    live: LiveTeams,
) -> None:
    live.channel.fail_next(2, 429, retry_after=1, path_contains=CHAT)
    started = time.monotonic()

    assert await live.say("help") == 201

    [reply] = await live.replies()
    waited = time.monotonic() - started
    assert reply.conversation_id == CHAT and reply.body["text"]
    assert [refused.status for refused in live.channel.refused] == [429, 429]
    assert waited >= 2.0  # each Retry-After was honoured, not hammered through
    await asyncio.sleep(SETTLE_SECONDS)
    assert len(live.channel.posted()) == 1


async def test_a_reply_met_by_a_502_is_retried(live: LiveTeams) -> None:
    live.channel.fail_next(1, 502, path_contains=CHAT)
    assert await live.say("help") == 201
    [reply] = await live.replies()
    assert reply.conversation_id == CHAT
    assert [refused.status for refused in live.channel.refused] == [502]


async def test_a_prompt_met_by_a_429_waits_and_is_sent_once(live: LiveTeams) -> None:
    person = await live.meet(USER)
    live.channel.fail_next(1, 429, retry_after=1, path_contains=CHAT)
    started = time.monotonic()

    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["autonomy-vital"]
    )

    await live.until(live.sent_deliveries, "the prompt to be sent after the 429")
    assert time.monotonic() - started >= 1.0  # the workspace was held for Retry-After
    assert [refused.status for refused in live.channel.refused] == [429]
    await asyncio.sleep(SETTLE_SECONDS)
    assert len(_prompts(live)) == 1


async def test_a_chat_that_is_gone_marks_the_person_gone_and_sends_nothing_more(
    live: LiveTeams,
) -> None:
    person = await live.meet(USER)
    live.channel.fail_next(1, 403, path_contains=CHAT)

    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["autonomy-vital"]
    )

    async def gone() -> Person | None:
        found = await live.person(USER)
        return found if found is not None and found.gone else None

    await live.until(gone, "the person to be marked gone")

    async def failed() -> list[Delivery]:
        async with live.runtime.database.transaction() as session:
            found = await session.get(Delivery, 1)
            return [found] if found is not None and found.state == "failed" else []

    await live.until(failed, "the delivery to end failed")
    assert _prompts(live) == []


def _busiest(arrivals: list[float], seconds: float) -> int:
    """The most arrivals in any window of `seconds` (each window starting at an arrival)."""
    return max(sum(1 for t in arrivals if start <= t < start + seconds) for start in arrivals)


async def test_a_burst_of_ideas_reaches_the_leaders_channel_within_its_limits(
    live: LiveTeams,
) -> None:
    ideas = 12
    for n in range(ideas):
        assert await live.say(f"idea a quiet room on ward {n}") == 201

    def cards() -> list[Recorded]:
        return [p for p in live.channel.posted() if p.conversation_id == LEADERS_CHANNEL]

    async def all_posted() -> list[Recorded]:
        return cards() if len(cards()) == ideas else []

    posted = await live.until(all_posted, f"all {ideas} idea cards in the leaders' channel")
    arrivals = sorted(post.at for post in posted)
    # Teams: 7 messages in any 1 s and 8 in any 2 s into one conversation.
    assert _busiest(arrivals, 1.0) <= 7
    assert _busiest(arrivals, 2.0) <= 8
    assert live.channel.refused == []
    # Each idea's card went once.
    assert len({json.dumps(post.body, sort_keys=True) for post in posted}) == ideas
