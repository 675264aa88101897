"""The real app on a loopback port with Slack on, talking to a FakeSlack: helpers to send
it signed events and interactions and to look at what it stored."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from storage.models import Delivery, Idea, Person, Response
from tests.conftest import WAIT_SECONDS
from tests.integration.slack.fake_slack import FakeSlack
from tests.integration.slack.signing import (
    TEAM_ID,
    command_body,
    event_body,
    interaction_body,
    message_event,
    signed_headers,
)
from thrive.runtime import Runtime

SIGNING_SECRET = "test-signing-secret"


@dataclass
class LiveSlack:
    url: str
    runtime: Runtime
    slack: FakeSlack
    http: aiohttp.ClientSession
    runner: web.AppRunner

    async def stop(self) -> None:
        await self.http.close()
        await self.runner.cleanup()

    # --- what Slack sends us ---

    async def post(self, body: str, *, json_body: bool, **signing: Any) -> int:
        content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
        headers = signed_headers(SIGNING_SECRET, body, content_type=content_type, **signing)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            await r.read()
            return r.status

    async def event(self, event: dict[str, Any], event_id: str, **signing: Any) -> int:
        return await self.post(event_body(event, event_id=event_id), json_body=True, **signing)

    async def dm(self, user: str, text: str, *, ts: str, event_id: str, **extra: Any) -> int:
        event = message_event(text, user_id=user, ts=ts)
        event.update(extra)
        return await self.event(event, event_id)

    async def press(
        self, user: str, action: dict[str, Any], *, channel: str, message_ts: str
    ) -> int:
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "api_app_id": "A0TEST",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
            "channel": {"id": channel},
            "actions": [{**action, "type": "button", "action_ts": str(time.time())}],
        }
        return await self.post(interaction_body(payload), json_body=False)

    async def submit_view(self, user: str, view: dict[str, Any], values: dict[str, str]) -> int:
        state = {
            name: {name: {"type": "plain_text_input", "value": v}} for name, v in values.items()
        }
        payload = {
            "type": "view_submission",
            "user": {"id": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "api_app_id": "A0TEST",
            "view": {**view, "id": "V1", "state": {"values": state}},
        }
        return await self.post(interaction_body(payload), json_body=False)

    async def command(self, user: str, text: str, *, channel: str) -> int:
        body = command_body(
            text, user_id=user, channel_id=channel, response_url=self.slack.response_url("cmd")
        )
        return await self.post(body, json_body=False)

    # --- what the app stored ---

    async def responses(self) -> list[Response]:
        async with self.runtime.database.transaction() as session:
            return list((await session.scalars(select(Response).order_by(Response.id))).all())

    async def ideas(self) -> list[Idea]:
        async with self.runtime.database.transaction() as session:
            return list((await session.scalars(select(Idea).order_by(Idea.id))).all())

    async def sent_deliveries(self) -> list[Delivery]:
        async with self.runtime.database.transaction() as session:
            found = await session.scalars(select(Delivery).where(Delivery.state == "sent"))
            return list(found.unique().all())

    async def person(self, user: str) -> Person | None:
        async with self.runtime.database.transaction() as session:
            return await session.scalar(select(Person).where(Person.platform_user_id == user))

    async def until(self, check: Any, what: str) -> Any:
        """Poll an async check until it returns something truthy (bounded)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = await check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)


def buttons_of(blocks: Any) -> list[dict[str, Any]]:
    """Every button in a message's blocks (the fake decodes the blocks JSON)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found: list[dict[str, Any]] = []
    for block in blocks or []:
        if block.get("type") == "actions":
            found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def button_labelled(blocks: Any, label: str) -> dict[str, Any]:
    for button in buttons_of(blocks):
        if button["text"]["text"] == label or button["text"]["text"].startswith(label + " "):
            return button
    raise AssertionError(
        f"no button {label!r} in {[b['text']['text'] for b in buttons_of(blocks)]}"
    )


def action_from(button: dict[str, Any]) -> dict[str, Any]:
    return {"action_id": button["action_id"], "value": button.get("value", ""), "block_id": "b"}
