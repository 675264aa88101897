"""Thousands of people in one INSERT, for the fan-out tests: each always reachable (no
quiet hours, no quiet weekends), so a test measures sending, not the rules about when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import ConversationRef
from storage.models import Person


async def add_reachable_people(
    session: AsyncSession,
    workspace_id: int,
    user_ids: list[str],
    conversation_of: Callable[[str], ConversationRef],
    now: datetime,
) -> list[Person]:
    rows = [
        {
            "workspace_id": workspace_id,
            "platform_user_id": user_id,
            "display_name": f"Clinician {n}",
            "timezone": "UTC",
            "tags": [],
            "conversation_ref": conversation_of(user_id).to_dict(),
            "quiet_hours_start": "00:00",
            "quiet_hours_end": "00:00",
            "quiet_weekends": False,
            "paused": False,
            "gone": False,
            "created_at": now,
        }
        for n, user_id in enumerate(user_ids)
    ]
    await session.execute(insert(Person), rows)
    found = await session.scalars(select(Person).order_by(Person.id))
    return list(found.unique().all())
