"""Retention on SQLite and PostgreSQL, with an injected clock: answer text older than
the retention period is emptied while codes and counts stay; open ideas keep their text,
closed ones are emptied after the same period; each run is audited with counts only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.pathway.moves import CLOSED
from bot.privacy.retention import Purged, purge_old_text
from storage.audit import AuditFilter, AuditRepository
from storage.engine import Database
from storage.models import Coding, Idea, Response, Theme
from tests.storage.storage_rows import add_occurrence, add_person, response
from thrive.settings import load_settings

ANSWERED = datetime(2025, 3, 2, 18, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


async def _seed(database: Database) -> dict[str, int]:
    """An old coded answer, a recent one, and old ideas open and closed, a recent closed one."""
    async with database.transaction() as session:
        amara = await add_person(session, "amara")
        occurrence = await add_occurrence(session)
        old = response(occurrence, amara, "Charting at home every night")
        old.created_at = old.updated_at = ANSWERED
        old.scale_value = 2
        recent = response(occurrence, None, "Teaching residents")
        recent.created_at = recent.updated_at = ANSWERED + YEAR - timedelta(days=1)
        session.add_all([old, recent])
        await session.flush()
        theme = await session.scalar(select(Theme.id).limit(1))
        assert theme is not None
        session.add(
            Coding(
                response_id=old.id,
                theme_id=theme,
                polarity="barrier",
                source="keyword",
                created_at=ANSWERED,
            )
        )
        ideas = {}
        for name, state, moved in (
            ("open", "under review", ANSWERED),
            ("declined", "declined", ANSWERED),
            ("shared", "shared", ANSWERED),
            ("closed_lately", "implemented", ANSWERED + YEAR - timedelta(days=1)),
        ):
            idea = Idea(
                organisation_id=occurrence.organisation_id,
                workspace_id=amara.workspace_id,
                text=f"the {name} idea",
                state=state,
                source="command",
                created_at=ANSWERED,
                updated_at=moved,
            )
            session.add(idea)
            await session.flush()
            ideas[name] = idea.id
        return {"old": old.id, "recent": recent.id, **ideas}


async def test_old_answer_text_is_purged_and_codes_and_counts_stay(any_db: Database) -> None:
    rows = await _seed(any_db)
    clock = FixedClock(ANSWERED + YEAR + timedelta(hours=1))

    purged = await purge_old_text(any_db, clock, keep_days=365, closed_idea_states=CLOSED)

    assert purged == Purged(answers=1, ideas=2)
    async with any_db.transaction() as session:
        old = await session.get(Response, rows["old"])
        recent = await session.get(Response, rows["recent"])
        assert old is not None and recent is not None
        assert (old.text, old.scale_value, old.purged_at) == (None, 2, clock.now())
        assert (recent.text, recent.purged_at) == ("Teaching residents", None)
        assert await session.scalar(select(func.count()).select_from(Response)) == 2
        [coding] = (await session.scalars(select(Coding))).all()
        assert (coding.response_id, coding.polarity) == (rows["old"], "barrier")
        texts = {
            name: (await session.get(Idea, rows[name]))
            for name in rows
            if name not in {"old", "recent"}
        }
        assert {name: idea.text for name, idea in texts.items() if idea} == {
            "open": "the open idea",  # leaders still work on it
            "declined": "",
            "shared": "",
            "closed_lately": "the closed_lately idea",
        }
        assert {name: idea.state for name, idea in texts.items() if idea}["declined"] == "declined"


async def test_each_run_is_audited_with_counts_and_a_second_run_purges_nothing(
    any_db: Database,
) -> None:
    await _seed(any_db)
    clock = FixedClock(ANSWERED + YEAR + timedelta(hours=1))
    await purge_old_text(any_db, clock, keep_days=365, closed_idea_states=CLOSED)

    again = await purge_old_text(any_db, clock, keep_days=365, closed_idea_states=CLOSED)
    clock.advance(timedelta(days=364))
    later = await purge_old_text(any_db, clock, keep_days=365, closed_idea_states=CLOSED)

    assert again == Purged(answers=0, ideas=0)
    assert later == Purged(answers=1, ideas=1)  # the recent ones are a year old now
    async with any_db.transaction() as session:
        entries = await AuditRepository(session).entries(AuditFilter(actions=["retention.purge"]))
    assert [entry.detail for entry in entries] == [
        {"answers": 1, "ideas": 1, "keep_days": 365, "via": "retention"},
        {"answers": 0, "ideas": 0, "keep_days": 365, "via": "retention"},
        {"answers": 1, "ideas": 2, "keep_days": 365, "via": "retention"},
    ]
    assert entries[0].created_at == clock.now()
    assert "Charting" not in repr([entry.detail for entry in entries])  # how many, not which


async def test_nothing_within_the_retention_period_is_touched(any_db: Database) -> None:
    await _seed(any_db)
    clock = FixedClock(ANSWERED + YEAR - timedelta(hours=1))

    assert await purge_old_text(any_db, clock, keep_days=365, closed_idea_states=CLOSED) == Purged(
        0, 0
    )


def test_the_retention_period_is_a_year_unless_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("THRIVE_RETENTION_DAYS", raising=False)
    assert load_settings(_env_file=None).retention_days == 365
    monkeypatch.setenv("THRIVE_RETENTION_DAYS", "90")
    assert load_settings(_env_file=None).retention_days == 90
