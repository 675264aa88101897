"""The report's charts, drawn with matplotlib off screen (Agg, one Figure each, no
pyplot state shared between threads) as PNG bytes. Each draws only figures the report
already shows; a chart with nothing safe to draw says so in its place."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from bot.messages import Say
from bot.reports.building import Report
from bot.reports.layout import short, spoken

TOP = 5
DPI = 100
BARRIER_COLOUR = "#c0504d"
ENABLER_COLOUR = "#4f81bd"
BAR_COLOUR = "#5b7fa6"
# Characters of a question heading per line: what fits beside the longest theme label.
HEADING_WIDTH = 52


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)  # laid out by tight_layout: one draw less
    return out.getvalue()


def compact(png: bytes, colours: int = 32) -> bytes:
    """The same picture in a palette of a few colours: a bar chart loses nothing a
    reader sees, and the file shrinks to fit a Teams card (about 28 KB in all)."""
    with PILImage.open(io.BytesIO(png)) as picture:
        fewer = picture.convert("RGB").quantize(colors=colours)
        out = io.BytesIO()
        fewer.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _empty(title: str, say: Say) -> bytes:
    figure = Figure(figsize=(6, 1.6))
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title, loc="left", fontsize=11)
    axes.text(0.5, 0.4, say("report.nothing_yet"), ha="center", va="center", color="#555")
    return _png(figure)


def _wrap(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def theme_frequency(report: Report, say: Say, title: str | None = None) -> bytes:
    """Per question, its top themes as % of the people who answered it: one axes, each
    question's name above its bars (one axes draws far faster than one per question)."""
    title = title or say("report.chart.frequency")
    questions = []
    for row in report.matrix.rows:
        if row.group is not None or row.respondents is None:
            continue
        top = sorted(
            (cell for cell in row.cells if cell.respondents),
            key=lambda cell: (-(cell.percent or 0), cell.theme_id),
        )[:TOP]
        if top:
            questions.append((row.question, top))
    if not questions:
        return _empty(title, say)
    labels: list[str] = []
    values: list[float] = []
    headings: list[int] = []
    lines_of: list[list[str]] = []
    for question, top in questions:
        # The question, wrapped to the bars' width (never clipped at the edge), is written
        # across rows of its own, one a line, not as a tick.
        lines = textwrap.wrap(question, HEADING_WIDTH) or [""]
        lines_of.append(lines)
        for _ in lines:
            headings.append(len(labels))
            labels.append("")
            values.append(0.0)
        for cell in top:
            labels.append(short(report.label(cell.theme_id)))
            values.append(cell.percent or 0)
    positions = list(range(len(labels)))[::-1]  # the first question at the top
    figure = Figure(figsize=(9, 0.9 + 0.34 * len(labels)))
    axes = figure.add_subplot()
    bars = [index for index in range(len(labels)) if index not in headings]
    drawn = axes.barh(
        [positions[index] for index in bars], [values[index] for index in bars], color=BAR_COLOUR
    )
    axes.bar_label(drawn, labels=[f"{values[index]:g}%" for index in bars], padding=3, fontsize=10)
    axes.set_yticks(positions, labels, fontsize=10)
    heading_rows = iter(headings)
    for lines in lines_of:
        rows = [positions[next(heading_rows)] for _ in lines]
        axes.text(
            0,
            sum(rows) / len(rows),  # the lines together, centred on their rows
            "\n".join(lines),
            fontsize=10.5,
            fontweight="bold",
            va="center",
            ha="left",
        )
    axes.set_xlim(0, 110)
    axes.tick_params(axis="x", labelsize=10)
    figure.suptitle(_wrap(title, 80), x=0.01, ha="left", fontsize=13)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="y", length=0)
    figure.tight_layout()
    return _png(figure)


