"""After every move on the pathway, each Slack message still says what it said to its
reader: the submitter's news in their DM is never rewritten (nor given leaders' buttons),
and only the leaders' card in the leaders' channel is updated."""

from __future__ import annotations

import json
from typing import Any

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
