"""The reports room: the matrix as files people read and tools import, and in chat.

Owns building a report from the matrix (building.py: the matrix of the view, its trend
over periods, participation, the pathway's ideas and, for those allowed raw data, the
coded answers), the charts drawn from it (charts.py), and one renderer per format that
only lays the report out: XLSX, self-contained HTML, CSV, Markdown, and the REFI-QDA
codebook (.qdc) and project (.qdpx). Also the chat `report` (chat.py) and the summary a
wellness lead has posted to the leaders on a schedule. Every figure comes from the
matrix or participation, both through the one suppression rule; nothing here counts.

May import: the neutral model, storage, prompts, bot.analysis (the matrix), bot.privacy
(the suppression rule and the audit log), bot.pulses.participation (response rates),
bot.outbox (the scheduled summary goes out through it) and bot.people (the leaders).
"""

from bot.reports.building import Report, ReportRequest, build_report
from bot.reports.chat import chat_report, report_command
from bot.reports.schedule import schedule_command, send_due_reports

__all__ = [
    "Report",
    "ReportRequest",
    "build_report",
    "chat_report",
    "report_command",
    "schedule_command",
    "send_due_reports",
]
