"""Bookkeeping tables: processed inbound event ids and instance settings (the audit log
is storage.audit's)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import insert_for
from storage.models import InstanceSetting, ProcessedEvent

SECRET_KEY_SETTING = "secret_key"


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time_seen(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an inbound event id; False if it was recorded before (a retry)."""
        insert = insert_for(self.session)
        result = await self.session.execute(
            insert(ProcessedEvent)
            .values(platform=platform, event_id=event_id, processed_at=now)
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def secret_key(self) -> str:
        """The installation's secret, generated once and kept in the database."""
        insert = insert_for(self.session)
        await self.session.execute(
            insert(InstanceSetting)
            .values(key=SECRET_KEY_SETTING, value=secrets.token_urlsafe(32))
            .on_conflict_do_nothing(index_elements=["key"])
        )
        value = await self.session.scalar(
            select(InstanceSetting.value).where(InstanceSetting.key == SECRET_KEY_SETTING)
        )
        assert value is not None
        return value
