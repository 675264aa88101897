"""The dispatcher's statements: claim due deliveries with what decides each send, and
write every decision and every send's outcome back in batched statements.

This path runs once per prompt of every fan-out, so it stays lean: a claim is a handful
of Core statements, each compiled once and run on the driver itself (no ORM session,
nothing tracked; SQLAlchemy's per-statement work cost more than the statement), and a
send's record is one statement for the whole group of finished sends.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    BindParameter,
    Column,
    ColumnElement,
    Dialect,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database
from storage.models import Delivery, Occurrence, Person, Pulse, UtcDateTime
from storage.states import CLAIMABLE, DeliveryState

DELIVERIES = cast(Table, Delivery.__table__)

# What a claim reads comes back as named tuples: one is built per row of every claim,
# and a frozen dataclass's __init__ (a setattr per field) cost several times as much.


class ClaimedOccurrence(NamedTuple):
    id: int
    pulse_id: int | None
    prompt_ids: list[str]
    closes_at: datetime | None
    closed_at: datetime | None

    def is_open_at(self, now: datetime) -> bool:
        # The same rule as Occurrence.is_open_at, for a row read without the ORM.
        return self.closed_at is None and (self.closes_at is None or self.closes_at > now)


class Recipient(NamedTuple):
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


class ClaimedDelivery(NamedTuple):
    """A due prompt (or its one reminder), locked for the claiming transaction, with the
    person it goes to."""

    id: int
    person_id: int
    next_index: int
    attempts: int
    reminder: bool
    occurrence: ClaimedOccurrence
    person: Recipient


class PulseRules(NamedTuple):
    """The pulse's columns that decide a send: its window, days and reminder."""

    id: int
    send_window_start: str | None
    send_window_end: str | None
    days_of_week: str | None
    reminder_after_hours: int | None


