"""The audit log's repository: append and read, nothing else.

There is deliberately no update or delete here (tests/storage/test_audit_log.py scans
storage/ and bot/ for one, and the table's trigger refuses both anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: all of them when nothing is set."""

    organisation_id: int | None = None
    since: datetime | None = None
    actor_ids: Sequence[int] | None = None  # any of these people
    operator: str | None = None
    actions: Sequence[str] = field(default_factory=tuple)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        action: str,
        *,
        now: datetime,
        organisation_id: int | None = None,
        actor_id: int | None = None,
        operator: str | None = None,
        subject: str = "",
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            action=action,
            organisation_id=organisation_id,
            actor_id=actor_id,
            operator=operator,
            subject=subject,
            detail=detail or {},
            created_at=now,
        )
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def entries(self, wanted: AuditFilter, *, limit: int = 1000) -> Sequence[AuditEntry]:
        """The newest first."""
        statement = select(AuditEntry)
        if wanted.organisation_id is not None:
            statement = statement.where(AuditEntry.organisation_id == wanted.organisation_id)
        if wanted.since is not None:
            statement = statement.where(AuditEntry.created_at >= wanted.since)
        if wanted.actor_ids is not None and wanted.operator is not None:
            statement = statement.where(
                AuditEntry.actor_id.in_(wanted.actor_ids) | (AuditEntry.operator == wanted.operator)
            )
        elif wanted.actor_ids is not None:
            statement = statement.where(AuditEntry.actor_id.in_(wanted.actor_ids))
        elif wanted.operator is not None:
            statement = statement.where(AuditEntry.operator == wanted.operator)
        if wanted.actions:
            statement = statement.where(AuditEntry.action.in_(wanted.actions))
        statement = statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        return (await self.session.scalars(statement.limit(limit))).all()
