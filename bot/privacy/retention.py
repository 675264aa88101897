"""Retention: raw answer text is kept for a set number of days, then emptied.

Codes, scale values, choices and the rows themselves stay, so the matrix and every
count read the same after a purge. Ideas keep their text while open (leaders still work
on them); a closed one (declined, implemented, shared) is emptied once it has not moved
for the same period. Each run is audited with how many rows it emptied, never which.
The leader's scheduler runs it daily (thrive.scheduling); it is idempotent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.privacy.audit import Actor, Audited, record
from storage.answers import AnswerRepository
from storage.engine import Database
from storage.ideas import IdeaRepository

RETENTION = Actor("retention")


@dataclass(frozen=True)
class Purged:
    answers: int
    ideas: int


async def purge_old_text(
    database: Database, clock: Clock, *, keep_days: int, closed_idea_states: Collection[str]
) -> Purged:
    """Empty the text older than `keep_days` (by the injected clock), in one transaction
    with its audit entry."""
    now = clock.now()
    cutoff = now - timedelta(days=keep_days)
    async with database.transaction() as session:
        answers = await AnswerRepository(session).purge_text_before(cutoff, now=now)
        ideas = await IdeaRepository(session).purge_closed_text_before(
            cutoff, closed_idea_states, now=now
        )
        await record(
            session,
            Audited.TEXT_PURGED,
            by=RETENTION,
            now=now,
            organisation_id=None,
            subject="retention",
            detail={"answers": answers, "ideas": ideas, "keep_days": keep_days},
        )
    return Purged(answers, ideas)
