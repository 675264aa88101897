"""The dispatcher's statements: claim due deliveries, read what decides each send, and
write every decision and every send's outcome back in batched statements.

Plain column selects and executemany UPDATEs by primary key: no ORM object is built or
tracked on this path, which runs once per prompt of every fan-out.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    bindparam,
    case,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.engine import Database, dialect_name
from storage.models import Delivery, Occurrence, Person, Pulse
from storage.states import CLAIMABLE, DeliveryState


@dataclass(frozen=True)
class ClaimedOccurrence:
    id: int
    pulse_id: int | None
    prompt_ids: list[str]
    closes_at: datetime | None
    closed_at: datetime | None

    def is_open_at(self, now: datetime) -> bool:
        # The same rule as Occurrence.is_open_at, for a row read without the ORM.
        return self.closed_at is None and (self.closes_at is None or self.closes_at > now)


@dataclass(frozen=True)
class ClaimedDelivery:
    """A due prompt (or its one reminder), locked for the claiming transaction."""

    id: int
    person_id: int
    next_index: int
    attempts: int
    reminder: bool
    occurrence: ClaimedOccurrence


@dataclass(frozen=True)
class Recipient:
    """The person's columns that decide a send (not their roles or workspace)."""

    id: int
    timezone: str | None
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    quiet_weekends: bool | None
    snoozed_until: datetime | None
    paused: bool
    gone: bool
    conversation_ref: dict[str, Any] | None


_CLAIMED = (
    Delivery.id,
    Delivery.person_id,
    Delivery.next_index,
    Delivery.attempts,
    Delivery.occurrence_id,
)
_OCCURRENCE = (
    Occurrence.id,
    Occurrence.pulse_id,
    Occurrence.prompt_ids,
    Occurrence.closes_at,
    Occurrence.closed_at,
)
_ClaimSelect = Select[int, int, int, int, int]  # what a claim selects, typed
_RECIPIENT = (
    Person.id,
    Person.timezone,
    Person.quiet_hours_start,
    Person.quiet_hours_end,
    Person.quiet_weekends,
    Person.snoozed_until,
    Person.paused,
    Person.gone,
    Person.conversation_ref,
)


class DispatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, now: datetime, limit: int) -> list[ClaimedDelivery]:
        """Due first prompts, then due reminders up to `limit`, locked for this transaction
        (SKIP LOCKED on PostgreSQL, so several dispatchers share the outbox)."""
        prompts = (
            select(*_CLAIMED)
            .where(Delivery.state.in_(CLAIMABLE), Delivery.due_at <= now)
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        claimed = await self._claimed(prompts, reminder=False)
        if len(claimed) < limit:
            reminders = (
                select(*_CLAIMED)
                .where(
                    Delivery.state == DeliveryState.SENT,
                    Delivery.reminder_due_at <= now,
                    Delivery.reminded_at.is_(None),
                )
                .order_by(Delivery.reminder_due_at, Delivery.id)
                .limit(limit - len(claimed))
            )
            claimed += await self._claimed(reminders, reminder=True)
        return claimed

    async def _claimed(self, statement: _ClaimSelect, *, reminder: bool) -> list[ClaimedDelivery]:
        if dialect_name(self.session) == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=Delivery)
        rows = (await self.session.execute(statement)).all()
        if not rows:
            return []
        # A fan-out's rows share one occurrence: read each once, not once per row.
        found = await self.session.execute(
            select(*_OCCURRENCE).where(Occurrence.id.in_({row[4] for row in rows}))
        )
        occurrences = {row[0]: ClaimedOccurrence(*row) for row in found}
        return [
            ClaimedDelivery(row[0], row[1], row[2], row[3], reminder, occurrences[row[4]])
            for row in rows
        ]

    async def recipients(self, person_ids: Iterable[int]) -> dict[int, Recipient]:
        rows = await self.session.execute(select(*_RECIPIENT).where(Person.id.in_(person_ids)))
        return {row[0]: Recipient(*row) for row in rows}

    async def pulses(self, pulse_ids: Iterable[int]) -> dict[int, Pulse]:
        """The pulses of a batch (a handful: one per fan-out), whole."""
        ids = list(pulse_ids)
        if not ids:
            return {}
        found = await self.session.scalars(select(Pulse).where(Pulse.id.in_(ids)))
        return {pulse.id: pulse for pulse in found}

    async def write(self, changes: Sequence[Mapping[str, Any]]) -> None:
        """Each change names a delivery's `id` and the columns to set: one executemany
        UPDATE per set of columns."""
        if changes:
            await self.session.execute(update(Delivery), list(changes))

    async def lease(self, delivery_ids: Sequence[int], until: datetime, *, reminder: bool) -> None:
        """Hold these (their first prompt, or their reminder) until then: one statement."""
        if delivery_ids:
            column = "reminder_due_at" if reminder else "due_at"
            await self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(delivery_ids))
                .values({column: until})
                .execution_options(synchronize_session=False)
            )

    async def mark_gone(self, person_ids: Iterable[int]) -> None:
        """The platform said these people are gone: left out of what comes next, too."""
        ids = list(person_ids)
        if ids:
            await self.session.execute(
                update(Person)
                .where(Person.id.in_(ids))
                .values(gone=True)
                .execution_options(synchronize_session=False)
            )


