"""The report's charts are read on a phone: no question heading runs off the picture,
even beside the codebook's longest theme labels."""

from __future__ import annotations

import io

from PIL import Image

from bot.context import BotContext
from bot.reports import charts
from storage.engine import Database
from tests.unit.bot.reports.report_data import known_report


def _ink_at_right_edge(png: bytes) -> int:
    """How many pixels of the last columns are not white: clipped text leaves some."""
    with Image.open(io.BytesIO(png)) as picture:
        grey = picture.convert("L")
        width, height = grey.size
        edge = grey.crop((width - 4, 0, width, height))
        return sum(1 for value in edge.tobytes() if value < 200)


async def test_long_questions_wrap_inside_the_chart(sqlite_db: Database, ctx: BotContext) -> None:
    report = await known_report(sqlite_db, ctx)
    # The longest labels the demo's codebook has, beside the demo's longest question.
    report.__dict__["_labels"] = {
        theme.id: "Scope of practice and procedural skills" for theme in report.matrix.themes
    }

    png = charts.theme_frequency(report, ctx.say, title=ctx.say("report.chat.chart_title", days=30))

    assert _ink_at_right_edge(png) == 0
    assert _ink_at_right_edge(charts.theme_trend(report, ctx.say)) == 0
    assert _ink_at_right_edge(charts.participation_by_site(report, ctx.say)) == 0
