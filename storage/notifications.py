"""The announcements outbox (see models.Notification)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import dialect_name
from storage.models import Notification

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
NOWHERE = "nowhere"  # the platform has no place configured for that audience


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notification: Notification) -> Notification:
        self.session.add(notification)
        await self.session.flush()
        return notification

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Notification]:
        statement = (
            select(Notification)
            .where(Notification.state == PENDING, Notification.due_at <= now)
            .order_by(Notification.due_at, Notification.id)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return (await self.session.scalars(statement)).all()

    async def get(self, notification_id: int) -> Notification | None:
        return await self.session.get(Notification, notification_id)
