"""A report built from the matrix tests' known answers, on a real SQLite file."""

from __future__ import annotations

from bot.context import BotContext
from bot.reports import Report, ReportRequest, build_report
from storage.analysis import AnswerScope, Breakdown
from storage.engine import Database
from tests.storage.matrix_rows import SINCE, UNTIL, seed_known_answers


async def known_report(
    database: Database,
    ctx: BotContext,
    *,
    raw: bool = True,
    by: Breakdown | None = None,
    site: str | None = None,
    seed: bool = True,
) -> Report:
    """The report of the known answers (tests.storage.matrix_rows) in SINCE..UNTIL."""
    organisation = await seed_known_answers(database) if seed else 1
    async with database.transaction() as session:
        request = ReportRequest(
            AnswerScope(organisation, since=SINCE, until=UNTIL, site=site),
            "Riverside",
            by,
            raw=raw,
        )
        return await build_report(session, ctx, request, ctx.clock.now())
