"""The real Thrive server the browser tests drive, and how to launch Chromium here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select

from storage.models import Delivery, Idea, Person, Response
from storage.states import DeliveryState
from tests.conftest import WAIT_SECONDS
from thrive.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Server:
    base_url: str
    runtime: Runtime


async def outbox_drained(runtime: Runtime) -> None:
    """Wait (bounded) until the outbox has sent every seeded prompt."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        async with runtime.database.transaction() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)))
            )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox did not deliver the demo prompts in {WAIT_SECONDS}s")


async def answers_of(runtime: Runtime, person: str) -> list[Response]:
    """What is stored for `person`, oldest first."""
    async with runtime.database.transaction() as session:
        result = await session.scalars(
            select(Response)
            .join(Person, Person.id == Response.person_id)
            .where(Person.platform_user_id == person)
            .order_by(Response.id)
        )
        return list(result.all())


async def ideas_of(runtime: Runtime, person: str) -> list[Idea]:
    """The ideas `person` submitted, oldest first."""
    async with runtime.database.transaction() as session:
        result = await session.scalars(
            select(Idea)
            .join(Person, Person.id == Idea.submitter_id)
            .where(Person.platform_user_id == person)
            .order_by(Idea.id)
        )
        return list(result.all())
