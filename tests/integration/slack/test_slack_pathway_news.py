"""After every move on the pathway, each Slack message still says what it said to its
reader: the submitter's news in their DM is never rewritten (nor given leaders' buttons),
and only the leaders' card in the leaders' channel is updated."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.pathway.nudges import pathway_mailings
from storage.digests import MailingRepository
from storage.models import DigestSchedule
from tests.integration.slack.live_slack import LiveSlack, action_from, button_labelled, buttons_of
from tests.integration.slack.test_slack_pathway import (
    CLINICIAN,
    LEADER,
    LEADERS_CHANNEL,
    _card,
    _leader,
)

DM = f"D{CLINICIAN}"


def _dm_messages(live: LiveSlack) -> dict[str, tuple[str, str]]:
    return {
        ts: (str(message.get("text")), repr(message.get("blocks")))
        for (channel, ts), message in live.slack.messages.items()
        if channel == DM
    }


async def test_the_submitters_news_is_never_rewritten_by_a_move(live: LiveSlack) -> None:
    await _leader(live)
    assert await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0G") == 200
    ts, blocks = await _card(live)
    steps = [
        ("Review", "Leaders are now reviewing your idea"),
        ("Accept", "leaders accepted your idea"),
        ("Start", "is in progress"),
        ("Mark implemented", "has been implemented"),
    ]
    kept: dict[str, tuple[str, str]] = {}
    for label, news in steps:
        button = button_labelled(blocks, label)
        assert await live.press(LEADER, action_from(button), channel=LEADERS_CHANNEL, message_ts=ts)

        async def told(news: str = news) -> list[tuple[str, Any]]:
            return [
                (key, message)
                for (channel, key), message in live.slack.messages.items()
                if channel == DM and news in str(message.get("text"))
            ]

        [(news_ts, message)] = await live.until(told, f"the news {news!r}")
        assert buttons_of(message.get("blocks")) == []  # no leaders' moves for her
        kept[news_ts] = _dm_messages(live)[news_ts]

        async def card_moved(before: Any = blocks) -> Any:
            now = live.slack.messages[(LEADERS_CHANNEL, ts)].get("blocks")
            return now if now != before else None

        blocks = await live.until(card_moved, "the leaders' card to move on")
        # Each news message still reads as it did when it arrived.
        now = _dm_messages(live)
        assert {key: now[key] for key in kept} == kept
        # Nothing Thrive updated was anywhere but the leaders' channel.
        assert {call.body.get("channel") for call in live.slack.calls_to("chat.update")} == {
            LEADERS_CHANNEL
        }
    [idea] = await live.ideas()
    assert idea.state == "implemented"


async def test_the_board_and_a_vote_over_slack_and_the_app_home_shows_the_board(
    live: LiveSlack,
) -> None:
    await _leader(live)
    assert await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0G") == 200
    ts, blocks = await _card(live)
    accept = button_labelled(blocks, "Accept")
    assert await live.press(LEADER, action_from(accept), channel=LEADERS_CHANNEL, message_ts=ts)
    [idea] = await live.until(live.ideas, "the idea")
    await live.until(lambda: _accepted(live), "the idea accepted")

    assert await live.command(LEADER, f"vote {idea.id}", channel="C0G") == 200
    assert await live.command(LEADER, f"vote {idea.id}", channel="C0G") == 200

    async def said(words: str) -> list[Any]:
        return [
            call for call in live.slack.calls_to("response_url") if words in json.dumps(call.body)
        ]

    await live.until(lambda: said("is counted. It now has 1 vote."), "the vote counted")
    await live.until(lambda: said("already voted"), "the second vote refused kindly")
    opened = {"type": "app_home_opened", "user": LEADER, "channel": f"D{LEADER}", "tab": "home"}
    assert await live.event(opened, "Ev-home-board") == 200
    [published] = await live.slack.wait_for("views.publish")
    shown = json.dumps(published.body["view"], ensure_ascii=False)
    assert "Under way (1):" in shown and "accepted · 1 vote" in shown


async def _accepted(live: LiveSlack) -> bool:
    return any(idea.state == "accepted" for idea in await live.ideas())


async def test_end_to_end_from_an_idea_to_the_digest_as_the_submitter_reads_it(
    live: LiveSlack,
) -> None:
    await _leader(live)
    assert await live.command(CLINICIAN, "idea a float nurse on Mondays", channel="C0G") == 200
    ts, blocks = await _card(live)
    kept: dict[str, tuple[str, str]] = {}

    async def told(words: str) -> None:
        async def found() -> list[str]:
            return [key for key, (text, _) in _dm_messages(live).items() if words in text]

        [news_ts] = await live.until(found, f"the news {words!r}")
        kept[news_ts] = _dm_messages(live)[news_ts]
        now = _dm_messages(live)
        assert {key: now[key] for key in kept} == kept  # earlier news unchanged

    async def press(label: str) -> None:
        nonlocal blocks
        button = button_labelled(blocks, label)
        assert await live.press(LEADER, action_from(button), channel=LEADERS_CHANNEL, message_ts=ts)

        async def moved(before: Any = blocks) -> Any:
            now = live.slack.messages[(LEADERS_CHANNEL, ts)].get("blocks")
            return now if now != before else None

        if not label.startswith("Ask"):
            blocks = await live.until(moved, "the card to move on")

    await press("Review")
    await told("Leaders are now reviewing your idea #1")
    await press("Ask for more info")
    [opened] = await live.slack.wait_for("views.open")
    view = opened.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "a float nurse on Mondays" in json.dumps(view)  # the idea, while they write
    assert await live.submit_view(LEADER, view, {"note": "Which hours?"}) == 200
    await told("Which hours?")
    assert await live.dm(CLINICIAN, "idea #1 8am to noon", ts="1700000002.1", event_id="Ev-more")
    await told("Added to your idea #1")

    async def back_in_review() -> Any:
        now = live.slack.messages[(LEADERS_CHANNEL, ts)].get("blocks")
        return now if "Accept" in json.dumps(now) and "8am to noon" in json.dumps(now) else None

    blocks = await live.until(back_in_review, "the card back in review, with her details")
    await press("Accept")
    await told("leaders accepted your idea #1")
    await press("Start")
    await told("is in progress")
    await press("Mark implemented")
    await told("has been implemented")

    async with live.runtime.database.transaction() as session:
        now = live.runtime.ctx.clock.now()
        assert (await session.scalars(select(DigestSchedule))).first() is None
        # The wellness lead's schedule, set a week ago and due now.
        [idea] = await live.ideas()
        await MailingRepository(session).set_schedule(
            idea.organisation_id, 7, now - timedelta(seconds=1), now - timedelta(days=7)
        )
    assert (await pathway_mailings(live.runtime.database, live.runtime.ctx))["digests"] == 1
    await told("You said, we did")
