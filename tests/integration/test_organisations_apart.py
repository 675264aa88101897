"""Organisations kept apart in one server: two Slack workspaces installed through OAuth
and one Teams tenant, each an organisation of its own, on SQLite and PostgreSQL.

Unlinked, an `everyone` pulse reaches only its own organisation's people, a leader never
sees another organisation's ideas (cards or home view), and home figures and `forget me`
stay inside the organisation. Once the Teams tenant is linked into the first Slack
workspace's organisation (the service `thrive org link` calls, on the same database),
one pulse reaches the people of both and none of the second Slack workspace's, and a new
idea's card reaches the leaders of both.

One server per database, whose whole story is told in one test: a start costs seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import actions
from bot.clock import SystemClock
from bot.people.organisations import link_workspace, organisations, resolve_organisation
from bot.people.roles import Role
from bot.privacy.audit import SCHEDULER
from bot.pulses.definitions import PulseSpec, create_pulse
from bot.pulses.runs import send_now
from storage.models import Delivery, Notification, Person, Response
from storage.people import PeopleRepository
from storage.states import DeliveryState, NotificationState
from tests.conftest import postgres_url, reset_postgres
from tests.integration.slack.live_slack import SIGNING_SECRET, LiveSlack, buttons_of
from tests.integration.slack.signing import event_body, interaction_body, message_event
from tests.integration.slack.test_slack_oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    InstallingSlack,
    begin_install,
    finish_install,
    v2_access,
)
from tests.integration.teams.fake_connector import APP_PASSWORD, FakeConnector
from tests.integration.teams.live_teams import (
    APP_ID,
    LEADERS_CHANNEL,
    TENANT_ID,
    LiveTeams,
    channel_mention,
)
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

ONE, TWO = "T0ONE", "T0TWO"
TOKENS = {ONE: "xoxb-first", TWO: "xoxb-second"}
NAMES = {ONE: "First Hospital", TWO: "Second Hospital"}
SLACK_LEADERS = "C0LEADERS"
SLACK_PEOPLE = {ONE: ["U1ANA", "U1LEE"], TWO: ["U2BEN", "U2KIM"]}
TEAMS_PEOPLE = ["29:cat", "29:dan"]


@dataclass
class World:
    slack: LiveSlack
    teams: LiveTeams

    @property
    def fake_slack(self) -> InstallingSlack:
        assert isinstance(self.slack.slack, InstallingSlack)
        return self.slack.slack


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 't.db'}"
    else:
        url = postgres_url()
        await reset_postgres(url)
    with FakeConnector(app_id=APP_ID) as channel:
        async with InstallingSlack() as slack:
            slack.token, slack.other_tokens = TOKENS[ONE], {TOKENS[TWO]}
            settings = load_settings(
                database_url=url,
                secret_key="x",
                local_chat=False,
                scheduler=False,  # pulses here are sent now, not on a schedule
                fatigue_cap_prompts=20,
                slack_signing_secret=SIGNING_SECRET,
                slack_client_id=CLIENT_ID,
                slack_client_secret=CLIENT_SECRET,
                slack_api_url=slack.base_url,
                slack_leaders_channel=SLACK_LEADERS,
                teams_app_id=APP_ID,
                teams_app_password=APP_PASSWORD,
                teams_openid_metadata_url=channel.metadata_url,
                teams_token_issuer=channel.issuer,
                teams_login_url=channel.login_url,
                teams_leaders_channel=LEADERS_CHANNEL,
            )
            runtime = await build_runtime(settings, clock=SystemClock())
            runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
            http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            base = f"http://127.0.0.1:{port}"
            world = World(
                LiveSlack(base, runtime, slack, http, runner),
                LiveTeams(base, runtime, channel, http, runner),
            )
            try:
                yield world
            finally:
                await world.slack.stop()


# --- the people and what they do -----------------------------------------------------------

_events = iter(range(1, 10_000))


async def slack_dm(world: World, team: str, user: str, text: str) -> None:
    number = next(_events)
    event = message_event(text, user_id=user, team_id=team, ts=f"1700000000.{number:06d}")
    body = event_body(event, event_id=f"Ev-{number}", team_id=team)
    assert await world.slack.post(body, json_body=True) == 200


async def slack_home(world: World, team: str, user: str) -> str:
    """The person opens the app's Home: the view Slack was given for them, as text."""
    before = len(world.fake_slack.calls_to("views.publish"))
    opened = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    body = event_body(opened, event_id=f"Ev-{next(_events)}", team_id=team)
    assert await world.slack.post(body, json_body=True) == 200
    published = (await world.fake_slack.wait_for("views.publish", before + 1))[before]
    assert published.headers["Authorization"] == f"Bearer {TOKENS[team]}"
    return json.dumps(published.body["view"])


