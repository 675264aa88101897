"""One entry point for every format: the report laid out as the bytes of a file."""

from __future__ import annotations

from bot.messages import Say
from bot.reports.building import Report
from bot.reports.html_report import to_html
from bot.reports.refi import to_qdc, to_qdpx
from bot.reports.text_formats import to_csv, to_markdown
from bot.reports.xlsx import to_xlsx

FORMATS = ("xlsx", "html", "csv", "md", "qdc", "qdpx")


def render(report: Report, format_: str, say: Say) -> bytes:
    match format_:
        case "xlsx":
            return to_xlsx(report, say)
        case "html":
            return to_html(report, say).encode()
        case "csv":
            return to_csv(report, say).encode()
        case "md":
            return to_markdown(report, say).encode()
        case "qdc":
            return to_qdc(report).encode()
        case "qdpx":
            return to_qdpx(report, say)
    raise ValueError(f"unknown report format {format_!r}")
