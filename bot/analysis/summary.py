"""The chat `summary` (or `matrix`): the top themes of each question, for leaders and
the wellness lead, through the same suppression rule as the full matrix."""

from __future__ import annotations

from bot.analysis.matrix import Matrix, build
from bot.context import Turn
from bot.messages import OutboundMessage
from bot.privacy import Thresholds
from storage.analysis import AnalysisRepository, AnswerScope

TOP_THEMES = 3


async def summary(turn: Turn) -> list[OutboundMessage]:
    """One short message: each question's most mentioned themes, small groups hidden."""
    if not await AnalysisRepository(turn.session).has_answers(turn.organisation_id):
        return [OutboundMessage(text=turn.say("analysis.no_answers"))]
    thresholds = Thresholds(turn.ctx.min_group_size, turn.ctx.min_group_size_comments)
    matrix = await build(
        turn.session, turn.ctx.content, thresholds, AnswerScope(turn.organisation_id)
    )
    if matrix.empty:
        return [OutboundMessage(text=turn.say("analysis.no_answers"))]
    return [OutboundMessage(text="\n".join(summary_lines(turn, matrix)))]


def summary_lines(turn: Turn, matrix: Matrix) -> list[str]:
    labels = {theme.id: theme.label.split(" (")[0] for theme in matrix.themes}
    lines = [turn.say("analysis.summary_header", minimum=matrix.thresholds.figures)]
    for row in matrix.rows:
        if row.respondents is None:
            lines.append(
                turn.say(
                    "analysis.summary_question_few",
                    question=row.question,
                    minimum=matrix.thresholds.figures,
                )
            )
            lines.append(turn.say("analysis.summary_hidden"))
            continue
        lines.append(
            turn.say(
                "analysis.summary_question", question=row.question, respondents=row.respondents
            )
        )
        top = sorted(
            (cell for cell in row.cells if cell.respondents),
            key=lambda cell: (-(cell.respondents or 0), cell.theme_id),
        )[:TOP_THEMES]
        if not top:
            lines.append(turn.say("analysis.summary_nothing_shown"))
        for cell in top:
            lines.append(
                turn.say(
                    "analysis.summary_theme",
                    theme=labels[cell.theme_id],
                    percent=round(cell.percent or 0),
                    barriers="-" if cell.barrier is None else cell.barrier,
                    enablers="-" if cell.enabler is None else cell.enabler,
                )
            )
    lines.append(turn.say("analysis.summary_more"))
    return lines
