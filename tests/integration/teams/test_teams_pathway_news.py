"""After every move on the pathway, each Teams message still says what it said to its
reader: the submitter's news in their chat is never replaced (nor given leaders' buttons);
only the leaders' card in the leaders' channel is."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.teams.live_teams import (
    LEADERS_CHANNEL,
    LiveTeams,
    action_named,
    card_submit,
)
from tests.integration.teams.test_teams_scenarios import CLINICIAN, LEADER


async def test_the_submitters_news_is_never_replaced_by_a_move(live: LiveTeams) -> None:
    card_id, card = await live.idea_before_a_leader(LEADER, "close the car park on Fridays")
    person = await live.person(CLINICIAN)
    assert person is not None and person.conversation_ref is not None
    chat = person.conversation_ref["conversation_id"]
    steps = [
        ("Review", "Leaders are now reviewing your idea"),
        ("Accept", "leaders accepted your idea"),
        ("Start (I'll lead it)", "is in progress"),
        ("Mark implemented", "has been implemented"),
    ]
    for label, news in steps:
        status, body = await live.press_in_channel(action_named(card, label), card_id, LEADER)
        assert status == 200
        card = body["value"]  # the card as it now stands, for the next press

        async def told(news: str = news) -> list[Any]:
            return [post for post in live.posts_to(chat) if news in json.dumps(post.body)]

        [post] = await live.until(told, f"the news {news!r}")
        assert "Action.Execute" not in json.dumps(post.body)  # no leaders' moves for her
        # Nothing Thrive replaced was anywhere but the leaders' channel.
        assert {put.conversation_id for put in live.channel.put()} <= {LEADERS_CHANNEL}
        assert not [put for put in live.channel.put() if chat in put.path]


async def test_the_board_is_a_card_whose_vote_button_counts_once(live: LiveTeams) -> None:
    card_id, card = await live.idea_before_a_leader(LEADER, "close the car park on Fridays")
    status, _ = await live.press_in_channel(action_named(card, "Accept"), card_id, LEADER)
    assert status == 200
    leader_chat = f"a:personal-{LEADER}"
    assert await live.say("ideas", user=LEADER) == 201

    async def board() -> list[Any]:
        return [
            post
            for post in live.posts_to(leader_chat)
            if "Under way (1):" in json.dumps(post.body, ensure_ascii=False)
        ]

    [post] = await live.until(board, "the board, as a card")
    [attachment] = post.body["attachments"]
    vote = action_named(attachment["content"], "Vote for #1")
    for _ in range(2):  # a double press: counted once, the second said so
        pressed = card_submit(live.channel.url, vote["data"], user=LEADER)
        assert await live.post(pressed, live.channel.mint(service_url=live.channel.url)) == 201

    async def said(words: str) -> list[Any]:
        return [p for p in live.posts_to(leader_chat) if words in json.dumps(p.body)]

    await live.until(lambda: said("is counted. It now has 1 vote."), "the vote counted")
    await live.until(lambda: said("already voted"), "the second vote, refused kindly")
