"""A client for a real Thrive server on loopback: the chat API as a person uses it.

Tests talk to the server over real HTTP exactly as the chat page does, and read what was
stored through the runtime's own database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from storage.models import Base, Person
from tests.conftest import WAIT_SECONDS
from thrive.runtime import Runtime

API = "/chat/api/people"

Message = dict[str, Any]


@dataclass
class LiveChat:
    """The running server, a client session to it, and helpers that read like a person."""

    base_url: str
    runtime: Runtime
    http: aiohttp.ClientSession
    runner: web.AppRunner

    async def stop(self) -> None:
        """Close the client and shut the server down as the CLI does (idempotent)."""
        if not self.http.closed:
            await self.http.close()
        await self.runner.cleanup()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """Any request; returns the status and the JSON body (None if it is not JSON)."""
        async with self.http.request(method, self.url(path), **kwargs) as response:
            try:
                body = await response.json()
            except (aiohttp.ContentTypeError, ValueError):
                body = None
            return response.status, body

    async def conversation(self, person: str) -> list[Message]:
        async with self.http.get(self.url(f"{API}/{person}/conversation")) as response:
            assert response.status == 200, await response.text()
            body = await response.json()
        messages: list[Message] = body["messages"]
        return messages

    async def say(self, person: str, text: str, client_message_id: str | None = None) -> Message:
        """Post a message as `person`; returns {"messages": new, "updated": changed}."""
        body: dict[str, Any] = {"text": text}
        if client_message_id is not None:
            body["client_message_id"] = client_message_id
        async with self.http.post(self.url(f"{API}/{person}/messages"), json=body) as response:
            assert response.status == 200, await response.text()
            result: Message = await response.json()
        return result

    async def press(self, person: str, control: Message, message: Message) -> Message:
        """Press a button or scale option (as rendered) on `message`, as the page does."""
        body = {
            "action_id": control["action_id"],
            "value": control["value"],
            "message_id": message["id"],
        }
        async with self.http.post(self.url(f"{API}/{person}/actions"), json=body) as response:
            assert response.status == 200, await response.text()
            result: Message = await response.json()
        return result

    async def wait_for_question(self, person: str, prompt_id: str) -> Message:
        """The message asking `prompt_id`, once the outbox has delivered it (bounded)."""
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while True:
            for message in await self.conversation(person):
                question = message.get("question")
                if question and question["prompt_id"] == prompt_id:
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{person} was not asked {prompt_id} in {WAIT_SECONDS}s")
            await asyncio.sleep(0.05)

    async def count(self, model: type[Base], *where: ColumnElement[bool]) -> int:
        async with self.runtime.database.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(model).where(*where))
        return int(found or 0)

    async def rows(self, model: type[Base], *where: ColumnElement[bool]) -> list[Any]:
        async with self.runtime.database.transaction() as session:
            result = await session.scalars(select(model).where(*where))
            return list(result.unique().all())

    async def person_pk(self, person: str) -> int:
        async with self.runtime.database.transaction() as session:
            found = await session.scalar(select(Person.id).where(Person.platform_user_id == person))
        assert found is not None, f"no person {person!r}"
        return int(found)

    # --- reading what the API returned ---

    @staticmethod
    def question_option(message: Message, label_start: str) -> Message:
        """The scale or choice option whose label starts with `label_start`."""
        for option in message["question"]["options"]:
            if option["label"].split(" ")[0] == label_start:
                found: Message = option
                return found
        raise AssertionError(f"no option {label_start!r} in {message['question']['options']}")

    @staticmethod
    def button(message: Message, label: str) -> Message:
        for candidate in message.get("buttons") or []:
            if candidate["label"] == label:
                found: Message = candidate
                return found
        raise AssertionError(f"no button {label!r} in {message.get('buttons')}")

    @staticmethod
    def from_bot(result: Message) -> list[Message]:
        return [m for m in result["messages"] if m["from"] == "bot"]

    @staticmethod
    def asking(result: Message, prompt_id: str) -> Message:
        """The new message in a POST result that asks `prompt_id`."""
        for message in result["messages"]:
            if message.get("question") and message["question"]["prompt_id"] == prompt_id:
                found: Message = message
                return found
        raise AssertionError(f"no new question {prompt_id!r} in {result['messages']}")


class ChatFactory(Protocol):
    """Starts a server on a SQLite file in `directory`; `demo`: as `thrive demo` runs it
    (the local chat may add people), else as `thrive serve` does."""

    def __call__(self, directory: Path, *, demo: bool = True) -> Awaitable[LiveChat]: ...
