"""The chat `report`: this period's top themes per question, the change since the
period before, participation, and one chart, for leaders and the wellness lead.

The same report the files are built from (building.py), for the last PERIOD_DAYS and
without answers' words, so every figure has been through the suppression rule; a view
too small says so and shows no chart. The scheduled summary posts the same message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext, Turn
from bot.messages import Image, OutboundMessage
from bot.reports.building import Report, ReportRequest, build_report
from bot.reports.layout import short
from storage.analysis import AnalysisRepository, AnswerScope

PERIOD_DAYS = 30
TOP_THEMES = 3


async def report_command(turn: Turn) -> list[OutboundMessage]:
    return [await chat_report(turn.session, turn.ctx, turn.organisation_id, turn.now)]


async def chat_report(
    session: AsyncSession, ctx: BotContext, organisation_id: int, now: datetime
) -> OutboundMessage:
    """The summary message with its chart (or why there is nothing to show)."""
    if not await AnalysisRepository(session).has_answers(organisation_id):
        return OutboundMessage(text=ctx.say("analysis.no_answers"))
    scope = AnswerScope(organisation_id, since=now - timedelta(days=PERIOD_DAYS), until=now)
    report = await build_report(session, ctx, ReportRequest(scope, "", trend=False), now)
    if report.matrix.empty:
        return OutboundMessage(text=ctx.say("report.chat.no_answers", days=PERIOD_DAYS))
    if report.too_few:
        # Chat has no filter to widen, so the chat wording points to waiting instead.
        return OutboundMessage(
            text=ctx.say("report.chat.too_few", days=PERIOD_DAYS, minimum=report.minimum)
        )
    # matplotlib is imported when a chart is first drawn, not at every start (0.7 s).
    from bot.reports import charts

    png = charts.compact(
        charts.theme_frequency(
            report, ctx.say, title=ctx.say("report.chat.chart_title", days=PERIOD_DAYS)
        )
    )
    return OutboundMessage(
        text="\n".join(summary_lines(ctx, report)),
        image=Image(
            data=png,
            alt=ctx.say("report.chat.chart_alt", days=PERIOD_DAYS),
            title=ctx.say("report.chat.chart_title", days=PERIOD_DAYS),
            filename="thrive-report.png",
        ),
    )


def summary_lines(ctx: BotContext, report: Report) -> list[str]:
    lines = [ctx.say("report.chat.header", days=PERIOD_DAYS, minimum=report.minimum)]
    for row in report.matrix.rows:
        if row.group is not None:
            continue
        if row.respondents is None:
            lines.append(
                ctx.say("report.chat.question_few", question=row.question, minimum=report.minimum)
            )
            lines.append(ctx.say("report.chat.hidden"))
            continue
        lines.append(
            ctx.say("report.chat.question", question=row.question, respondents=row.respondents)
        )
        top = sorted(
            (cell for cell in row.cells if cell.respondents),
            key=lambda cell: (-(cell.respondents or 0), cell.theme_id),
        )[:TOP_THEMES]
        if not top:
            lines.append(ctx.say("report.chat.nothing_shown"))
        for cell in top:
            theme = short(report.label(cell.theme_id))
            percent = round(cell.percent or 0)
            if cell.change is None:
                lines.append(ctx.say("report.chat.theme", theme=theme, percent=percent))
                continue
            lines.append(
                ctx.say(
                    "report.chat.theme_change",
                    theme=theme,
                    percent=percent,
                    change=f"{cell.change:+g}",
                    days=PERIOD_DAYS,
                )
            )
    lines.append(participation_line(ctx, report))
    lines.append(ctx.say("report.chat.more"))
    return lines


def participation_line(ctx: BotContext, report: Report) -> str:
    """Everyone's participation over the period's occurrences: the sum of those whose
    figures may be shown (each passed the rule), or why there is none."""
    whole = [line for line in report.participation if line.site is None]
    if not whole:
        return ctx.say("report.chat.participation_none")
    shown = [line for line in whole if line.sent is not None and line.answered is not None]
    sent = sum(line.sent or 0 for line in shown)
    if not shown or not sent:
        return ctx.say("report.chat.participation_hidden")
    answered = sum(line.answered or 0 for line in shown)
    return ctx.say(
        "report.chat.participation",
        answered=answered,
        sent=sent,
        percent=round(100 * answered / sent),
    )
