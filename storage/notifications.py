"""The announcements outbox (see models.Notification)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import dialect_name
from storage.models import Notification
from storage.states import NotificationState


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
            .where(Notification.state == NotificationState.PENDING, Notification.due_at <= now)
            .order_by(Notification.due_at, Notification.id)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return (await self.session.scalars(statement)).all()

    async def cancel_pending_card(self, idea_id: int) -> int:
        """A new idea's card not sent yet never goes (the idea was withdrawn)."""
        pending = await self.session.scalars(
            select(Notification).where(Notification.state == NotificationState.PENDING)
        )
        cancelled = 0
        for note in pending:  # few at any time; JSON matching differs by dialect
            card = note.body.get("idea")
            if isinstance(card, dict) and card.get("idea_id") == idea_id:
                note.state = NotificationState.CANCELLED
                cancelled += 1
        return cancelled

    async def get(self, notification_id: int) -> Notification | None:
        return await self.session.get(Notification, notification_id)
