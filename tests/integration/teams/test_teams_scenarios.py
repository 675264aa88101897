"""The whole loop in Teams over real HTTP and real JWTs: install, prompts after a
restart, answers by Execute, ideas from a channel @mention to the leaders' channel,
and a leader's move on the card updating it for everyone and telling the submitter."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from bot.pulses.runs import ask_now
from storage.models import Idea, SavedConversation
from tests.integration.teams.fake_connector import FakeConnector, Recorded
from tests.integration.teams.live_teams import (
    CARD,
    GENERAL_CHANNEL,
    LEADERS_CHANNEL,
    LiveTeams,
    action_named,
    actions_of,
    card_of,
    channel_mention,
    execute,
    installed,
    start_live,
)

CLINICIAN = "29:user-1"
LEADER = "29:leader-1"
SETTLE_SECONDS = 0.3


def _chat(user: str) -> str:
    return f"a:personal-{user}"


async def test_installing_the_app_welcomes_the_person_and_saves_their_chat(
    live: LiveTeams,
) -> None:
    status, _ = await live.signed(installed(live.channel.url, user=CLINICIAN))
    assert status == 201

    [welcome] = await live.replies()
    assert welcome.conversation_id == _chat(CLINICIAN)
    assert welcome.body["text"].startswith("Hi, I'm Thrive.")
    person = await live.person(CLINICIAN)
    assert person is not None and person.timezone == "America/Chicago"
    async with live.runtime.database.transaction() as session:
        saved = (await session.scalars(select(SavedConversation))).all()
    assert [(row.conversation_id, row.user_id) for row in saved] == [(_chat(CLINICIAN), CLINICIAN)]


async def test_a_prompt_reaches_the_person_after_the_app_restarts(
    database_url: str, channel: FakeConnector
) -> None:
    first = await start_live(database_url, channel)
    try:
        assert (await first.signed(installed(channel.url, user=CLINICIAN)))[0] == 201
        await first.replies()
    finally:
        await first.stop()

    second = await start_live(database_url, channel)
    try:
        person = await second.person(CLINICIAN)
        assert person is not None
        await ask_now(
            second.runtime.database,
            second.runtime.ctx,
            second.runtime.outbox,
            [person],
            ["autonomy-vital"],
        )
        [_welcome, prompt] = await second.replies(2)
        assert prompt.conversation_id == _chat(CLINICIAN)
        assert "autonomy" in json.dumps(card_of(prompt)).lower()
        [delivery] = await second.until(second.sent_deliveries, "the prompt recorded as sent")
        assert delivery.person_id == person.id
    finally:
        await second.stop()


async def test_pressing_an_answer_as_action_execute_answers_and_returns_the_card(
    live: LiveTeams,
) -> None:
    await live.meet(CLINICIAN)
    person = await live.person(CLINICIAN)
    assert person is not None
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["autonomy-vital"]
    )
    prompt = (await live.replies(2))[1]
    [delivery] = await live.until(live.sent_deliveries, "the prompt recorded as sent")
    assert delivery.message_ref is not None
    four = action_named(card_of(prompt), "4")["data"]

    status, body = await live.signed(
        execute(
            live.channel.url,
            four["action_id"],
            {"thrive": four["thrive"], "value": four["value"]},
            reply_to_id=str(delivery.message_ref["message_id"]),
        )
    )

    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == CARD
    assert "Answered" in json.dumps(body["value"])
    assert "What makes you say that?" in json.dumps(body["value"])
    [response] = await live.responses()
    assert (response.prompt_id, response.scale_value) == ("autonomy-vital", 4)
    [put] = await live.until(live.replaced, "the card to be replaced for everyone")
    assert put.path.endswith(f"/activities/{delivery.message_ref['message_id']}")


async def test_an_execute_that_is_not_ours_gets_a_private_note_and_stores_nothing(
    live: LiveTeams,
) -> None:
    await live.meet(CLINICIAN)

    status, body = await live.signed(
        execute(live.channel.url, "format-disk", {"evil": True}, reply_to_id="x")
    )

    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"].startswith("That button no longer works.")
    await asyncio.sleep(SETTLE_SECONDS)
    assert await live.responses() == []
    assert live.channel.put() == []


async def test_an_idea_from_a_channel_mention_reaches_the_leaders_channel_as_a_card(
    live: LiveTeams,
) -> None:
    status, _ = await live.signed(
        channel_mention(live.channel.url, "idea protected time for handover notes")
    )
    assert status == 201

    _card_id, card = await live.leaders_card()
    shown = json.dumps(card)
    assert "protected time for handover notes" in shown
    assert {action["type"] for action in actions_of(card)} == {"Action.Execute"}
    # The person hears back in a 1:1 chat the bot opened, never in the channel.
    [opened] = [call for call in live.channel.posted() if call.path == "/v3/conversations"]
    assert opened.body["members"] == [{"id": CLINICIAN}]
    assert opened.body["channelData"]["tenant"]["id"] == "tenant-1"
    person = await live.person(CLINICIAN)
    assert person is not None and person.conversation_ref is not None
    chat = person.conversation_ref["conversation_id"]
    assert chat.startswith("conv-")
    thanks = await live.until(lambda: _async(live.posts_to(chat)), "the thanks in the 1:1 chat")
    assert "is with your leaders" in json.dumps(thanks[0].body)
    assert live.posts_to(GENERAL_CHANNEL) == []


async def test_chatter_in_a_channel_that_does_not_mention_the_bot_is_left_alone(
    live: LiveTeams,
) -> None:
    activity = channel_mention(live.channel.url, "idea nobody asked")
    del activity["entities"]
    assert (await live.signed(activity))[0] == 201
    await asyncio.sleep(SETTLE_SECONDS)
    assert live.channel.posted() == []
    assert await live.people() == 0


async def test_a_leader_accepts_on_the_card_which_updates_for_everyone_and_the_submitter_hears(
    database_url: str, channel: FakeConnector
) -> None:
    first = await start_live(database_url, channel)
    try:
        card_id, card = await first.idea_before_a_leader(LEADER, "a float nurse on Mondays")
    finally:
        await first.stop()

    # After a restart: the card's channel (and its serviceUrl) comes from the database.
    live = await start_live(database_url, channel)
    try:
        accept = action_named(card, "Accept")
        status, body = await live.press_in_channel(accept, card_id, LEADER)

        assert status == 200 and body["type"] == CARD
        assert "accepted" in json.dumps(body["value"])
        [put] = await live.until(live.replaced, "the card to be updated for everyone")
        assert put.path == f"/v3/conversations/{LEADERS_CHANNEL}/activities/{card_id}"
        updated = json.dumps(put.body)
        assert "accepted" in updated and "a float nurse on Mondays" in updated

        async def news() -> list[Recorded]:
            person = await live.person(CLINICIAN)
            assert person is not None and person.conversation_ref is not None
            chat = person.conversation_ref["conversation_id"]
            return [p for p in live.posts_to(chat) if "accepted your idea" in json.dumps(p.body)]

        [told] = await live.until(news, "the submitter to hear the idea was accepted")
        # As a card showing the idea where it now stands, with nothing to press.
        shown = json.dumps(card_of(told))
        assert "a float nurse on Mondays" in shown and "accepted" in shown
        assert "Action.Execute" not in shown and "Action.Submit" not in shown
        async with live.runtime.database.transaction() as session:
            idea = await session.scalar(select(Idea))
        assert idea is not None and idea.state == "accepted"
    finally:
        await live.stop()


async def test_a_clinician_pressing_a_leaders_card_is_told_privately_and_nothing_moves(
    live: LiveTeams,
) -> None:
    await live.signed(channel_mention(live.channel.url, "idea more parking"))
    card_id, card = await live.leaders_card()
    accept = action_named(card, "Accept")

    status, body = await live.press_in_channel(accept, card_id, "29:someone")

    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Only leaders" in body["value"]
    await asyncio.sleep(SETTLE_SECONDS)
    assert live.channel.put() == []
    assert len(live.posts_to(LEADERS_CHANNEL)) == 1


async def _async(value: Any) -> Any:
    return value


async def test_removing_the_app_stops_prompts_until_it_is_added_again(live: LiveTeams) -> None:
    assert (await live.signed(installed(live.channel.url, user=CLINICIAN)))[0] == 201
    removed = installed(live.channel.url, user=CLINICIAN)
    removed["membersRemoved"] = removed.pop("membersAdded")

    assert (await live.signed(removed))[0] == 201

    person = await live.person(CLINICIAN)
    assert person is not None and person.gone
    assert (await live.signed(installed(live.channel.url, user=CLINICIAN)))[0] == 201
    person = await live.person(CLINICIAN)
    assert person is not None and not person.gone


async def test_when_no_private_chat_can_be_opened_the_person_is_told_in_the_thread(
    live: LiveTeams,
) -> None:
    live.channel.fail_next(1, 403, path_contains="/v3/conversations")

    assert (await live.signed(channel_mention(live.channel.url, "idea later")))[0] == 201

    [told] = await live.replies()
    assert told.conversation_id == f"{GENERAL_CHANNEL};messageid=1700000000001"
    assert "could not open one with you" in told.body["text"]
    assert await live.people() == 0


async def test_a_server_stopping_right_after_a_press_still_updates_the_card(
    database_url: str, channel: FakeConnector
) -> None:
    live = await start_live(database_url, channel)
    try:
        card_id, card = await live.idea_before_a_leader(LEADER, "water fountains")
        channel.update_delay = 0.5  # Teams is slow to take the new card
        status, _body = await live.press_in_channel(action_named(card, "Accept"), card_id, LEADER)
        assert status == 200
    finally:
        await live.stop()  # at once: the PUT is still on its way

    [put] = channel.put()
    assert put.path == f"/v3/conversations/{LEADERS_CHANNEL}/activities/{card_id}"