def theme_trend(report: Report, say: Say) -> bytes:
    """The busiest question's top themes, % of people, period by period."""
    shown_rows = [
        row for row in report.matrix.rows if row.group is None and row.respondents is not None
    ]
    if not shown_rows or len(report.trend) < 2:
        return _empty(say("report.chart.trend", question="-"), say)
    busiest = max(shown_rows, key=lambda row: (row.respondents or 0, row.question_id))
    title = say("report.chart.trend", question=_wrap(busiest.question, 50))
    top = [
        cell.theme_id
        for cell in sorted(
            (cell for cell in busiest.cells if cell.respondents),
            key=lambda cell: (-(cell.respondents or 0), cell.theme_id),
        )[:TOP]
    ]
    series: dict[str, list[float | None]] = {theme: [] for theme in top}
    labels = [period.label for period in report.trend]
    for period in report.trend:
        row = next(
            (
                found
                for found in (period.matrix.rows if period.matrix else ())
                if found.question_id == busiest.question_id and found.group is None
            ),
            None,
        )
        for theme in top:
            cell = (
                next((c for c in row.cells if c.theme_id == theme), None)
                if row is not None and row.respondents is not None
                else None
            )
            series[theme].append(cell.percent if cell is not None else None)
    if not any(value is not None for values in series.values() for value in values):
        return _empty(title, say)
    figure = Figure(figsize=(8, 3.6))
    axes = figure.add_subplot()
    for theme, values in series.items():
        axes.plot(
            labels,
            [float("nan") if value is None else value for value in values],
            marker="o",
            label=short(report.label(theme)),
        )
    axes.set_title(title, loc="left", fontsize=11)
    axes.set_ylabel("%")
    axes.set_ylim(0, 100)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return _png(figure)


def participation_by_site(report: Report, say: Say) -> bytes:
    """Response rate per occurrence, one line per site (and everyone), shown ones only."""
    title = say("report.chart.participation")
    lines: dict[str, dict[str, float]] = {}
    moments: list[str] = []
    for line in report.participation:
        moment = line.opened_at.strftime("%Y-%m-%d")
        if moment not in moments:
            moments.append(moment)
        if line.rate is None:
            continue
        name = say("report.chart.everyone") if line.site is None else line.site or "-"
        lines.setdefault(name, {})[moment] = round(100 * line.rate, 1)
    if not lines:
        return _empty(title, say)
    figure = Figure(figsize=(8, 3.6))
    axes = figure.add_subplot()
    for name, values in sorted(lines.items()):
        axes.plot(
            moments,
            [values.get(moment, float("nan")) for moment in moments],
            marker="o",
            label=name,
        )
    axes.set_title(title, loc="left", fontsize=11)
    axes.set_ylabel("%")
    axes.set_ylim(0, 100)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return _png(figure)


def balance(report: Report, say: Say) -> bytes:
    """Per theme, the people who spoke of it as a barrier (left) and as an enabler
    (right), summed over the questions where each side may be shown."""
    title = say("report.chart.balance")
    totals: dict[str, list[int]] = {}
    for index, theme in spoken(report):
        for row in report.matrix.rows:
            if row.group is not None or row.respondents is None:
                continue
            cell = row.cells[index]
            sides = totals.setdefault(theme.id, [0, 0])
            sides[0] += cell.barrier or 0
            sides[1] += cell.enabler or 0
    ordered = sorted(
        ((theme, sides) for theme, sides in totals.items() if sum(sides)),
        key=lambda item: (-sum(item[1]), item[0]),
    )[:12]
    if not ordered:
        return _empty(title, say)
    ordered.reverse()
    labels: Sequence[str] = [short(report.label(theme)) for theme, _ in ordered]
    figure = Figure(figsize=(8, 0.8 + 0.35 * len(ordered)))
    axes = figure.add_subplot()
    axes.barh(
        labels,
        [-sides[0] for _, sides in ordered],
        color=BARRIER_COLOUR,
        label=say("report.chart.barrier"),
    )
    axes.barh(
        labels,
        [sides[1] for _, sides in ordered],
        color=ENABLER_COLOUR,
        label=say("report.chart.enabler"),
    )
    axes.axvline(0, color="#333", linewidth=0.8)
    axes.xaxis.set_major_formatter(lambda value, _: f"{abs(value):g}")
    axes.set_title(title, loc="left", fontsize=11)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return _png(figure)
