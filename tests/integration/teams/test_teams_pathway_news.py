"""After every move on the pathway, each Teams message still says what it said to its
reader: the submitter's news in their chat is never replaced (nor given leaders' buttons);
only the leaders' card in the leaders' channel is."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.pathway.nudges import pathway_mailings
from storage.digests import MailingRepository
from storage.models import Idea
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


async def test_end_to_end_from_an_idea_to_the_digest_as_the_submitter_reads_it(
    live: LiveTeams,
) -> None:
    card_id, card = await live.idea_before_a_leader(LEADER, "close the car park on Fridays")

    def news_posts() -> list[tuple[str, str]]:
        """(conversation, text) of everything posted outside the leaders' channel."""
        return [
            (post.conversation_id, json.dumps(post.body, ensure_ascii=False))
            for post in live.channel.posted()
            if post.conversation_id != LEADERS_CHANNEL
        ]

    async def told(words: str) -> None:
        async def found() -> list[tuple[str, str]]:
            return [post for post in news_posts() if words in post[1]]

        await live.until(found, f"the news {words!r}")
        # Nothing outside the leaders' channel is ever replaced: her news stays hers.
        assert {put.conversation_id for put in live.channel.put()} <= {LEADERS_CHANNEL}

    async def press(label: str) -> dict[str, Any]:
        status, body = await live.press_in_channel(action_named(card, label), card_id, LEADER)
        assert status == 200
        answered: dict[str, Any] = body["value"]
        return answered

    card = await press("Review")
    await told("Leaders are now reviewing your idea #1")
    form = await press("Ask for more info")
    assert "close the car park on Fridays" in json.dumps(form)  # the idea, while they write
    [question] = [element for element in form["body"] if element["type"] == "Input.Text"]
    assert action_named(form, "Cancel")
    pressed = card_submit(
        live.channel.url,
        {**action_named(form, "Send")["data"], question["id"]: "Which days exactly?"},
        reply_to_id=card_id,
        user=LEADER,
    )
    pressed["conversation"] = {
        "id": f"{LEADERS_CHANNEL};messageid={card_id}",
        "conversationType": "channel",
        "tenantId": "tenant-1",
    }
    assert (await live.signed(pressed))[0] == 201
    await told("Which days exactly?")
    assert await live.say("idea #1 Fridays only, from 7am") == 201
    await told("Added to your idea #1")

    async def latest_card() -> dict[str, Any] | None:
        puts = [put for put in live.channel.put() if "Fridays only" in json.dumps(put.body)]
        if not puts:
            return None
        content: dict[str, Any] = puts[-1].body["attachments"][0]["content"]
        return content

    card = await live.until(latest_card, "the card back in review with her details")
    for label, words in (
        ("Accept", "leaders accepted your idea #1"),
        ("Start (I'll lead it)", "is in progress"),
        ("Mark implemented", "has been implemented"),
    ):
        card = await press(label)
        await told(words)

    async with live.runtime.database.transaction() as session:
        now = live.runtime.ctx.clock.now()
        [idea] = list(await session.scalars(select(Idea)))
        # The wellness lead's weekly schedule, set a week ago and due now.
        await MailingRepository(session).set_schedule(
            idea.organisation_id, 7, now - timedelta(seconds=1), now - timedelta(days=7)
        )
    assert (await pathway_mailings(live.runtime.database, live.runtime.ctx))["digests"] == 1
    await told("You said, we did")


async def test_cancel_on_the_reason_form_brings_the_card_back_and_moves_nothing(
    live: LiveTeams,
) -> None:
    card_id, card = await live.idea_before_a_leader(LEADER, "close the car park on Fridays")
    status, body = await live.press_in_channel(action_named(card, "Decline"), card_id, LEADER)
    assert status == 200
    form = body["value"]
    assert "close the car park on Fridays" in json.dumps(form)
    status, body = await live.press_in_channel(action_named(form, "Cancel"), card_id, LEADER)
    assert status == 200
    back = json.dumps(body["value"], ensure_ascii=False)
    assert "Decline" in back and "Input.Text" not in back  # the card, not the form
    async with live.runtime.database.transaction() as session:
        [idea] = list(await session.scalars(select(Idea)))
    assert idea.state == "submitted"
