"""`thrive analysis ...`: what clinicians' answers say, for the wellness lead.

`recode` codes every answer and idea again with its organisation's codebook (the shipped
themes plus the ones it accepted; a person's codes stay and win); `review` shows the
least certain codes first to confirm or correct; `export-codes` and `import-codes` do
the same with a sheet; `agreement` says how often the coder agrees with people. Every
look at answers' words is in the audit log with who ran it. The other parts register
their commands on this sub-app from thrive/cli.py (the matrix:
thrive/analysis_matrix_cli.py; emerging themes: thrive/analysis_emerging_cli.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.analysis import codebook_of, recode_all
from bot.analysis.coding import Recoded
from bot.analysis.review import (
    EXPORTED,
    SHEET_COLUMNS,
    VIEWED,
    CodesProblem,
    Imported,
    PeopleAgreement,
    agreement_with_people,
    audit_view,
    confirm,
    correct,
    import_codes,
    parse_themes,
    shown,
    to_review,
)
from bot.people.organisations import resolve_organisation
from bot.privacy import redact
from storage.codings import CodingRepository
from thrive.console import OrgOption, err, login_name, with_core
from thrive.runtime import Core
from thrive.sheets import SheetError, check_suffix, read_sheet, write_sheet

analysis_app = typer.Typer(
    help="Analysis of answers: themes, checked by people; the matrix; emerging themes.",
    no_args_is_help=True,
)
EXPORT_BATCH = 500


@analysis_app.command("recode")
def recode(
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            metavar="ORG",
            help="Only this organisation's answers (its name, Slack team id or Teams tenant "
            "id); default: every organisation's.",
        ),
    ] = None,
) -> None:
    """Code every answer and idea again with its organisation's codebook (shipped themes
    plus the ones it accepted); a person's codes are kept."""

    async def work(core: Core) -> Recoded:
        organisation_id = None
        if org is not None:
            async with core.database.transaction() as session:
                organisation_id = (await resolve_organisation(session, org)).id
        with Progress(
            TextColumn("Recoding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        ) as progress:
            task = progress.add_task("recode", total=None)
            return await recode_all(
                core.database,
                core.content,
                organisation_id,
                core.ctx.clock.now(),
                started=lambda total: progress.update(task, total=total),
                progressed=lambda done: progress.advance(task, done),
            )

    done = with_core(work)
    ideas = "idea" if done.ideas == 1 else "ideas"
    typer.echo(
        f"Recoded {done.answers} answers: {done.codes} codes by the coder; "
        f"and {done.ideas} {ideas}: {done.idea_codes} codes."
    )


@analysis_app.command("review")
def review(
    org: OrgOption = None,
    limit: Annotated[int, typer.Option(min=1, help="How many answers to go through.")] = 20,
) -> None:
    """Confirm or correct codes, the least certain first (answers' words are shown)."""

    async def work(core: Core) -> tuple[int, int]:
        now = core.ctx.clock.now()
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            answers = await to_review(session, organisation.id, limit)
            known = (await codebook_of(session, core.content, organisation.id)).theme_ids
            await audit_view(
                session,
                VIEWED,
                now=now,
                operator=login_name() or "unknown",
                organisation_id=organisation.id,
                filters={"command": "analysis review", "limit": limit, "order": "least certain"},
                answers=len(answers),
            )
        if not answers:
            typer.echo("No coded answer is waiting for review.")
            return 0, 0
        typer.echo(
            "For each answer: accept, type themes (e.g. teamwork:barrier,staffing:enabler), "
            "none, skip or quit."
        )
        reviewed = 0
        for index, answer in enumerate(answers, start=1):
            coder = [code for code in answer.codes if code.source == "coder"]
            typer.echo(f"\n({index} of {len(answers)}) answer {answer.id} to {answer.question}:")
            typer.echo(f"  {answer.text}")
            figures = ", ".join(f"{c.theme}:{c.polarity} ({c.confidence:.2f})" for c in coder)
            typer.echo(f"  coder: {figures or 'none'}")
            while True:
                said = typer.prompt("accept/themes/none/skip/quit", default="skip").strip()
                choice = said.lower()
                if choice in ("q", "quit"):
                    return reviewed, len(answers)
                if choice in ("s", "skip"):
                    break
                async with core.database.transaction() as session:
                    if choice in ("a", "accept"):
                        await confirm(session, answer, core.ctx.clock.now())
                    else:
                        try:
                            codes = parse_themes(said, known)
                        except CodesProblem as problem:
                            err.print(core.ctx.say(problem.copy_key, **problem.values))
                            continue
                        await correct(session, answer.id, codes, core.ctx.clock.now())
                reviewed += 1
                break
        return reviewed, len(answers)

    reviewed, shown_count = with_core(work)
    if shown_count:
        typer.echo(f"Reviewed {reviewed} of {shown_count} answers.")


@analysis_app.command("export-codes")
def export_codes(
    out_file: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="A .csv or .xlsx file to write.")
    ],
    org: OrgOption = None,
    include_distress: Annotated[
        bool,
        typer.Option(
            help="Also write answers the distress safety net flagged (left out by default)."
        ),
    ] = False,
) -> None:
    """Write every answer with its codes to a sheet to correct and import again."""
    try:
        check_suffix(out_file)
    except SheetError as problem:
        err.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(2) from None

    async def work(core: Core) -> int:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            repository = CodingRepository(session)
            rows: list[tuple[object, ...]] = []
            redacted = 0
            last = 0
            while True:
                ids = await repository.answer_ids_after(
                    organisation.id, after=last, limit=EXPORT_BATCH, with_distress=include_distress
                )
                if not ids:
                    break
                for answer in await repository.answers(organisation.id, ids):
                    codes = answer.effective()
                    # Stored text was redacted when it came in; a sheet leaves the building,
                    # so it is redacted again with today's rules (an older row may predate
                    # them). Redacting twice changes nothing.
                    redaction = redact(answer.text)
                    redacted += bool(redaction.removed)
                    rows.append(
                        (
                            answer.id,
                            answer.question,
                            redaction.text,
                            shown(codes),
                            "person" if answer.by_person else ("coder" if codes else ""),
                        )
                    )
                last = ids[-1]
            await audit_view(
                session,
                EXPORTED,
                now=core.ctx.clock.now(),
                operator=login_name() or "unknown",
                organisation_id=organisation.id,
                filters={
                    "command": "analysis export-codes",
                    "format": out_file.suffix.lower(),
                    "include_distress": include_distress,
                },
                answers=len(rows),
            )
        if redacted:
            err.print(
                core.ctx.say("analysis.export.redacted", answers=redacted),
                highlight=False,
                markup=False,
            )
        return write_sheet(out_file, SHEET_COLUMNS, rows)

    count = with_core(work)
    typer.echo(f"Wrote {count} answers to {out_file}.")