async def slack_press(world: World, team: str, user: str, channel: str, action_id: str) -> None:
    """The person presses the button `action_id` on the latest bot message in `channel`."""
    ts, button = next(
        (ts, b)
        for (where, ts), message in sorted(world.fake_slack.messages.items(), reverse=True)
        if where == channel
        for b in buttons_of(message.get("blocks"))
        if b["action_id"] == action_id
    )
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "api_app_id": "A0TEST",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "actions": [
            {
                "action_id": action_id,
                "value": button.get("value", ""),
                "block_id": "b",
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    assert await world.slack.post(interaction_body(payload), json_body=False) == 200


async def teams_say(world: World, user: str, text: str) -> None:
    assert await world.teams.say(text, user=user) == 201


async def install(world: World, team: str) -> None:
    _url, state = await begin_install(world.slack)
    world.fake_slack.codes[f"code-{team}"] = {
        **v2_access(team, TOKENS[team]),
        "team": {"id": team, "name": NAMES[team]},
    }
    status, page = await finish_install(world.slack, code=f"code-{team}", state=state, cookie=state)
    assert status == 200, page


async def everyone_meets_thrive(world: World) -> None:
    for team in (ONE, TWO):
        await install(world, team)
        for user in SLACK_PEOPLE[team]:
            await slack_dm(world, team, user, "hello")
    for user in TEAMS_PEOPLE:
        await teams_say(world, user, "hello")
    # The tenant's leaders' channel is known to the bot: a card could be posted there.
    hello = channel_mention(world.teams.channel.url, "help", user="29:dan", channel=LEADERS_CHANNEL)
    assert (await world.teams.signed(hello))[0] == 201

    async def everyone() -> bool:
        async with world.slack.runtime.database.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(Person))
        return count == 6

    await world.slack.until(everyone, "all six people to be known")
    await world.fake_slack.wait_for("chat.postMessage", 4)  # the answers to "hello"
    await world.teams.replies(3)
    for user, roles in (
        ("U1LEE", (Role.LEADER, Role.WELLNESS_LEAD)),
        ("U2KIM", (Role.LEADER, Role.WELLNESS_LEAD)),
        ("29:dan", (Role.LEADER,)),
    ):
        await grant(world, user, roles)


async def grant(world: World, user: str, roles: tuple[Role, ...]) -> None:
    runtime = world.slack.runtime
    async with runtime.database.transaction() as session:
        people = PeopleRepository(session)
        person = await session.scalar(select(Person).where(Person.platform_user_id == user))
        assert person is not None
        for role in roles:
            await people.grant(person, role, now=runtime.ctx.clock.now())


# --- what reached whom ------------------------------------------------------------------


async def pulse_to_everyone(world: World, org: str, name: str) -> None:
    """A wellness lead's `everyone` pulse in the organisation `org`, sent now."""
    runtime = world.slack.runtime
    async with runtime.database.transaction() as session:
        organisation = await resolve_organisation(session, org)
        # It may go at any hour (quiet hours are off for servers in tests).
        spec = PulseSpec(name, prompts=("joy-more",), window="00:00-23:59", days="mon-sun")
        pulse = await create_pulse(session, runtime.ctx, organisation.id, spec)
    await send_now(
        runtime.database, runtime.ctx, runtime.outbox, organisation.id, pulse.id, by=SCHEDULER
    )


async def prompted(
    world: World, sending: Awaitable[None], expected: int
) -> tuple[set[tuple[str, str]], set[str]]:
    """Run `sending`; who its prompts reached: Slack (token, DM channel) pairs and Teams
    conversations."""
    slack_before = len(world.fake_slack.calls_to("chat.postMessage"))
    teams_before = len(world.teams.channel.posted())
    await sending
    runtime = world.slack.runtime

    async def all_sent() -> bool:
        async with runtime.database.transaction() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)))
            )
        return waiting == 0  # "sending" is marked just before the post: not posted yet

    await world.slack.until(all_sent, "every prompt to be sent")
    slack = {
        (call.headers["Authorization"].removeprefix("Bearer "), str(call.body["channel"]))
        for call in world.fake_slack.calls_to("chat.postMessage")[slack_before:]
    }
    teams = {call.conversation_id for call in world.teams.channel.posted()[teams_before:]}
    assert len(slack) + len(teams) == expected
    return slack, teams


async def notifications_settled(world: World) -> None:
    world.slack.runtime.outbox.wake()  # rather than wait for its next idle round

    async def settled() -> bool:
        async with world.slack.runtime.database.transaction() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.state == NotificationState.PENDING)
            )
        return pending == 0

    await world.slack.until(settled, "the notifications to be sent")


def leaders_cards(world: World, since: int, teams_since: int) -> tuple[list[str], list[str]]:
    """Idea cards posted since then: the tokens of Slack posts to the leaders' channel,
    and the Teams leaders' channel posts' text."""
    slack = [
        call.headers["Authorization"].removeprefix("Bearer ")
        for call in world.fake_slack.calls_to("chat.postMessage")[since:]
        if call.body["channel"] == SLACK_LEADERS
    ]
    teams = [
        json.dumps(call.body)
        for call in world.teams.channel.posted()[teams_since:]
        if call.conversation_id.startswith(LEADERS_CHANNEL)
    ]
    return slack, teams


