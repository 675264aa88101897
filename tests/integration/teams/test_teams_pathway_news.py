"""After every move on the pathway, each Teams message still says what it said to its
reader: the submitter's news in their chat is never replaced (nor given leaders' buttons);
only the leaders' card in the leaders' channel is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.context import Desk
from bot.pathway.digest import compose
from bot.pathway.nudges import pathway_mailings
from bot.privacy.audit import SCHEDULER
from bot.pulses.definitions import PulseSpec, create_pulse
from bot.pulses.runs import send_now
from storage.digests import MailingRepository
from storage.models import Idea, Workspace
from storage.states import Anonymity
from tests.integration.server_log import server_log
from tests.integration.teams.live_teams import (
    LEADERS_CHANNEL,
    LiveTeams,
    action_named,
    card_of,
    card_submit,
    channel_mention,
    personal_message,
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


QUINN = "29:quinn-1"  # the anonymous idea's author: every trace of her is searched for
QUINN_AAD = "aad-quinn-7"
QUINN_EMAIL = "quinn.harper@clinic.example"
QUINN_TRACES = ("Quinn", "Harper", QUINN_EMAIL, QUINN, QUINN_AAD)
QUINN_CHAT = f"a:personal-{QUINN}"
QUIET_ROOM = "A quiet room for charting, away from the phones"


async def _quinn_says(live: LiveTeams, text: str) -> None:
    activity = personal_message(live.channel.url, text, user=QUINN)
    activity["from"] = {
        "id": QUINN,
        "name": "Quinn Harper",
        "aadObjectId": QUINN_AAD,
        "email": QUINN_EMAIL,
    }
    activity["localTimezone"] = "UTC"  # so the pulse's window below is hers
    assert await live.post(activity, live.channel.mint(service_url=live.channel.url)) == 201


async def _card_ref(live: LiveTeams, idea_id: int) -> str:
    async def stored() -> str | None:
        async with live.runtime.database.transaction() as session:
            idea = await session.get(Idea, idea_id)
        return str(idea.card_refs[0]["message_id"]) if idea and idea.card_refs else None

    found: str = await live.until(stored, f"the card of idea #{idea_id}")
    return found


async def test_no_call_to_a_leader_or_a_channel_names_the_anonymous_author(
    live: LiveTeams,
) -> None:
    runtime = live.runtime
    with server_log("info") as log:
        await live.meet(LEADER)
        await live.make_leader(LEADER)
        await _quinn_says(live, "hello")
        quinn = await live.until(lambda: live.person(QUINN), "Quinn to be known")
        assert (quinn.display_name, quinn.email) == ("Quinn Harper", QUINN_EMAIL)  # all to hide
        async with runtime.database.transaction() as session:
            workspace = await session.get(Workspace, quinn.workspace_id)
            assert workspace is not None
            organisation = int(workspace.organisation_id)
            pulse = await create_pulse(
                session,
                runtime.ctx,
                organisation,
                PulseSpec(
                    name="Anonymous ideas",
                    prompts=("break-the-rules",),
                    audience=(f"people:{QUINN}",),
                    anonymity=Anonymity.ANONYMOUS,
                    window=_window_around_now(),
                    days="mon,tue,wed,thu,fri,sat,sun",
                ),
            )
        await send_now(
            runtime.database, runtime.ctx, runtime.outbox, organisation, pulse.id, by=SCHEDULER
        )
        await live.until(lambda: _said(live, QUINN_CHAT, "rule"), "the idea prompt in her chat")
        await _quinn_says(live, QUIET_ROOM)

        async def her_idea() -> list[Idea]:
            async with runtime.database.transaction() as session:
                return list(await session.scalars(select(Idea).order_by(Idea.id)))

        [anonymous] = await live.until(her_idea, "her idea")
        assert anonymous.anonymous
        card_id = await _card_ref(live, anonymous.id)
        [post] = live.posts_to(LEADERS_CHANNEL)
        card = card_of(post)
        # A similar idea from someone else: leaders see "looks like #1" and merge it in.
        similar = "idea a quiet room for charting away from the phones and pagers"
        await live.signed(channel_mention(live.channel.url, similar))
        await _card_ref(live, anonymous.id + 1)
        answered: list[str] = []  # what the server answered the leader's presses: his to see
        for label in ("Review", "Accept"):
            status, body = await live.press_in_channel(action_named(card, label), card_id, LEADER)
            assert status == 200
            card = body["value"]
            answered.append(json.dumps(body, ensure_ascii=False))
        assert await live.say(f"merge #{anonymous.id + 1} into #{anonymous.id}", user=LEADER) == 201
        await live.until(lambda: _said(live, QUINN_CHAT, "Someone sent the same idea"), "merged")
        start = action_named(card, "Start (I'll lead it)")
        status, body = await live.press_in_channel(start, card_id, LEADER)
        assert status == 200
        answered.append(json.dumps(body, ensure_ascii=False))
        await live.until(lambda: _said(live, QUINN_CHAT, "is in progress"), "her news of it")
        # The board card, then the digest, sent and composed.
        assert await live.say("ideas", user=LEADER) == 201
        leader_chat = f"a:personal-{LEADER}"
        await live.until(lambda: _said(live, leader_chat, "Under way (1):"), "the board card")
        async with runtime.database.transaction() as session:
            now = runtime.ctx.clock.now()
            await MailingRepository(session).set_schedule(
                organisation, 7, now - timedelta(seconds=1), now - timedelta(days=7)
            )
            desk = Desk(runtime.ctx, session, organisation, now)
            composed = await compose(desk, now - timedelta(days=1), now + timedelta(seconds=1))
        assert (await pathway_mailings(runtime.database, runtime.ctx))["digests"] == 1
        await live.until(lambda: _said(live, leader_chat, "You said, we did"), "his digest")
        await live.until(lambda: _said(live, QUINN_CHAT, "You said, we did"), "her digest")

    seen = [
        json.dumps(call.body, ensure_ascii=False) + call.path
        for call in live.channel.calls
        if call.conversation_id != QUINN_CHAT
    ]
    everything = "\n".join([*seen, *answered, composed, log.text()])
    for shown in ("Under way (1):", "quiet room for charting", "You said, we did", "Anonymous"):
        assert shown in everything  # the board, the card, the digest: all searched
    for trace in QUINN_TRACES:
        assert trace not in everything, trace
    # She still hears of her idea, in her own chat only.
    assert await _said(live, QUINN_CHAT, "Leaders are now reviewing your idea")


async def _said(live: LiveTeams, conversation: str, words: str) -> list[str]:
    return [
        text
        for post in live.posts_to(conversation)
        if words in (text := json.dumps(post.body, ensure_ascii=False))
    ]


def _window_around_now() -> str:
    """A send window (UTC, Quinn's zone) around the hour the test runs at."""
    hour = datetime.now(UTC).hour
    return f"{max(hour - 1, 0):02d}:00-{min(hour + 1, 23):02d}:59"
