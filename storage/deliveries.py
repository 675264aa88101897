"""Occurrences and the delivery outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.engine import dialect_name, insert_for
from storage.models import Delivery, Occurrence, Person
from storage.states import ASKED, DeliveryState

# States a delivery moves through.


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, occurrence_id: int, person_id: int, due_at: datetime) -> bool:
        """Add a delivery unless one exists for this occurrence and person.

        Returns whether a row was added: an occurrence opened twice sends once.
        """
        values = {
            "occurrence_id": occurrence_id,
            "person_id": person_id,
            "state": DeliveryState.PENDING,
            "next_index": 0,
            "due_at": due_at,
            "attempts": 0,
        }
        insert = insert_for(self.session)
        statement = (
            insert(Delivery)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["occurrence_id", "person_id"])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def close_due(self, now: datetime) -> int:
        """Close occurrences past their closing time; their unsent prompts never go.
        Sent ones stay `sent`, so a late reply is told the question has closed."""
        due = (
            select(Occurrence.id)
            .where(Occurrence.closed_at.is_(None), ~Occurrence.open_at(now))
            .scalar_subquery()
        )
        await self.session.execute(
            update(Delivery)
            .where(
                Delivery.occurrence_id.in_(due),
                Delivery.state.in_((DeliveryState.PENDING, DeliveryState.WITHHELD)),
            )
            .values(state=DeliveryState.CLOSED, reason="the pulse closed")
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Delivery)
            .where(Delivery.occurrence_id.in_(due), Delivery.reminder_due_at.is_not(None))
            .values(reminder_due_at=None)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(
            update(Occurrence)
            .where(Occurrence.closed_at.is_(None), ~Occurrence.open_at(now))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, delivery_id: int, *, lock: bool = False) -> Delivery | None:
        statement = select(Delivery).where(Delivery.id == delivery_id)
        if lock and dialect_name(self.session) == "postgresql":
            statement = statement.with_for_update(of=Delivery)
        return await self.session.scalar(statement)

    async def move(
        self,
        delivery: Delivery,
        *,
        from_index: int,
        to_index: int,
        state: str,
        answered_at: datetime | None,
    ) -> bool:
        """Move the person's progress through the occurrence, only if nobody else did.

        A conditional UPDATE (not read-then-write), so two presses of the same
        button or a double-sent message cannot both record an answer, on SQLite
        or PostgreSQL. Returns False if the progress had already moved.
        """
        values = {"next_index": to_index, "state": state, "answered_at": answered_at}
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.next_index == from_index)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        for name, value in values.items():
            set_committed_value(delivery, name, value)
        return True

    async def occurrence(self, occurrence_id: int) -> Occurrence | None:
        return await self.session.get(Occurrence, occurrence_id)

    async def recipients(self, occurrence_id: int) -> Sequence[Person]:
        """The people an occurrence's prompts are queued for."""
        found = await self.session.scalars(
            select(Person)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(Delivery.occurrence_id == occurrence_id)
            .order_by(Person.id)
        )
        return found.all()

    async def shown_at(self, key: str) -> Delivery | None:
        """The delivery whose current prompt is the message with this MessageRef.key."""
        return await self.session.scalar(
            select(Delivery).where(Delivery.message_key == key).limit(1)
        )

    async def awaiting_answer(
        self, person_id: int, *, include_closed: bool = False
    ) -> Sequence[Delivery]:
        """The person's sent (or being sent), unanswered deliveries, most recently sent
        first: a reply can arrive before the outbox has recorded the send.

        Occurrences closed explicitly are left out unless asked for; those past
        their `closes_at` are for the caller to judge against its clock.
        """
        statement = (
            select(Delivery)
            .join(Occurrence)
            .where(Delivery.person_id == person_id, Delivery.state.in_(ASKED))
            .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        )
        if not include_closed:
            statement = statement.where(Occurrence.closed_at.is_(None))
        result = await self.session.scalars(statement)
        return result.unique().all()

    async def requeue_withheld(self, person_id: int, now: datetime) -> int:
        """Prompts held back while the person had paused, whose occurrence is still open,
        go back in the outbox (on resume). Returns how many."""
        still_open = select(Occurrence.id).where(Occurrence.open_at(now)).scalar_subquery()
        result = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.person_id == person_id,
                Delivery.state == DeliveryState.WITHHELD,
                Delivery.occurrence_id.in_(still_open),
            )
            .values(state=DeliveryState.PENDING, due_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def open_occurrence_count(self, now: datetime, organisation_id: int) -> int:
        """The organisation's open occurrences that have someone to ask."""
        count = await self.session.scalar(
            select(func.count(func.distinct(Occurrence.id)))
            .select_from(Occurrence)
            .join(Delivery, Delivery.occurrence_id == Occurrence.id)
            .where(
                Occurrence.organisation_id == organisation_id,
                Occurrence.open_at(now),
            )
        )
        return int(count or 0)

    async def participation_since(self, since: datetime, organisation_id: int) -> tuple[int, int]:
        """(prompts sent, fully answered) in the organisation's occurrences since then."""
        sent_here = (
            select(func.count())
            .select_from(Delivery)
            .join(Occurrence, Occurrence.id == Delivery.occurrence_id)
            .where(Occurrence.organisation_id == organisation_id, Delivery.sent_at >= since)
        )
        sent = await self.session.scalar(sent_here)
        answered = await self.session.scalar(
            sent_here.where(Delivery.state == DeliveryState.ANSWERED)
        )
        return int(sent or 0), int(answered or 0)
