"""Pulse definitions, their occurrences, and the delivery counts reports are made of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.engine import insert_for
from storage.models import Delivery, Occurrence, Person, Pulse, RoleGrant


@dataclass(frozen=True)
class DeliveryCount:
    """How many deliveries of one occurrence share a group, a state and a send status."""

    occurrence_id: int
    group: str | None  # a site or a role, depending on the query; None: not known
    state: str
    was_sent: bool
    due_later: bool  # still waiting for a moment its recipient allows
    count: int


class PulseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, pulse: Pulse) -> Pulse:
        self.session.add(pulse)
        await self.session.flush()
        return pulse

    async def get(self, pulse_id: int) -> Pulse | None:
        return await self.session.get(Pulse, pulse_id)

    async def lock(self, pulse_id: int) -> Pulse | None:
        """The pulse, locked until the transaction ends.

        A no-op UPDATE rather than SELECT ... FOR UPDATE: it takes the row lock on
        PostgreSQL and the write lock on SQLite (where FOR UPDATE does nothing), so two
        firings of one pulse read and advance its rotation one after the other.
        """
        await self.session.execute(
            update(Pulse)
            .where(Pulse.id == pulse_id)
            .values(rotation_index=Pulse.rotation_index)
            .execution_options(synchronize_session=False)
        )
        pulse = await self.session.get(Pulse, pulse_id, populate_existing=True)
        return pulse

    async def by_name(self, organisation_id: int, name: str) -> Pulse | None:
        """Names are matched without regard to case: "Weekly check" is "weekly check"."""
        return await self.session.scalar(
            select(Pulse).where(
                Pulse.organisation_id == organisation_id,
                func.lower(Pulse.name) == name.strip().lower(),
            )
        )

    async def all(self, organisation_id: int) -> Sequence[Pulse]:
        result = await self.session.scalars(
            select(Pulse).where(Pulse.organisation_id == organisation_id).order_by(Pulse.name)
        )
        return result.all()

    async def delete(self, pulse: Pulse) -> None:
        # Occurrences keep their deliveries and answers: their pulse_id becomes NULL.
        await self.session.delete(pulse)
        await self.session.flush()

    async def occurrences(self, pulse_id: int, *, limit: int | None = None) -> Sequence[Occurrence]:
        """The pulse's occurrences, most recent first."""
        statement = (
            select(Occurrence)
            .where(Occurrence.pulse_id == pulse_id)
            .order_by(Occurrence.opened_at.desc(), Occurrence.id.desc())
        )
        if limit is not None:
            statement = statement.limit(limit)
        result = await self.session.scalars(statement)
        return result.all()

    async def latest_occurrence_id(self, pulse_id: int) -> int | None:
        return await self.session.scalar(
            select(func.max(Occurrence.id)).where(Occurrence.pulse_id == pulse_id)
        )

    async def occurrence_by_key(self, key: str) -> Occurrence | None:
        return await self.session.scalar(select(Occurrence).where(Occurrence.key == key))

    async def same_day_occurrence(self, pulse_id: int, day_suffix: str) -> Occurrence | None:
        """An occurrence of this pulse whose key ends with `day_suffix` (another time zone's
        firing on the same local day), if there is one."""
        return await self.session.scalar(
            select(Occurrence)
            .where(
                Occurrence.pulse_id == pulse_id,
                Occurrence.key.like(f"pulse:{pulse_id}:%{day_suffix}"),
            )
            .order_by(Occurrence.id)
            .limit(1)
        )

    async def open_occurrence(self, occurrence: Occurrence) -> int | None:
        """Insert the occurrence unless it has a key and one with that key exists; its id,
        or None if the key was taken (by an earlier firing, or a concurrent one that
        committed first)."""
        if occurrence.key is None:
            self.session.add(occurrence)
            await self.session.flush()
            return occurrence.id
        insert = insert_for(self.session)
        values = {
            column.key: getattr(occurrence, column.key)
            for column in Occurrence.__table__.columns
            if column.key != "id"
        }
        statement = (
            insert(Occurrence)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Occurrence.id)
        )
        opened: int | None = await self.session.scalar(statement)
        return opened

    async def counts_by_site(
        self, occurrence_ids: Sequence[int], now: datetime
    ) -> list[DeliveryCount]:
        return await self._counts(occurrence_ids, now, Person.site, by_role=False)

    async def counts_by_role(
        self, occurrence_ids: Sequence[int], now: datetime
    ) -> list[DeliveryCount]:
        """Counted once per role a recipient holds (someone may be clinician and leader)."""
        return await self._counts(occurrence_ids, now, RoleGrant.role, by_role=True)

    async def _counts(
        self,
        occurrence_ids: Sequence[int],
        now: datetime,
        group: InstrumentedAttribute[str | None] | InstrumentedAttribute[str],
        *,
        by_role: bool,
    ) -> list[DeliveryCount]:
        if not occurrence_ids:
            return []
        was_sent = Delivery.sent_at.is_not(None)
        due_later = Delivery.due_at > now
        statement = (
            select(
                Delivery.occurrence_id,
                group,
                Delivery.state,
                was_sent,
                due_later,
                func.count(),
            )
            .select_from(Delivery)
            .join(Person, Person.id == Delivery.person_id)
            .where(Delivery.occurrence_id.in_(occurrence_ids))
            .group_by(Delivery.occurrence_id, group, Delivery.state, was_sent, due_later)
        )
        if by_role:
            statement = statement.outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
        rows = await self.session.execute(statement)
        return [
            DeliveryCount(int(row[0]), row[1], str(row[2]), bool(row[3]), bool(row[4]), int(row[5]))
            for row in rows
        ]
