"""Saved conversation references: where the bot can write later (see SavedConversation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import insert_for
from storage.models import SavedConversation


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(
        self,
        platform: str,
        workspace: str,
        conversation_id: str,
        ref: dict[str, Any],
        now: datetime,
        *,
        user_id: str | None = None,
    ) -> None:
        """Insert or refresh in one statement: two turns in one conversation may race."""
        insert = insert_for(self.session)
        values = {"workspace": workspace, "user_id": user_id, "ref": ref, "updated_at": now}
        await self.session.execute(
            insert(SavedConversation)
            .values(platform=platform, conversation_id=conversation_id, **values)
            .on_conflict_do_update(index_elements=["platform", "conversation_id"], set_=values)
        )

    async def find(self, platform: str, conversation_id: str) -> dict[str, Any] | None:
        return await self._first(
            SavedConversation.platform == platform,
            SavedConversation.conversation_id == conversation_id,
        )

    async def personal_chat(
        self, platform: str, workspace: str, user_id: str
    ) -> dict[str, Any] | None:
        """The person's one-to-one chat with the bot, if they have one."""
        return await self._first(
            SavedConversation.platform == platform,
            SavedConversation.workspace == workspace,
            SavedConversation.user_id == user_id,
        )

    async def latest_in(self, platform: str, workspace: str) -> dict[str, Any] | None:
        """The most recently refreshed conversation of a workspace (a Teams tenant's
        conversations share one serviceUrl)."""
        return await self._first(
            SavedConversation.platform == platform, SavedConversation.workspace == workspace
        )

    async def tenants(self, platform: str, *, limit: int) -> list[str]:
        """Up to `limit` workspaces the platform's saved conversations belong to."""
        found = await self.session.scalars(
            select(SavedConversation.workspace)
            .where(SavedConversation.platform == platform)
            .distinct()
            .order_by(SavedConversation.workspace)
            .limit(limit)
        )
        return list(found)

    async def _first(self, *where: Any) -> dict[str, Any] | None:
        found = await self.session.scalar(
            select(SavedConversation.ref)
            .where(*where)
            .order_by(SavedConversation.updated_at.desc(), SavedConversation.id.desc())
            .limit(1)
        )
        return dict(found) if found is not None else None
