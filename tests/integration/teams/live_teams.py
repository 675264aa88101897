"""The real app on a loopback port with Teams on, talking to a FakeConnector: helpers
to start (and restart) it, post it activities as Teams does, and look at what it stored."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.people.roles import Role
from storage.models import Delivery, Idea, Person, Response
from storage.people import PeopleRepository
from tests.conftest import WAIT_SECONDS
from tests.integration.teams.fake_connector import APP_PASSWORD, FakeConnector, Recorded
from thrive.runtime import Runtime, build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

APP_ID = "00000000-0000-0000-0000-0000000b0a01"
BOT_ID = f"28:{APP_ID}"
TENANT_ID = "tenant-1"
LEADERS_CHANNEL = "19:leaders@thread.tacv2"
GENERAL_CHANNEL = "19:general@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"


async def start_live(database_url: str, channel: FakeConnector, **settings: Any) -> LiveTeams:
    """The real server with Teams on (auth on), against `channel`; stop() it after."""
    loaded = load_settings(
        database_url=database_url,
        secret_key="x",
        teams_app_id=APP_ID,
        teams_app_password=APP_PASSWORD,
        teams_openid_metadata_url=channel.metadata_url,
        teams_token_issuer=channel.issuer,
        teams_login_url=channel.login_url,
        teams_leaders_channel=LEADERS_CHANNEL,
        **settings,
    )
    runtime = await build_runtime(loaded, clock=SystemClock())
    runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    return LiveTeams(f"http://127.0.0.1:{port}", runtime, channel, http, runner)


def card_submit(
    service_url: str, value: Any, *, reply_to_id: str | None = None, user: str = "29:user-1"
) -> dict[str, Any]:
    """What Teams posts when an Action.Submit is pressed: a message with `value`, no text."""
    activity = personal_message(service_url, "", user=user)
    del activity["text"]
    activity["value"] = value
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity


def personal_message(
    service_url: str, text: str, *, user: str = "29:user-1", activity_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": activity_id or uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "text": text,
        "from": {"id": user, "name": "Dr Ada", "aadObjectId": "aad-1"},
        "recipient": {"id": BOT_ID, "name": "Thrive"},
        "conversation": {
            "id": f"a:personal-{user}",
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        },
        "channelData": {"tenant": {"id": TENANT_ID}},
        "localTimezone": "America/Chicago",
    }


def installed(service_url: str, *, user: str = "29:user-1") -> dict[str, Any]:
    """What Teams posts when a person adds the app for themselves."""
    activity = personal_message(service_url, "", user=user)
    del activity["text"]
    activity["type"] = "conversationUpdate"
    activity["membersAdded"] = [{"id": BOT_ID}]
    return activity


def channel_mention(
    service_url: str, words: str, *, user: str = "29:user-1", channel: str = GENERAL_CHANNEL
) -> dict[str, Any]:
    """A channel post that @mentions the bot, as Teams sends it (HTML-ish text)."""
    activity = personal_message(service_url, f"<at>Thrive</at>&nbsp;{words}", user=user)
    activity["conversation"] = {
        "id": f"{channel};messageid=1700000000001",
        "conversationType": "channel",
        "tenantId": TENANT_ID,
    }
    activity["channelData"] = {
        "teamsChannelId": channel,
        "team": {"id": "19:team@thread.tacv2"},
        "tenant": {"id": TENANT_ID},
    }
    activity["entities"] = [
        {
            "type": "mention",
            "mentioned": {"id": BOT_ID, "name": "Thrive"},
            "text": "<at>Thrive</at>",
        }
    ]
    return activity


def execute(
    service_url: str,
    verb: str,
    data: Any,
    *,
    reply_to_id: str,
    user: str = "29:user-1",
    channel: str | None = None,
) -> dict[str, Any]:
    """An Action.Execute press: an adaptiveCard/action invoke, in a chat or a channel."""
    activity = (
        channel_mention(service_url, "", user=user, channel=channel)
        if channel
        else personal_message(service_url, "", user=user)
    )
    activity.pop("text", None)
    activity.pop("entities", None)
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId=reply_to_id,
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    return activity


def card_of(post: Recorded) -> dict[str, Any]:
    """The Adaptive Card a post carries (exactly one)."""
    [attachment] = post.body["attachments"]
    assert attachment["contentType"] == CARD
    card: dict[str, Any] = attachment["content"]
    return card


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    inline = [
        action
        for element in card["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
    ]
    return inline + list(card.get("actions", []))


def action_named(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = [action for action in actions_of(card) if action["title"] == title]
    assert found, f"no {title!r} on the card: {[a['title'] for a in actions_of(card)]}"
    return found[0]


@dataclass
class LiveTeams:
    url: str
    runtime: Runtime
    channel: FakeConnector
    http: aiohttp.ClientSession
    runner: web.AppRunner

    async def stop(self) -> None:
        await self.http.close()
        await self.runner.cleanup()

    async def post(self, activity: Any, token: str | None = None) -> int:
        status, _body = await self.exchange(activity, token)
        return status

    async def exchange(self, activity: Any, token: str | None = None) -> tuple[int, Any]:
        """Post an activity; (status, JSON body or None)."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.http.post(f"{self.url}/api/messages", json=activity, headers=headers) as r:
            body = await r.json() if r.content_type == "application/json" else None
            return r.status, body

    async def signed(self, activity: Any) -> tuple[int, Any]:
        """Post an activity with a valid channel token."""
        return await self.exchange(activity, self.channel.mint(service_url=self.channel.url))

    async def press_in_channel(
        self, action: dict[str, Any], card_id: str, user: str, channel: str = LEADERS_CHANNEL
    ) -> tuple[int, Any]:
        """Press an Action.Execute on a card the bot posted in a channel."""
        pressed = execute(
            self.channel.url,
            action["verb"],
            action["data"],
            reply_to_id=card_id,
            user=user,
            channel=channel,
        )
        return await self.signed(pressed)

    async def meet(self, user: str = "29:user-1") -> Person:
        """`user` says hello in their 1:1 chat; once it is answered, Thrive knows them."""
        assert await self.say("hello", user=user) == 201
        await self.replies()
        person: Person = await self.until(lambda: self.person(user), f"{user} to be known")
        return person

    def posts_to(self, conversation: str) -> list[Recorded]:
        return [call for call in self.channel.posted() if call.conversation_id == conversation]

    async def leaders_card(self) -> tuple[str, dict[str, Any]]:
        """The idea card in the leaders' channel: (its activity id, the card)."""

        async def posted() -> list[Recorded]:
            return self.posts_to(LEADERS_CHANNEL)

        [post] = await self.until(posted, "the idea card in the leaders' channel")

        async def card_ref() -> dict[str, Any] | None:
            async with self.runtime.database.transaction() as session:
                idea = await session.scalar(select(Idea))
            return idea.card_refs[0] if idea is not None and idea.card_refs else None

        # Posted is not yet recorded: the notifier commits the card's ref just after.
        ref = await self.until(card_ref, "the card's ref to be stored on the idea")
        return str(ref["message_id"]), card_of(post)

    async def idea_before_a_leader(self, leader: str, words: str) -> tuple[str, dict[str, Any]]:
        """`leader` is met and made a leader; then the clinician (29:user-1) posts
        `idea <words>` in a channel. The card in the leaders' channel: (its id, the card)."""
        await self.meet(leader)
        await self.make_leader(leader)
        await self.signed(channel_mention(self.channel.url, f"idea {words}"))
        return await self.leaders_card()

    async def make_leader(self, user: str) -> None:
        person = await self.until(lambda: self.person(user), f"{user} to be known")
        async with self.runtime.database.transaction() as session:
            people = PeopleRepository(session)
            found = await people.get(person.id)
            assert found is not None
            await people.grant(found, Role.LEADER, now=self.runtime.ctx.clock.now())

    async def say(self, text: str, **extra: Any) -> int:
        activity = personal_message(self.channel.url, text, **extra)
        return await self.post(activity, self.channel.mint(service_url=self.channel.url))

    async def helps_at_once(self, people: int) -> list[int]:
        """`people` different people each send "help" at the same moment."""
        token = self.channel.mint(service_url=self.channel.url)
        turns = [
            self.post(personal_message(self.channel.url, "help", user=f"29:user-{n}"), token)
            for n in range(people)
        ]
        return list(await asyncio.gather(*turns))

    async def submit(self, value: Any, *, reply_to_id: str | None = None) -> int:
        activity = card_submit(self.channel.url, value, reply_to_id=reply_to_id)
        return await self.post(activity, self.channel.mint(service_url=self.channel.url))

    async def person(self, user: str) -> Person | None:
        async with self.runtime.database.transaction() as session:
            return await session.scalar(select(Person).where(Person.platform_user_id == user))

    async def responses(self) -> list[Response]:
        async with self.runtime.database.transaction() as session:
            return list((await session.scalars(select(Response).order_by(Response.id))).all())

    async def sent_deliveries(self) -> list[Delivery]:
        async with self.runtime.database.transaction() as session:
            found = await session.scalars(select(Delivery).where(Delivery.state == "sent"))
            return list(found.unique().all())

    async def until(self, check: Any, what: str) -> Any:
        """Poll an async check until it returns something truthy (bounded)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not (found := await check()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)
        return found

    async def replaced(self) -> list[Recorded]:
        """The PUTs (in-place updates) the app has made so far."""
        return self.channel.put()

    async def people(self) -> int:
        async with self.runtime.database.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Person)) or 0)

    async def replies(self, at_least: int = 1) -> list[Recorded]:
        """The activities the app has posted so far, once there are `at_least` (bounded)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(found := self.channel.posted()) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {at_least} replies, got {found}")
            await asyncio.sleep(0.02)
        return found
