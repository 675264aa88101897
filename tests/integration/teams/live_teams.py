"""The real app on a loopback port with Teams on, talking to a FakeConnector: helpers
to post it activities and to look at what it stored."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from storage.models import Delivery, Person, Response
from tests.integration.teams.fake_connector import FakeConnector, Recorded
from thrive.server import Runtime

APP_ID = "00000000-0000-0000-0000-0000000b0a01"
TENANT_ID = "tenant-1"
WAIT_SECONDS = 5.0


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
        "recipient": {"id": f"28:{APP_ID}", "name": "Thrive"},
        "conversation": {
            "id": f"a:personal-{user}",
            "conversationType": "personal",
            "tenantId": TENANT_ID,
        },
        "channelData": {"tenant": {"id": TENANT_ID}},
        "localTimezone": "America/Chicago",
    }


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
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.http.post(f"{self.url}/api/messages", json=activity, headers=headers) as r:
            await r.read()
            return r.status

    async def say(self, text: str, **extra: Any) -> int:
        activity = personal_message(self.channel.url, text, **extra)
        return await self.post(activity, self.channel.mint(service_url=self.channel.url))

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
