"""The pathway's mailings: digest schedules, and one row per digest or nudge sent (its
unique key is what makes a job that fires twice send nothing twice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestSchedule, PathwayMailing


class MailingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule_of(self, organisation_id: int) -> DigestSchedule | None:
        return await self.session.get(DigestSchedule, organisation_id)

    async def set_schedule(
        self, organisation_id: int, every_days: int, next_at: datetime, now: datetime
    ) -> DigestSchedule:
        schedule = await self.schedule_of(organisation_id)
        if schedule is None:
            schedule = DigestSchedule(organisation_id=organisation_id)
            self.session.add(schedule)
        schedule.every_days = every_days
        schedule.next_at = next_at
        schedule.updated_at = now
        await self.session.flush()
        return schedule

    async def drop_schedule(self, organisation_id: int) -> bool:
        schedule = await self.schedule_of(organisation_id)
        if schedule is None:
            return False
        await self.session.delete(schedule)
        await self.session.flush()
        return True

    async def due_schedules(self, now: datetime) -> Sequence[DigestSchedule]:
        result = await self.session.scalars(
            select(DigestSchedule)
            .where(DigestSchedule.next_at <= now)
            .order_by(DigestSchedule.organisation_id)
        )
        return result.all()

    async def claim(
        self, organisation_id: int, kind: str, period: str, since: datetime | None, now: datetime
    ) -> bool:
        """Record this organisation's `kind` for `period`; False if it was already (then
        nothing is to be sent)."""
        try:
            async with self.session.begin_nested():
                self.session.add(
                    PathwayMailing(
                        organisation_id=organisation_id,
                        kind=kind,
                        period=period,
                        since=since,
                        created_at=now,
                    )
                )
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def last(self, organisation_id: int, kind: str) -> PathwayMailing | None:
        return await self.session.scalar(
            select(PathwayMailing)
            .where(PathwayMailing.organisation_id == organisation_id, PathwayMailing.kind == kind)
            .order_by(PathwayMailing.created_at.desc(), PathwayMailing.id.desc())
            .limit(1)
        )
