"""`thrive report`: the matrix as a file people read or a QDA tool imports.

    $ thrive report --format xlsx --out report.xlsx --since 2026-01-01
    $ thrive report --format html --out report.html --by site
    $ thrive report --format qdpx --out answers.qdpx    # NVivo, ATLAS.ti, MAXQDA, QualCoder

Every figure passes through the suppression rule (bot.privacy). The operator is trusted
as an admin, so XLSX and HTML carry quotes (and XLSX the Summary sheet of coded answers)
unless `--no-answers`; a .qdpx is the answers. Any file carrying answers' words is
recorded in the audit log with the format and the filters.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.privacy.audit import Audited, record
from bot.reports import Report, ReportRequest, build_report
from storage.analysis import AnalysisRepository, Breakdown
from thrive.answer_scope import answer_scope, period
from thrive.console import OrgOption, operator, out, with_core
from thrive.runtime import Core


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    HTML = "html"
    CSV = "csv"
    MD = "md"
    QDC = "qdc"
    QDPX = "qdpx"


class By(StrEnum):
    SITE = "site"
    ROLE = "role"


# Which formats can carry answers' own words.
CARRIES_ANSWERS = {ReportFormat.XLSX, ReportFormat.HTML, ReportFormat.QDPX}


def report(
    format_: Annotated[
        ReportFormat, typer.Option("--format", help="xlsx, html, csv, md, qdc or qdpx.")
    ],
    out_path: Annotated[Path, typer.Option("--out", metavar="PATH", help="The file to write.")],
    org: OrgOption = None,
    pulse: Annotated[str | None, typer.Option(metavar="NAME", help="One pulse's answers.")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], metavar="DATE", help="Answers from this day (UTC)."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], metavar="DATE", help="Answers up to and including this day."
        ),
    ] = None,
    by: Annotated[
        By | None, typer.Option(help="A row per site or role under each question.")
    ] = None,
    site: Annotated[str | None, typer.Option(help="One site's answers.")] = None,
    role: Annotated[str | None, typer.Option(help="One role's answers.")] = None,
    answers: Annotated[
        bool,
        typer.Option(
            help="Include answers' words (quotes; XLSX's Summary sheet). Recorded in the audit log."
        ),
    ] = True,
) -> None:
    """Write the report: the matrix, themes, ideas, participation and charts."""
    if format_ == ReportFormat.QDPX and not answers:
        raise typer.BadParameter("a .qdpx project is the answers", param_hint="'--no-answers'")
    start, end = period(since, until)
    raw = answers and format_ in CARRIES_ANSWERS

    async def work(core: Core) -> tuple[bytes, Report | None, str]:
        async with core.database.transaction() as session:
            now = core.ctx.clock.now()
            organisation, scope = await answer_scope(
                session, org, pulse, start, end, site=site, role=role, now=now
            )
            breakdown: Breakdown | None = "site" if by == By.SITE else "role" if by else None
            request = ReportRequest(
                scope,
                organisation.name,
                breakdown,
                raw=raw,
                answers=format_ in (ReportFormat.XLSX, ReportFormat.QDPX),  # Summary, sources
                pulse=pulse,
                trend=format_ == ReportFormat.HTML,  # only its chart shows the trend
            )
            if not await AnalysisRepository(session).has_answers(organisation.id):
                return b"", None, core.ctx.say("analysis.no_answers")
            found = await build_report(session, core.ctx, request, now)
            if found.raw and not found.too_few:
                await record(
                    session,
                    Audited.REPORT_EXPORTED,
                    by=operator(),
                    now=now,
                    organisation_id=organisation.id,
                    subject=f"organisation:{organisation.id}",
                    detail={
                        "command": "report",
                        "format": format_.value,
                        "answers": len(found.answers or ()),
                        "quotes": found.matrix.quotes_shown,
                        **request.filters(),
                    },
                )
            note = core.ctx.say("report.too_few", minimum=found.minimum) if found.too_few else ""
            from bot.reports.render import render  # matplotlib and openpyxl: only when asked

            return render(found, format_.value, core.ctx.say), found, note

    data, found, note = with_core(work)
    if found is None:
        out.print(note, highlight=False, markup=False)
        raise typer.Exit(1)
    out_path.write_bytes(data)
    out.print(f"Wrote {out_path} ({len(data):,} bytes).", highlight=False, markup=False)
    if note:
        out.print(note, highlight=False, markup=False)
