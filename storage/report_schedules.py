"""Report schedules: at most one per organisation, and those due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReportSchedule


class ReportScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, organisation_id: int) -> ReportSchedule | None:
        return await self.session.scalar(
            select(ReportSchedule).where(ReportSchedule.organisation_id == organisation_id)
        )

    async def set(
        self, organisation_id: int, every: str, next_at: datetime, by: int | None, now: datetime
    ) -> ReportSchedule:
        found = await self.of(organisation_id)
        if found is None:
            found = ReportSchedule(organisation_id=organisation_id, created_at=now)
            self.session.add(found)
        found.every = every
        found.next_at = next_at
        found.set_by = by
        found.updated_at = now
        await self.session.flush()
        return found

    async def remove(self, organisation_id: int) -> bool:
        result = await self.session.execute(
            delete(ReportSchedule).where(ReportSchedule.organisation_id == organisation_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def due(self, now: datetime) -> Sequence[ReportSchedule]:
        """Every schedule whose next report is due, oldest first (one scheduler runs
        this, so no two processes take the same)."""
        found = await self.session.scalars(
            select(ReportSchedule)
            .where(ReportSchedule.next_at <= now)
            .order_by(ReportSchedule.next_at, ReportSchedule.id)
        )
        return found.all()