class SendLog:
    """Writes what sends did, one short statement per group of finished sends.

    Plain Core statements, no ORM session, through a connection of its own in
    autocommit (each statement commits alone; every row's record stands by itself): a
    pool checkout, a BEGIN, a COMMIT and a reset on every write cost more than the
    write, on SQLite (a thread hop each) as on PostgreSQL. On PostgreSQL its commits do
    not wait for the WAL to reach the disk (synchronous_commit off, on this connection
    only): as safe against this process dying as any commit, while a crash of
    PostgreSQL itself can lose at most the last few hundred milliseconds of records,
    whose prompts are then sent again. On SQLite it takes its turn to write like any
    transaction; an in-memory database (one connection for all) gets a short
    transaction per write instead.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None

    async def write(self, changes: Sequence[Mapping[str, Any]], gone: Iterable[int]) -> None:
        gone = list(gone)
        if self.database.shares_one_connection:  # its settings are everyone's: leave them
            async with self.database.statements() as connection:
                await _execute(connection, changes, gone)
            return
        async with self.database.turn():
            connection = await self._connect()
            try:
                await _execute(connection, changes, gone)
            except BaseException:
                self._connection = None  # a broken connection is not reused
                await _close_quietly(connection)
                raise

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await _close_quietly(connection)

    async def _connect(self) -> AsyncConnection:
        if self._connection is None or self._connection.closed:
            connection = await self.database.engine.connect()
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if not self.database.is_sqlite:
                await connection.execute(text("SET synchronous_commit = off"))
            self._connection = connection
        return self._connection


async def _execute(
    connection: AsyncConnection, changes: Sequence[Mapping[str, Any]], gone: list[int]
) -> None:
    for columns, group in _by_columns(changes).items():
        await connection.execute(_update_of(columns), group)
    if gone:
        await connection.execute(update(Person).where(Person.id.in_(gone)).values(gone=True))


def _by_columns(
    changes: Sequence[Mapping[str, Any]],
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        columns = tuple(sorted(name for name in change if name != "id"))
        row = {name: change[name] for name in columns} | {"delivery_id": change["id"]}
        groups.setdefault(columns, []).append(row)
    return groups


# Where a prompt stands for the person: written only while it is still ours to send, so
# a record that comes after the send never overwrites an answer that came first.
_ASKING = ("state", "sent_at", "reminder_due_at")


@functools.cache
def _update_of(columns: tuple[str, ...]) -> Any:
    """One statement per set of columns, built once: building it cost more than running
    it on every write."""
    table = cast(Table, Delivery.__table__)
    # Spelled out: an IN list would be an expanding parameter, which executemany refuses.
    ours = or_(*(table.c.state == literal_column(f"'{state}'") for state in CLAIMABLE))
    values = {
        name: case((ours, bindparam(name)), else_=table.c[name])
        if "state" in columns and name in _ASKING
        else bindparam(name)
        for name in columns
    }
    return update(table).where(table.c.id == bindparam("delivery_id")).values(values)


async def _close_quietly(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing to give back
        await connection.close()