async def answers_of(world: World) -> dict[str, str | None]:
    async with world.slack.runtime.database.transaction() as session:
        found = await session.execute(
            select(Person.platform_user_id, Response.text).join(
                Person, Person.id == Response.person_id
            )
        )
        return {user: text for user, text in found.all()}


# --- the story -------------------------------------------------------------------------------


async def test_organisations_stay_apart_until_a_tenant_is_linked(world: World) -> None:
    await everyone_meets_thrive(world)
    runtime = world.slack.runtime
    async with runtime.database.transaction() as session:
        names = [
            (o.name, [w.external_id for w in o.workspaces]) for o in await organisations(session)
        ]
    # Installed through OAuth: named after the Slack workspace; the tenant after its id.
    assert names == [
        ("First Hospital", [ONE]),
        ("Second Hospital", [TWO]),
        (TENANT_ID, [TENANT_ID]),
    ]

    # An `everyone` pulse in each organisation reaches its own people, and only them.
    first = await prompted(world, pulse_to_everyone(world, ONE, "Weekly"), expected=2)
    assert first == ({(TOKENS[ONE], "DU1ANA"), (TOKENS[ONE], "DU1LEE")}, set())
    second = await prompted(world, pulse_to_everyone(world, TWO, "Weekly"), expected=2)
    assert second == ({(TOKENS[TWO], "DU2BEN"), (TOKENS[TWO], "DU2KIM")}, set())
    tenant = await prompted(world, pulse_to_everyone(world, TENANT_ID, "Weekly"), expected=2)
    assert tenant == (set(), {"a:personal-29:cat", "a:personal-29:dan"})

    # An idea in the first organisation: a card for its leaders only.
    slack_since = len(world.fake_slack.calls_to("chat.postMessage"))
    teams_since = len(world.teams.channel.posted())
    await slack_dm(world, ONE, "U1ANA", "idea: scribes in every clinic")
    await world.slack.until(lambda: _has_idea(world), "the idea")
    await notifications_settled(world)
    assert leaders_cards(world, slack_since, teams_since) == ([TOKENS[ONE]], [])

    # Home views: the idea and the figures of one's own organisation only (each sent
    # two prompts; counted together the three would show a rate over six).
    theirs = await slack_home(world, TWO, "U2KIM")
    assert "scribes" not in theirs
    assert "No ideas are waiting for triage." in theirs
    assert "Open pulses: 1. Last 7 days: fewer than 5 prompts sent" in theirs
    ours = await slack_home(world, ONE, "U1LEE")
    assert "Waiting for leaders (1):" in ours and "scribes in every clinic" in ours
    assert "Open pulses: 1. Last 7 days: fewer than 5 prompts sent" in ours

    # Answers, then `forget me` in the second organisation removes only its person's.
    await slack_dm(world, ONE, "U1ANA", "Teaching residents")
    await slack_dm(world, TWO, "U2BEN", "My MA")
    await world.slack.until(lambda: _answers(world, 2), "both answers")
    await slack_dm(world, TWO, "U2BEN", "forget me")
    await world.slack.until(lambda: _button_in(world, "DU2BEN"), "the confirmation")
    await slack_press(world, TWO, "U2BEN", "DU2BEN", actions.FORGET_CONFIRM)
    await world.slack.until(lambda: _answers(world, 1), "one answer left")
    assert await answers_of(world) == {"U1ANA": "Teaching residents"}

    # The Teams tenant joins the first Slack workspace's organisation.
    async with runtime.database.transaction() as session:
        await link_workspace(session, TENANT_ID, ONE, by="test", now=runtime.ctx.clock.now())

    both = await prompted(world, pulse_to_everyone(world, ONE, "After the link"), expected=4)
    assert both == (
        {(TOKENS[ONE], "DU1ANA"), (TOKENS[ONE], "DU1LEE")},
        {"a:personal-29:cat", "a:personal-29:dan"},
    )
    # A new idea from the tenant: a card for the leaders of each of its workspaces.
    slack_since = len(world.fake_slack.calls_to("chat.postMessage"))
    teams_since = len(world.teams.channel.posted())
    await teams_say(world, "29:cat", "idea: a float nurse on Mondays")
    await world.slack.until(lambda: _has_idea(world, 2), "the second idea")
    await notifications_settled(world)
    slack_cards, teams_cards = leaders_cards(world, slack_since, teams_since)
    assert slack_cards == [TOKENS[ONE]]
    assert len(teams_cards) == 1 and "a float nurse on Mondays" in teams_cards[0]


async def _has_idea(world: World, count: int = 1) -> bool:
    return len(await world.slack.ideas()) == count


async def _answers(world: World, count: int) -> bool:
    return len(await world.slack.responses()) == count


async def _button_in(world: World, channel: str) -> bool:
    return any(
        b["action_id"] == actions.FORGET_CONFIRM
        for (where, _ts), message in world.fake_slack.messages.items()
        if where == channel
        for b in buttons_of(message.get("blocks"))
    )
