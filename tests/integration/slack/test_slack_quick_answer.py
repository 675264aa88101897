"""A clinician who answers a prompt the instant it appears, before Slack's answer to the
post has even reached Thrive: the reply is taken as the answer, and recording the post
afterwards does not undo it."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.pulses.runs import ask_now
from storage.models import Delivery, Person
from tests.integration.slack.fake_slack import Call
from tests.integration.slack.live_slack import LiveSlack

USER = "U1QUICK"
HOLD_SECONDS = 5.0


async def _met(live: LiveSlack) -> Person:
    assert await live.dm(USER, "hello", ts="1700000000.000010", event_id="Ev-hello") == 200

    async def known() -> Person | None:
        return await live.person(USER)

    person: Person = await live.until(known, "the clinician to be known")
    await live.slack.wait_for("chat.postMessage")  # the reply to "hello"
    return person


async def test_an_answer_that_beats_the_record_of_its_prompt_is_kept(live: LiveSlack) -> None:
    person = await _met(live)
    posts_before = len(live.slack.calls)
    # The prompt is posted (the clinician sees it) but Slack's answer to Thrive is held
    # until the clinician's reply has been handled: the reply arrives first.
    hold = live.slack.hold_next("chat.postMessage")
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["joy-more"]
    )
    await asyncio.wait_for(hold.done.wait(), HOLD_SECONDS)

    try:
        await live.dm(USER, "Teaching residents", ts="1700000001.000001", event_id="Ev-quick")
        # Thrive's reply to it, while the prompt's own post is still held.
        reply = await live.until(lambda: _reply(live, posts_before), "a reply to the answer")
        assert reply.body["text"] == "Thanks, saved."  # not "no open question"
        [response] = await live.responses()
        assert (response.prompt_id, response.text) == ("joy-more", "Teaching residents")
    finally:
        hold.release()

    async def recorded() -> list[Delivery]:
        async with live.runtime.database.transaction() as session:
            found = await session.scalars(select(Delivery).where(Delivery.message_key.is_not(None)))
            return list(found.unique().all())

    [delivery] = await live.until(recorded, "the prompt's post to be recorded")
    # Recorded as posted, and still answered: no reminder, no second answer asked for.
    assert delivery.state == "answered"
    assert delivery.sent_at is not None and delivery.reminder_due_at is None


async def _reply(live: LiveSlack, calls_before: int) -> Call | None:
    """The first message Thrive posted after the prompt (seen or not by the person)."""
    posts = [
        call
        for call in live.slack.calls[calls_before:]
        if call.method in ("chat.postMessage", "chat.postEphemeral")
    ]
    return posts[1] if len(posts) > 1 else None
