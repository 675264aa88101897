"""After every move on the pathway, each Slack message still says what it said to its
reader: the submitter's news in their DM is never rewritten (nor given leaders' buttons),
and only the leaders' card in the leaders' channel is updated."""

from __future__ import annotations

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
