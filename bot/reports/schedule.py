"""The summary a wellness lead has posted to the leaders on a schedule (every week or,
by default, every month): set or stopped in chat, sent by the scheduler's leader
through the outbox like every proactive message, to the leaders of each workspace of
the organisation (each platform's adapter knows where they read).

A report missed while no process ran is sent once when one does, never once per
period missed.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import replace
from datetime import datetime, timedelta

from bot.context import BotContext, Turn
from bot.messages import OutboundMessage
from bot.outbox.announcements import queue_for_leaders_of
from bot.reports.chat import chat_report
from storage.engine import Database
from storage.report_schedules import ReportScheduleRepository

WEEK = "week"
MONTH = "month"
EVERY = (WEEK, MONTH)
OFF = "off"


def next_after(moment: datetime, every: str) -> datetime:
    """A week later, or the same day of the next month (its last day if shorter)."""
    if every == WEEK:
        return moment + timedelta(days=7)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


async def schedule_command(turn: Turn, argument: str) -> list[OutboundMessage]:
    """`report every week|month` sets it (the first one period from now); `report off`
    stops it."""
    schedules = ReportScheduleRepository(turn.session)
    if argument == OFF:
        removed = await schedules.remove(turn.organisation_id)
        return [
            OutboundMessage(
                text=turn.say("report.schedule.off" if removed else "report.schedule.none")
            )
        ]
    every = argument if argument in EVERY else MONTH
    next_at = next_after(turn.now, every)
    await schedules.set(turn.organisation_id, every, next_at, turn.person.id, turn.now)
    return [
        OutboundMessage(
            text=turn.say(
                "report.schedule.set",
                every=turn.say(f"report.every.{every}"),
                next=next_at.date().isoformat(),
            )
        )
    ]


async def send_due_reports(database: Database, ctx: BotContext) -> int:
    """Queue every due report for the leaders; how many notifications were queued."""
    now = ctx.clock.now()
    queued = 0
    async with database.transaction() as session:
        for schedule in await ReportScheduleRepository(session).due(now):
            message = await chat_report(session, ctx, schedule.organisation_id, now)
            heading = ctx.say(
                "report.chat.scheduled", every=ctx.say(f"report.every.{schedule.every}")
            )
            message = replace(message, text=f"{heading}\n{message.text}")
            queued += await queue_for_leaders_of(session, schedule.organisation_id, message, now)
            next_at = schedule.next_at
            while next_at <= now:
                next_at = next_after(next_at, schedule.every)
            schedule.next_at = next_at
    return queued
