"""No black hole: ideas nobody has triaged for `idea_triage_days` (14 by default) come
back to the organisation's leaders in a weekly nudge, oldest first, where they read new
ideas' cards. One nudge per organisation per ISO week (storage.digests), so a job that
fires twice nudges once. The nudge names no submitter."""

from __future__ import annotations

from datetime import timedelta

from bot.context import BotContext, Desk, Scope
from bot.messages import OutboundMessage
from bot.outbox.announcements import queue_for_leaders
from bot.pathway.board import board_line
from bot.pathway.digest import send_due_digests
from bot.pathway.states import TRIAGE
from storage.digests import MailingRepository
from storage.engine import Database
from storage.organisations import OrganisationRepository

NUDGE = "nudge"
EVERY = timedelta(days=7)
SHOWN = 15


async def nudge_all(database: Database, ctx: BotContext) -> int:
    """The weekly job: nudge every organisation's leaders about ideas left waiting.
    The number of organisations nudged."""
    now = ctx.clock.now()
    async with database.transaction() as session:
        organisations = [o.id for o in await OrganisationRepository(session).all()]
    nudged = 0
    for organisation_id in organisations:
        async with database.transaction() as session:
            if await nudge(Desk(ctx, session, organisation_id, now)):
                nudged += 1
    return nudged


async def nudge(scope: Scope) -> bool:
    """Queue this week's nudge if any idea has waited too long; False if none has, or
    this week's nudge already went."""
    before = scope.now - timedelta(days=scope.ctx.idea_triage_days)
    waiting = await scope.ideas.waiting_since(scope.organisation_id, TRIAGE, before)
    if not waiting:
        return False
    year, week, _ = scope.now.isocalendar()
    period = f"{year}-W{week:02d}"
    mailings = MailingRepository(scope.session)
    if not await mailings.claim(scope.organisation_id, NUDGE, period, None, scope.now):
        return False
    votes = await scope.ideas.vote_counts([idea.id for idea in waiting])
    lines = [
        scope.say("nudge.header", count=len(waiting), days=scope.ctx.idea_triage_days),
        *[await board_line(scope, idea, votes.get(idea.id, 0)) for idea in waiting[:SHOWN]],
        scope.say("nudge.footer"),
    ]
    await queue_for_leaders(scope, OutboundMessage(text="\n".join(lines)))
    return True


async def pathway_mailings(database: Database, ctx: BotContext) -> dict[str, int]:
    """The scheduler's hourly look: digests that are due, and this week's nudges."""
    digests = await send_due_digests(database, ctx)
    nudges = await nudge_all(database, ctx)
    return {"digests": digests, "nudges": nudges}
