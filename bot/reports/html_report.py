"""The report as one self-contained HTML file: the matrix as a heat-map table and four
charts (PNG data URIs), styles inline, no script, and a Content-Security-Policy that
forbids fetching anything, so it opens the same with no network."""

from __future__ import annotations

import base64
from html import escape

from bot.messages import Say
from bot.reports import charts
from bot.reports.building import Report
from bot.reports.layout import group_name, heading_lines, linked_ideas, short, spoken, theme_lines

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2733;
max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}p.note{color:#4a5563;margin:.2rem 0}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #d5dbe3;padding:.3rem .45rem}
th{background:#eef2f7;text-align:left;vertical-align:bottom}td.n{text-align:right}
td.hidden{color:#7a8594;text-align:center}tr.group td:first-child{padding-left:1.5rem}
.too-few{background:#fff4e0;border:1px solid #f0c36d;padding:.8rem}
figure{margin:1rem 0}figure img{max-width:100%}blockquote{margin:.2rem 0 .2rem 1rem;color:#333}
"""


def _heat(percent: float) -> str:
    """A white-to-blue background for a percentage, dark text kept readable."""
    strength = max(0.0, min(percent, 100.0)) / 100
    red = int(255 - strength * 170)
    green = int(255 - strength * 120)
    return f"background:rgb({red},{green},255)"


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def to_html(report: Report, say: Say) -> str:
    head = heading_lines(report, say)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        f"<title>{escape(head[0])}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(head[0])}</h1>",
    ]
    parts += [f'<p class="note">{escape(line)}</p>' for line in head[1:3]]
    if report.too_few:
        parts.append(f'<p class="too-few" role="status">{escape(head[3])}</p>')
        parts.append("</body></html>")
        return "\n".join(parts)
    parts.append(f"<h2>{escape(say('report.heading.matrix'))}</h2>")
    parts.append(matrix_table(report, say))
    parts.append(f"<h2>{escape(say('report.heading.charts'))}</h2>")
    for title, png in (
        (say("report.chart.frequency"), charts.theme_frequency(report, say)),
        (say("report.chart.trend", question=""), charts.theme_trend(report, say)),
        (say("report.chart.participation"), charts.participation_by_site(report, say)),
        (say("report.chart.balance"), charts.balance(report, say)),
    ):
        parts.append(_image(png, title))
    parts.append(_themes(report, say))
    parts.append(_ideas(report, say))
    parts.append("</body></html>")
    return "\n".join(parts)


def matrix_table(report: Report, say: Say) -> str:
    themes = spoken(report)
    hidden = escape(say("report.hidden", minimum=report.minimum))
    rows = [
        "<table class=matrix><thead><tr>"
        f"<th>{escape(say('report.column.question'))}</th>"
        f"<th>{escape(say('report.column.group'))}</th>"
        f"<th>{escape(say('report.column.respondents'))}</th>"
        + "".join(f'<th title="{escape(t.label)}">{escape(short(t.label))}</th>' for _, t in themes)
        + "</tr></thead><tbody>"
    ]
    for row in report.matrix.rows:
        group = row.group is not None
        cells = [
            f"<td>{'' if group else escape(row.question)}</td>",
            f"<td>{escape(group_name(row, say))}</td>",
        ]
        if row.respondents is None:
            cells.append(f'<td class="hidden" data-figure="respondents">{hidden}</td>')
            cells += ["<td></td>" for _ in themes]
        else:
            cells.append(f'<td class="n" data-figure="respondents">{row.respondents}</td>')
            for index, theme in themes:
                cell = row.cells[index]
                key = f'data-theme="{escape(theme.id)}"'
                if cell.respondents is None:
                    cells.append(f'<td class="hidden" {key}>{hidden}</td>')
                else:
                    cells.append(
                        f'<td class="n" {key} data-people="{cell.respondents}" '
                        f'style="{_heat(cell.percent or 0)}">'
                        f"{cell.respondents} ({cell.percent:g}%)</td>"
                    )
        rows.append(
            f'<tr class="{"group" if group else "question"}" '
            f'data-question="{escape(row.question_id)}" '
            f'data-group="{escape("" if row.group is None else row.group)}">'
            + "".join(cells)
            + "</tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _themes(report: Report, say: Say) -> str:
    parts = [f"<h2>{escape(say('report.heading.themes'))}</h2>"]
    for line in theme_lines(report):
        if not line.cell.quotes:
            continue
        ideas = ", ".join(f"#{idea}" for idea in linked_ideas(report, line.theme.id))
        parts.append(
            f"<h3>{escape(short(line.theme.label))} · {escape(line.row.question)}</h3>"
            + (
                f'<p class="note">{escape(say("report.column.linked_ideas"))}: {ideas}</p>'
                if ideas
                else ""
            )
            + "".join(f"<blockquote>“{escape(quote)}”</blockquote>" for quote in line.cell.quotes)
        )
    return "\n".join(parts) if len(parts) > 1 else ""


def _ideas(report: Report, say: Say) -> str:
    if not report.ideas:
        return ""
    header = "".join(
        f"<th>{escape(say(key))}</th>"
        for key in (
            "report.column.idea",
            "report.column.state",
            "report.column.text",
            "report.column.votes",
            "report.column.themes",
        )
    )
    rows = [
        f"<tr><td>#{idea.idea_id}</td><td>{escape(idea.state)}</td><td>{escape(idea.text)}</td>"
        f'<td class="n">{idea.votes}</td>'
        f"<td>{escape('; '.join(short(report.label(t)) for t in idea.theme_ids))}</td></tr>"
        for idea in report.ideas
    ]
    return (
        f"<h2>{escape(say('report.heading.ideas'))}</h2><table><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
