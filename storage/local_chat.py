"""The local web chat's message store (it plays the part of Slack's servers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LocalChatMessage


class LocalChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(
        self, person_id: int, sender: str, body: dict[str, Any], now: datetime
    ) -> LocalChatMessage:
        message = LocalChatMessage(
            person_id=person_id, sender=sender, body=body, created_at=now, updated_at=now
        )
        self.session.add(message)
        await self.session.flush()
        return message

    async def get(self, message_id: int) -> LocalChatMessage | None:
        return await self.session.get(LocalChatMessage, message_id)

    async def replace_body(
        self, message: LocalChatMessage, body: dict[str, Any], now: datetime
    ) -> None:
        message.body = body
        message.updated_at = now
        await self.session.flush()

    async def cards_of(self, person_ids: Sequence[int], idea_id: int) -> list[LocalChatMessage]:
        """The bot's messages to these people that show idea `idea_id`'s card."""
        if not person_ids:
            return []
        found = await self.session.scalars(
            select(LocalChatMessage).where(
                LocalChatMessage.person_id.in_(person_ids), LocalChatMessage.sender == "bot"
            )
        )
        # JSON matching differs by dialect; a local chat holds few enough messages.
        return [
            message
            for message in found
            if isinstance(message.body.get("idea"), dict)
            and message.body["idea"].get("id") == idea_id
        ]

    async def conversation(self, person_id: int, after_id: int = 0) -> Sequence[LocalChatMessage]:
        result = await self.session.scalars(
            select(LocalChatMessage)
            .where(LocalChatMessage.person_id == person_id, LocalChatMessage.id > after_id)
            .order_by(LocalChatMessage.id)
        )
        return result.all()

    async def last_id(self, person_id: int) -> int:
        last = await self.session.scalar(
            select(func.max(LocalChatMessage.id)).where(LocalChatMessage.person_id == person_id)
        )
        return int(last or 0)

    async def changed_since(
        self, person_id: int, after_id: int, since: datetime
    ) -> Sequence[LocalChatMessage]:
        """Messages added after `after_id`, or updated at or after `since`, oldest first."""
        result = await self.session.scalars(
            select(LocalChatMessage)
            .where(
                LocalChatMessage.person_id == person_id,
                or_(LocalChatMessage.id > after_id, LocalChatMessage.updated_at >= since),
            )
            .order_by(LocalChatMessage.id)
        )
        return result.all()

    async def erase(self, person_id: int) -> int:
        result = await self.session.execute(
            delete(LocalChatMessage).where(LocalChatMessage.person_id == person_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
