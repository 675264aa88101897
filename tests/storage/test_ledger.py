"""Bookkeeping: inbound event ids seen once, and the installation's secret."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage.engine import Database
from storage.ledger import LedgerRepository
from storage.migrate import upgrade
from tests.storage.storage_rows import NOW


async def test_first_time_seen_is_true_once_then_false(any_db: Database) -> None:
    async with any_db.transaction() as session:
        ledger = LedgerRepository(session)
        assert await ledger.first_time_seen("slack", "Ev1", NOW)
        assert not await ledger.first_time_seen("slack", "Ev1", NOW)
        assert await ledger.first_time_seen("teams", "Ev1", NOW)

    # A platform's retry arrives later, in another transaction.
    async with any_db.transaction() as session:
        ledger = LedgerRepository(session)
        assert not await ledger.first_time_seen("slack", "Ev1", NOW + timedelta(minutes=1))
        assert await ledger.first_time_seen("slack", "Ev2", NOW + timedelta(minutes=1))


async def test_secret_key_is_generated_once_and_stays_the_same(any_db: Database) -> None:
    async with any_db.transaction() as session:
        ledger = LedgerRepository(session)
        first = await ledger.secret_key()
        assert await ledger.secret_key() == first

    async with any_db.transaction() as session:
        assert await LedgerRepository(session).secret_key() == first

    assert len(first) >= 32


async def test_secret_key_survives_a_restart(any_db: Database) -> None:
    async with any_db.transaction() as session:
        first = await LedgerRepository(session).secret_key()

    restarted = Database(any_db.url)
    try:
        async with restarted.transaction() as session:
            assert await LedgerRepository(session).secret_key() == first
    finally:
        await restarted.dispose()


async def test_each_installation_gets_its_own_secret(sqlite_db: Database, tmp_path: Path) -> None:
    other = Database(f"sqlite:///{tmp_path / 'another-installation.db'}")
    try:
        await upgrade(other)
        async with sqlite_db.transaction() as session:
            ours = await LedgerRepository(session).secret_key()
        async with other.transaction() as session:
            theirs = await LedgerRepository(session).secret_key()
    finally:
        await other.dispose()

    assert ours != theirs
