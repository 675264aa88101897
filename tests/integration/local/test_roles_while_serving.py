"""`thrive roles grant` against a running `thrive serve` on the same database (a SQLite
file, and PostgreSQL): the person can do a leader's thing in chat at once, without a
restart. And `thrive serve` has no unauthenticated way to add people."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from adapters.local.adapter import conversation_for
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, Idea, Person
from storage.people import PeopleRepository
from storage.roles import RoleRepository
from tests.cli.thrive_process import clean_env, read_url, start_thrive, stop, thrive
from tests.conftest import postgres_url, reset_postgres
from tests.storage.storage_rows import NOW

API = "/chat/api/people"
WAIT_SECONDS = 10.0
REFUSED = "Only leaders can move ideas along the pathway."


async def _people_met_in_chat(url: str) -> None:
    """Amara and Lee, clinicians, as if they had talked to the bot before."""
    database = Database(url)
    try:
        await upgrade(database)
        async with database.transaction() as session:
            people = PeopleRepository(session)
            workspace = await people.workspace("local", "local", now=NOW)
            for user_id, name in (("amara", "Amara Okafor"), ("lee", "Lee Chen")):
                person = await people.add(
                    Person(
                        workspace_id=workspace.id,
                        platform_user_id=user_id,
                        display_name=name,
                        tags=[],
                        conversation_ref=conversation_for(user_id).to_dict(),
                        created_at=NOW,
                    )
                )
                await RoleRepository(session).starting_role(person, "clinician", now=NOW)
    finally:
        await database.dispose()


class Chat:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.http.post(f"{self.base}{API}{path}", json=body) as response:
            return response.status, await response.json()

    async def say(self, person: str, text: str) -> list[str]:
        status, body = await self.post(f"/{person}/messages", {"text": text})
        assert status == 200, body
        return [message["text"] for message in body["messages"] if message["from"] == "bot"]

    async def press(self, person: str, button: dict[str, Any], message_id: int | None) -> Any:
        status, body = await self.post(
            f"/{person}/actions",
            {"action_id": button["action_id"], "value": button["value"], "message_id": message_id},
        )
        assert status == 200, body
        return body

    async def card_for(self, person: str, idea_number: int) -> dict[str, Any]:
        """The idea's card with its move buttons, once it reaches `person` (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while loop.time() < deadline:
            async with self.http.get(f"{self.base}{API}/{person}/conversation") as response:
                messages = (await response.json())["messages"]
            for message in messages:
                moves = [b for b in message.get("buttons") or [] if b["action_id"] == "idea.move"]
                if moves and moves[0]["value"].startswith(f"{idea_number}:"):
                    found: dict[str, Any] = message
                    return found
            await asyncio.sleep(0.1)
        raise AssertionError(f"no card for idea #{idea_number} reached {person}")


@pytest.mark.slow  # a `thrive serve` process and a `thrive roles` one
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_leader_granted_from_the_cli_moves_ideas_without_a_restart(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'thrive.db'}"
    else:
        url = postgres_url()
        await reset_postgres(url)
    await _people_met_in_chat(url)
    env = clean_env(
        THRIVE_DATABASE_URL=url,
        THRIVE_PORT="0",
        THRIVE_QUIET_HOURS="off",
        THRIVE_QUIET_WEEKENDS="false",
        THRIVE_LOG_FORMAT="json",
    )
    server = await start_thrive(tmp_path, "serve.log", "serve", env=env)
    try:
        assert server.stdout is not None
        port, _lines = await read_url(server.stdout)
        timeout = aiohttp.ClientTimeout(total=WAIT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            chat = Chat(http, f"http://127.0.0.1:{port}")
            # Nobody makes themselves a leader through the open chat API here.
            status, body = await chat.post("", {"id": "mallory", "name": "M", "roles": ["leader"]})
            assert (status, body["error"]) == (404, "not_found")

            assert "idea #1" in (await chat.say("amara", "idea: walking rounds"))[0]
            forged = {"action_id": "idea.move", "value": "1:submitted:under_review"}
            refused = await chat.press("lee", forged, None)
            assert [m["text"] for m in refused["messages"]][-1].startswith(REFUSED)

            granted = await asyncio.to_thread(
                thrive, "roles", "grant", "lee", "leader", cwd=tmp_path, env=env
            )
            assert granted.returncode == 0, granted.stderr
            assert granted.stdout.strip() == "Done: Lee Chen now has the leader role."

            # The next idea's card reaches Lee, and Lee's press moves it.
            await chat.say("amara", "idea: a quiet room for charting")
            card = await chat.card_for("lee", 2)
            review = next(b for b in card["buttons"] if b["value"] == "2:submitted:under_review")
            moved = await chat.press("lee", review, card["id"])
            assert not any(REFUSED in (m.get("text") or "") for m in moved["messages"])
    finally:
        returncode = await stop(server, signal.SIGTERM)
    assert returncode == 0, (tmp_path / "serve.log").read_text()

    database = Database(url)
    try:
        async with database.transaction() as session:
            states = dict((await session.execute(select(Idea.id, Idea.state))).all())
            audit = (await session.scalars(select(AuditEntry))).all()
    finally:
        await database.dispose()
    assert states == {1: "submitted", 2: "under review"}
    roles = [
        (entry.action, entry.detail["via"]) for entry in audit if entry.action.startswith("role.")
    ]
    assert roles == [("role.granted", "cli")]
    assert [entry.action for entry in audit if entry.action == "idea.moved"] == ["idea.moved"]