@analysis_app.command("import-codes")
def import_codes_(
    sheet: Annotated[Path, typer.Argument(metavar="FILE", help="A corrected .csv or .xlsx.")],
    org: OrgOption = None,
) -> None:
    """Apply a corrected sheet: changed rows become a person's codes; one bad row (its
    number given) and nothing is applied."""
    try:
        rows = read_sheet(sheet)
    except SheetError as problem:
        err.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(2) from None

    async def work(core: Core) -> Imported:
        columns = set(rows[0][1]) if rows else set(SHEET_COLUMNS)
        if not {"answer_id", "themes"} <= columns:
            raise CodesProblem("columns", columns=", ".join(sorted(columns)) or "none")
        given = [(number, row["answer_id"], row["themes"]) for number, row in rows]
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            return await import_codes(
                session, core.content, organisation.id, given, core.ctx.clock.now()
            )

    done = with_core(work)
    typer.echo(f"Imported {done.rows} rows: {done.changed} answers now carry a person's codes.")


@analysis_app.command("agreement")
def agreement(org: OrgOption = None) -> None:
    """Cohen's kappa per theme between the coder and people, on the answers people coded."""

    async def work(core: Core) -> PeopleAgreement:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            return await agreement_with_people(session, organisation.id)

    found = with_core(work)
    if found.answers == 0:
        typer.echo("No human codes yet: review some answers first (thrive analysis review).")
        return
    typer.echo(f"Agreement on {found.answers} answers people coded:")
    typer.echo(f"{'theme':<20} {'coder':>5} {'people':>6} {'kappa':>6}")
    for row in found.themes:
        typer.echo(f"{row.theme:<20} {row.coder:>5} {row.people:>6} {row.kappa:>6.2f}")
