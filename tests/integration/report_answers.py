"""Recent coded answers for the chat `report` on each platform: enough people in the
last few days for the summary to show figures and a chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.engine import Database
from tests.storage.matrix_rows import Answers, coder, organisation

PEOPLE = 8


async def seed_recent_answers(
    database: Database, platform: str, workspace: str, now: datetime
) -> None:
    """Eight people answered joy-more two days ago: staffing as a barrier, each of them."""
    async with database.transaction() as session:
        answers = Answers(session, await organisation(session, platform, workspace))
        for n in range(PEOPLE):
            await answers.answer(
                f"recent-{n}",
                f"not enough staff on the ward, week {n}",
                coder("staffing", "barrier", 0.8),
                when=now - timedelta(days=2),
            )
