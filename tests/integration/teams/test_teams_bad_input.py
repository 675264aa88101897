"""Teams bad input: unsigned or wrongly signed -> 401, unusable activities -> 400;
either way nothing reaches the core."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.teams.live_teams import LiveTeams, personal_message

SETTLE_SECONDS = 0.3


async def assert_nothing_happened(live: LiveTeams) -> None:
    await asyncio.sleep(SETTLE_SECONDS)  # a reply would be on its way by now
    assert live.channel.posted() == []
    assert await live.people() == 0


async def test_no_token_is_refused(live: LiveTeams) -> None:
    assert await live.post(personal_message(live.channel.url, "help")) == 401
    await assert_nothing_happened(live)


@pytest.mark.parametrize(
    "wrong",
    [
        {"audience": "some-other-bot"},
        {"expires_in": -3600},  # an hour ago: past botbuilder's 5-minute leeway
        {"service_url": "https://evil.example.org/"},
        {"issuer": "https://someone-else.example.org/"},
    ],
    ids=["other-audience", "expired", "wrong-serviceurl", "other-issuer"],
)
async def test_a_bad_token_is_refused(live: LiveTeams, wrong: dict[str, object]) -> None:
    claims: dict[str, object] = {"service_url": live.channel.url, **wrong}
    token = live.channel.mint(**claims)  # type: ignore[arg-type]
    assert await live.post(personal_message(live.channel.url, "help"), token) == 401
    await assert_nothing_happened(live)


async def test_a_garbage_token_is_refused(live: LiveTeams) -> None:
    assert await live.post(personal_message(live.channel.url, "help"), "not-a-jwt") == 401
    await assert_nothing_happened(live)


@pytest.mark.parametrize("missing", ["serviceUrl", "conversation", "from", "type"])
async def test_an_activity_missing_a_part_is_a_400(live: LiveTeams, missing: str) -> None:
    activity = personal_message(live.channel.url, "help")
    del activity[missing]
    token = live.channel.mint(service_url=live.channel.url)
    assert await live.post(activity, token) == 400
    await assert_nothing_happened(live)


async def test_a_body_that_is_not_json_is_a_400(live: LiveTeams) -> None:
    async with live.http.post(f"{live.url}/api/messages", data=b"{nope") as answer:
        assert answer.status == 400
    await assert_nothing_happened(live)


async def test_a_reaction_is_accepted_and_ignored(live: LiveTeams) -> None:
    reaction = personal_message(live.channel.url, "")
    del reaction["text"]
    reaction.update(type="messageReaction", reactionsAdded=[{"type": "like"}], replyToId="m-1")
    token = live.channel.mint(service_url=live.channel.url)
    assert await live.post(reaction, token) == 201
    await assert_nothing_happened(live)


async def test_an_invoke_we_do_not_offer_is_refused_with_a_400(live: LiveTeams) -> None:
    invoke = personal_message(live.channel.url, "")
    del invoke["text"]
    invoke.update(type="invoke", name="composeExtension/query", value={"commandId": "x"})
    status, body = await live.signed(invoke)
    assert status == 400
    assert body == {"error": "unsupported_invoke"}
    await assert_nothing_happened(live)


@pytest.mark.parametrize(
    "odd",
    [{"timestamp": "garbage"}, {"entities": 5}, {"membersAdded": 5}, {"recipient": "x"}],
    ids=["timestamp", "entities", "members", "recipient"],
)
async def test_an_activity_with_odd_field_types_is_a_400(
    live: LiveTeams, odd: dict[str, object]
) -> None:
    activity = {**personal_message(live.channel.url, "help"), **odd}
    assert (await live.signed(activity))[0] == 400
    await assert_nothing_happened(live)