_CLAIMED = (
    Delivery.id,
    Delivery.person_id,
    Delivery.next_index,
    Delivery.attempts,
    Delivery.occurrence_id,
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
_OCCURRENCE = (
    Occurrence.id,
    Occurrence.pulse_id,
    Occurrence.prompt_ids,
    Occurrence.closes_at,
    Occurrence.closed_at,
)
_PULSE = (
    Pulse.id,
    Pulse.send_window_start,
    Pulse.send_window_end,
    Pulse.days_of_week,
    Pulse.reminder_after_hours,
)
_Query = Select[*tuple[Any, ...]]
# A reminder can still go: its prompt is sent, not answered, and not reminded yet.
_REMINDER_OPEN = (Delivery.state == DeliveryState.SENT, Delivery.reminded_at.is_(None))
_NOW: BindParameter[datetime] = bindparam("now", type_=UtcDateTime())
_LIMIT: BindParameter[int] = bindparam("limit", type_=Integer())


def _among(column: Any, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the ids given as the parameter "ids" (see `_ids`): one array
    parameter on PostgreSQL, one JSON array read by json_each on SQLite, instead of a
    placeholder (rendered and bound one by one) per id."""
    if dialect == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam("ids", type_=ARRAY(Integer))))
    listed: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam("ids"))
    )
    return cast(ColumnElement[bool], column.in_(listed))


def _ids(dialect: str, ids: Iterable[int]) -> list[int] | str:
    listed = list(ids)
    return listed if dialect == "postgresql" else orjson.dumps(listed).decode()


@dataclass(frozen=True)
class _Statements:
    """The claim's statements for one dialect, built once: building a statement cost more
    than running it (and SQLAlchemy reuses a statement object's compiled form)."""

    due: tuple[_Query, ...]  # first prompts: leases run out, then waiting
    reminders: _Query
    occurrences: _Query
    pulses: _Query
    prompted_since: _Query


@functools.cache
def _statements(dialect: str) -> _Statements:
    due = select(*_CLAIMED).join(Person, Person.id == Delivery.person_id)
    # One state at a time, in the order of the (state, due_at, id) index: across two
    # states every claim would read and sort every due row.
    prompts = tuple(
        due.where(Delivery.state == state, Delivery.due_at <= _NOW)
        .order_by(Delivery.due_at, Delivery.id)
        .limit(_LIMIT)
        for state in (DeliveryState.SENDING, DeliveryState.PENDING)
    )
    reminders = (
        due.where(
            Delivery.reminder_due_at <= _NOW,
            *_REMINDER_OPEN,
        )
        .order_by(Delivery.reminder_due_at, Delivery.id)
        .limit(_LIMIT)
    )
    if dialect == "postgresql":
        # The rows are locked, and rows another dispatcher holds are passed over.
        prompts = tuple(
            statement.with_for_update(skip_locked=True, of=Delivery) for statement in prompts
        )
        reminders = reminders.with_for_update(skip_locked=True, of=Delivery)
    return _Statements(
        due=prompts,
        reminders=reminders,
        occurrences=select(*_OCCURRENCE).where(_among(Occurrence.id, dialect)),
        pulses=select(*_PULSE).where(_among(Pulse.id, dialect)),
        prompted_since=select(
            Delivery.id, Delivery.person_id, Delivery.sent_at, Delivery.reminded_at
        ).where(
            _among(Delivery.person_id, dialect),
            or_(Delivery.sent_at >= _NOW, Delivery.reminded_at >= _NOW),
        ),
    )


@dataclass(frozen=True)
class _OnDriver:
    """A Core statement compiled once for a dialect and run on the driver itself: its
    SQL, its parameters in order (each with its bind processing and the value it was
    built with) and each result column's processing, as SQLAlchemy would apply them.
    On SQLite that is one trip to the driver's thread instead of four (cursor, execute,
    fetch, close), each of which waited for a turn of a busy event loop."""

    sqlite: bool  # else PostgreSQL (asyncpg)
    # SQLite: the rows come back as one JSON array in one row (see `_as_one_row`).
    packed: bool
    sql: str
    params: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    defaults: Mapping[str, Any]
    # The result columns that need processing, by position.
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]

    def _args(self, values: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, process in self.params:
            value = values[name] if name in values else self.defaults[name]
            args.append(value if process is None else process(value))
        return args

    async def rows(self, driver: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        args = self._args(values)
        if self.packed:
            found = orjson.loads((await driver.execute_fetchall(self.sql, args))[0][0])
        elif self.sqlite:
            found = await driver.execute_fetchall(self.sql, args)
        else:
            found = await driver.fetch(self.sql, *args)
        if not self.processed:
            return [tuple(row) for row in found]
        rows = []
        for row in found:
            columns = list(row)
            for index, process in self.processed:
                if columns[index] is not None:
                    columns[index] = process(columns[index])
            rows.append(tuple(columns))
        return rows

    async def changed(self, driver: Any, values: Mapping[str, Any]) -> int:
        """SQLite: run an UPDATE; how many rows it changed (one trip to the thread: the
        cursor's count is read here, and it holds nothing once its statement ran)."""
        cursor = await driver.execute(self.sql, self._args(values))
        return int(cursor.rowcount)

    async def run(self, driver: Any, values: Mapping[str, Any]) -> None:
        args = self._args(values)
        if self.sqlite:
            await driver.execute_fetchall(self.sql, args)
        else:
            await driver.execute(self.sql, *args)


def _as_one_row(statement: Select[Any]) -> Select[Any]:
    """The SELECT's rows as one JSON array of arrays, in one row: sqlite3 lets go of the
    GIL for each row it steps to and takes it back after, and each of those waits for a
    busy event loop (a claim's 100 rows took 2-4 ms). JSON columns come embedded, parsed
    with the rest; the others keep their stored form (text times), for the columns' own
    processing. SQLite hands an aggregate a subquery's rows in the subquery's order."""
    rows = statement.subquery()
    values = (func.json(column) if _is_json(column) else column for column in rows.c)
    return select(func.json_group_array(func.json_array(*values)))


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JSON)


@functools.lru_cache(maxsize=256)
def _on_driver(statement: Any, dialect: Dialect) -> _OnDriver:
    sqlite = dialect.name == "sqlite"
    packed = sqlite and isinstance(statement, Select)
    compiled = (_as_one_row(statement) if packed else statement).compile(dialect=dialect)
    names: list[str] = list(compiled.positiontup or ())
    params = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in names
    )
    selected = statement.exported_columns  # a SELECT's columns, or what DML returns
    processors = (
        None
        if packed and _is_json(column)  # parsed with the whole result
        else column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in selected
    )
    processed = tuple((index, process) for index, process in enumerate(processors) if process)
    # Values the statement was built with (a state it filters on, SQLite's OFFSET).
    defaults = {
        name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
    }
    return _OnDriver(sqlite, packed, compiled.string, params, defaults, processed)


@asynccontextmanager
async def claiming(
    database: Database, log: SendLog | None = None
) -> AsyncIterator[DispatchRepository]:
    """One claim, on the driver's own connection. On PostgreSQL it is one transaction,
    committed when the block ends (rolled back if it raises), and its row locks hold
    until then. On SQLite it takes its turn to write (see Database.turn) only at its
    first write, so its reads and decisions leave the turn to the sends' records; its
    writes are guarded (see `DispatchRepository.lease`) and each commits by itself (a
    claim that dies between two leaves its rows due again), so the turn is not held
    for a COMMIT's own trip to the driver's thread. A shared in-memory database (one
    connection for all) takes the turn throughout, in one transaction.

    `log`: the outbox's SendLog. On a SQLite file the claim runs on the log's
    connection (without one, on a log of its own for this claim): SQLite drops a
    connection's whole page cache whenever another one wrote since its last read, and
    claims and records take turns all through a fan-out, so on two connections each read
    its pages afresh (and two driver threads asked for the GIL). On one, a fan-out at
    concurrency 20 took 15% to 20% less time (runs of `bench.fanout`'s outbox
    alternating the two ways)."""
    async with contextlib.AsyncExitStack() as stack:
        shared = database.shares_one_connection
        if database.is_sqlite and not shared:
            on = SendLog(database) if log is None else log
            dialect, on_log = await on.connection()
            try:
                yield _writing_in_turn(database, stack, on_log, dialect)
            except BaseException:
                await on.close()  # it may be broken: the next write opens another
                raise
            finally:
                if on is not log:  # this claim's own: it goes with the claim
                    await on.close()
            return
        if shared:  # its settings are everyone's: a transaction, as ever
            await stack.enter_async_context(database.turn())
        connection = await stack.enter_async_context(database.engine.connect())
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if not database.is_sqlite:
            async with driver.transaction():
                yield DispatchRepository(driver, connection.dialect)
            return
        repository = _writing_in_turn(database, stack, driver, connection.dialect)
        # sqlite3 begins a transaction by itself before the first write.
        try:
            yield repository
        except BaseException:
            await driver.rollback()
            raise
        await driver.commit()


def _writing_in_turn(
    database: Database, stack: contextlib.AsyncExitStack, driver: Any, dialect: Dialect
) -> DispatchRepository:
    """A SQLite claim's repository: it takes the database's turn (held until the claim
    ends) at its first write."""

    async def turn() -> None:
        await stack.enter_async_context(database.turn())

    return DispatchRepository(driver, dialect, before_writing=turn)


class DispatchRepository:
    """The claim's statements, on one driver connection inside the claim's transaction
    (see `claiming`)."""

    def __init__(
        self,
        driver: Any,
        dialect: Dialect,
        *,
        before_writing: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.driver = driver
        self.dialect = dialect
        self.statements = _statements(dialect.name)
        self._before_writing = before_writing

    async def _writing(self) -> None:
        if self._before_writing is not None:
            before, self._before_writing = self._before_writing, None
            await before()

    async def _rows(self, statement: Any, **values: Any) -> list[tuple[Any, ...]]:
        return await _on_driver(statement, self.dialect).rows(self.driver, values)

    async def claim(self, now: datetime, limit: int) -> list[ClaimedDelivery]:
        """Due first prompts (those whose lease ran out first), then due reminders, up to
        `limit`, locked for this transaction (SKIP LOCKED on PostgreSQL, so several
        dispatchers share the outbox)."""
        claimed: list[ClaimedDelivery] = []
        for statement in self.statements.due:
            if len(claimed) < limit:
                claimed += await self._claimed(statement, now, limit - len(claimed), False)
        if len(claimed) < limit:
            reminders = self.statements.reminders
            claimed += await self._claimed(reminders, now, limit - len(claimed), True)
        return claimed

    async def _claimed(
        self, statement: _Query, now: datetime, limit: int, reminder: bool
    ) -> list[ClaimedDelivery]:
        rows = await self._rows(statement, now=now, limit=limit)
        if not rows:
            return []
        # A fan-out's rows share one occurrence: read each once, not once per row.
        occurrences = {
            row[0]: ClaimedOccurrence(*row)
            for row in await self._rows(
                self.statements.occurrences, ids=self._ids({row[4] for row in rows})
            )
        }
        return [
            ClaimedDelivery(
                row[0], row[1], row[2], row[3], reminder, occurrences[row[4]], Recipient(*row[5:])
            )
            for row in rows
        ]

    def _ids(self, ids: Iterable[int]) -> list[int] | str:
        return _ids(self.dialect.name, ids)

    async def pulses(self, pulse_ids: Iterable[int]) -> dict[int, PulseRules]:
        """The pulses of a batch (a handful: one per fan-out)."""
        ids = set(pulse_ids)
        if not ids:
            return {}
        found = await self._rows(self.statements.pulses, ids=self._ids(ids))
        return {row[0]: PulseRules(*row) for row in found}

    async def recent_prompt_times(
        self, person_ids: Iterable[int], since: datetime, claimed: Collection[int] = ()
    ) -> dict[int, list[datetime]]:
        """When each person was prompted since then, reminders and prompts being sent
        included (the fatigue cap). `claimed`: first prompts this claim is deciding; a
        "sending" time of theirs was written by a dispatcher that died before sending
        (or recording) them, and does not count against themselves."""
        times: dict[int, list[datetime]] = {person_id: [] for person_id in person_ids}
        if not times:
            return times
        rows = await self._rows(self.statements.prompted_since, ids=self._ids(times), now=since)
        for delivery_id, person_id, sent_at, reminded_at in rows:
            if delivery_id in claimed:
                sent_at = None
            for at in (sent_at, reminded_at):
                if at is not None and at >= since:
                    times[person_id].append(at)
        return times

    async def write(self, changes: Sequence[Mapping[str, Any]]) -> None:
        """Each change names a delivery's `id` and the columns to set (the prompts that do
        not go now: a handful)."""
        if changes:
            await self._writing()
            await _record(self.driver, self.dialect, changes, [])

    async def lease(
        self,
        delivery_ids: Sequence[int],
        until: datetime,
        *,
        reminder: bool,
        sending_since: datetime | None = None,
    ) -> set[int]:
        """Hold these (their first prompt, or their reminder) until then, in one
        statement; returns those held. Only a row still waiting to be sent is held: on
        SQLite a claim reads before its turn to write, and an answer (say) may have come
        in between. `sending_since`: they go out at once, so they are asked from now on
        (state "sending"), in the same statement."""
        if not delivery_ids:
            return set()
        await self._writing()
        marked = sending_since is not None and not reminder
        values: dict[str, Any] = {"until": until, "ids": self._ids(delivery_ids)}
        if marked:
            values["since"] = sending_since
        statement = _lease_of(self.dialect.name, reminder=reminder, marked=marked)
        if self.dialect.name == "postgresql":
            return {row[0] for row in await self._rows(statement, **values)}
        # SQLite: no RETURNING (each row it returns is a trip for the GIL, see
        # `_as_one_row`); all were held unless fewer rows changed than were asked for.
        changed = await _on_driver(statement, self.dialect).changed(self.driver, values)
        if changed == len(delivery_ids):
            return set(delivery_ids)
        found = await self._rows(_held_of(reminder=reminder), **values)
        return {row[0] for row in found}


@functools.cache
def _lease_of(dialect: str, *, reminder: bool, marked: bool) -> Any:
    column = "reminder_due_at" if reminder else "due_at"
    values: dict[str, Any] = {column: bindparam("until")}
    if marked:
        values |= {"state": DeliveryState.SENDING, "sent_at": bindparam("since")}
    c = DELIVERIES.c
    # Still as the claim read it: a first prompt not yet answered (or skipped...), a
    # reminder whose prompt is sent and not yet reminded.
    still = _REMINDER_OPEN if reminder else (or_(*(c.state == state for state in CLAIMABLE)),)
    statement = update(DELIVERIES).where(_among(c.id, dialect), *still).values(values)
    return statement.returning(c.id) if dialect == "postgresql" else statement


@functools.cache
def _held_of(*, reminder: bool) -> Any:
    """SQLite: which of the ids a lease held (their due time is now its end)."""
    c = DELIVERIES.c
    column = c.reminder_due_at if reminder else c.due_at
    return select(c.id).where(_among(c.id, "sqlite"), column == bindparam("until"))


@functools.cache
def _gone_of(dialect: str) -> Any:
    people = cast(Table, Person.__table__)
    return update(people).where(_among(people.c.id, dialect)).values(gone=True)


class SendLog:
    """Writes what sends did: one statement per group of finished sends.

    Through a connection of its own in autocommit (each statement commits alone; every
    row's record stands by itself): a pool checkout, a BEGIN, a COMMIT and a reset on
    every write cost more than the write. On PostgreSQL its commits do not wait for the
    WAL to reach the disk (synchronous_commit off, on this connection only): as safe
    against this process dying as any commit, while a crash of PostgreSQL itself can
    lose at most the last few hundred milliseconds of records, whose prompts are then
    sent again. On SQLite it takes its turn to write like any transaction, and the
    outbox's claims run on its connection too (see `claiming`); an in-memory database
    (one connection for all) gets a short transaction per write instead.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None
        self._driver: Any = None  # the driver's own connection behind it

    async def write(self, changes: Sequence[Mapping[str, Any]], gone: Iterable[int]) -> None:
        gone = list(gone)
        if self.database.shares_one_connection:  # its settings are everyone's: leave them
            async with claiming(self.database) as repository:
                await _record(repository.driver, repository.dialect, changes, gone)
            return
        async with self.database.turn():
            dialect, driver = await self.connection()
            try:
                await _record(driver, dialect, changes, gone)
            except BaseException:
                await self.close()  # a broken connection is not reused
                raise

    async def connection(self) -> tuple[Dialect, Any]:
        """(its dialect, the driver's connection) that the log writes on, opened if need
        be: on SQLite the outbox's claims run on it too (see `claiming`)."""
        if self._connection is None or self._connection.closed:
            connection = await self.database.engine.connect()
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if not self.database.is_sqlite:
                await connection.execute(text("SET synchronous_commit = off"))
            self._connection = connection
            self._driver = (await connection.get_raw_connection()).driver_connection
        return self._connection.dialect, self._driver

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await _close_quietly(connection)


async def _record(
    driver: Any,
    dialect: Dialect,
    changes: Sequence[Mapping[str, Any]],
    gone: list[int],
) -> None:
    for names, group in _same_columns(changes).items():
        await _group_update(dialect.name, names[1:]).run(driver, dialect, group)
    if gone:
        statement = _on_driver(_gone_of(dialect.name), dialect)
        await statement.run(driver, {"ids": _ids(dialect.name, gone)})


def _same_columns(
    changes: Sequence[Mapping[str, Any]],
) -> dict[tuple[str, ...], list[Mapping[str, Any]]]:
    """The changes grouped by the columns they set, each change's `id` first (as the
    outbox writes them): a group's key is ("id", column, ...)."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(change), []).append(change)
    return groups


# Where a prompt stands for the person: written only while it is still ours to send, so
# a record that comes after the send never overwrites an answer that came first.
_ASKING = ("state", "sent_at", "reminder_due_at")
_STILL_OURS = " OR ".join(f"deliveries.state = '{state}'" for state in CLAIMABLE)


def _guarded(column: str, columns: tuple[str, ...], value: str) -> str:
    if "state" in columns and column in _ASKING:
        return f"CASE WHEN {_STILL_OURS} THEN {value} ELSE deliveries.{column} END"
    return value


@dataclass(frozen=True)
class _GroupUpdate:
    """One UPDATE of many deliveries by id, each row its own values, in one statement:
    on PostgreSQL from arrays (`unnest`), on SQLite from a VALUES list. The values go
    through each column's own SQLAlchemy bind processing, so they are stored exactly as
    the ORM stores them (UTC times, JSON)."""

    dialect: str
    columns: tuple[str, ...]

    async def run(self, driver: Any, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> None:
        """`rows`: each a delivery's `id` and the value of each of `columns`."""
        processors = _processors(dialect, self.columns)
        ids = [row["id"] for row in rows]
        values = [
            [row[name] for row in rows] if process is None else _each(process, rows, name)
            for name, process in zip(self.columns, processors, strict=True)
        ]
        if self.dialect == "postgresql":
            await driver.execute(self._unnest(dialect), ids, *values)
            return
        flat: list[Any] = []
        for index, delivery_id in enumerate(ids):
            flat.append(delivery_id)
            flat += [column[index] for column in values]
        await driver.execute_fetchall(_values_update(self.columns, len(ids)), flat)

    def _unnest(self, dialect: Dialect) -> str:
        return _unnest_update(self.columns, _pg_types(dialect, self.columns))


@functools.cache
def _group_update(dialect: str, columns: tuple[str, ...]) -> _GroupUpdate:
    return _GroupUpdate(dialect, columns)


def _column(name: str) -> Column[Any]:
    column: Column[Any] = DELIVERIES.c[name]
    return column


def _each(process: Callable[[Any], Any], rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    """Each row's value of `name`, processed. A group's rows mostly share a value (the
    reminder time a batch worked out once, say): one that is the last one is not
    processed again."""
    processed: list[Any] = []
    last: Any = _NOTHING
    done: Any = None
    for row in rows:
        value = row[name]
        if value is not last:
            last, done = value, process(value)
        processed.append(done)
    return processed


_NOTHING = object()


@functools.cache
def _processors(
    dialect: Dialect, columns: tuple[str, ...]
) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(_processor(_column(name), dialect) for name in columns)


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind processing; for JSON (a sent message's reference), orjson where
    SQLAlchemy would call the standard library's encoder: 5-10 µs a row less on the
    event loop, and the same JSON (only without the spaces between items)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and _is_json(column):
        return _json_text
    return process


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


@functools.cache
def _pg_types(dialect: Dialect, columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_column(name).type.compile(dialect=dialect) for name in columns)


@functools.cache
def _unnest_update(columns: tuple[str, ...], types: tuple[str, ...]) -> str:
    arrays = ", ".join(
        ["$1::INTEGER[]"] + [f"${n}::{kind}[]" for n, kind in enumerate(types, start=2)]
    )
    names = ", ".join(("delivery_id", *columns))
    sets = ", ".join(f"{name} = {_guarded(name, columns, f'v.{name}')}" for name in columns)
    return (
        f"UPDATE deliveries SET {sets} FROM unnest({arrays}) AS v({names}) "
        "WHERE deliveries.id = v.delivery_id"
    )


@functools.lru_cache(maxsize=256)
def _values_update(columns: tuple[str, ...], count: int) -> str:
    # SQLite names a VALUES list's columns column1, column2, ...: the id is column1.
    row = "(" + ", ".join("?" * (len(columns) + 1)) + ")"
    sets = ", ".join(
        f"{name} = {_guarded(name, columns, f'v.column{n}')}"
        for n, name in enumerate(columns, start=2)
    )
    return (
        f"UPDATE deliveries SET {sets} FROM (VALUES {', '.join([row] * count)}) AS v "
        "WHERE deliveries.id = v.column1"
    )


async def _close_quietly(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing to give back
        await connection.close()


__all__ = [
    "ClaimedDelivery",
    "ClaimedOccurrence",
    "DispatchRepository",
    "PulseRules",
    "Recipient",
    "SendLog",
    "claiming",
]
