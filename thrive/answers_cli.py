"""`thrive answers import FILE.csv|FILE.xlsx`: earlier answers (focus groups run before
Thrive) brought into one organisation, redacted and coded, all or nothing.

The first row names the columns, in any order and case: question (a prompt id or the
prompt's exact text) and text are needed; site, role and date (2025-03-14) may follow.

    $ thrive answers import focus-groups-2025.xlsx --org Riverside
    Imported 212 answers from focus-groups-2025.xlsx: 174 coded with a theme.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.analysis.importing import Imported, import_rows
from bot.people.organisations import resolve_organisation
from bot.privacy import KINDS, kind_names
from thrive.answer_files import UnreadableFile, rows
from thrive.console import OrgOption, err, with_core
from thrive.runtime import Core

answers_app = typer.Typer(help="Answers: bring earlier ones in from a file.", no_args_is_help=True)


class _Refused(Exception):
    """Bad rows: the transaction is rolled back, so nothing of the file is kept."""

    def __init__(self, result: Imported) -> None:
        super().__init__("bad rows")
        self.result = result


@answers_app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="A .csv (UTF-8) or .xlsx file."
        ),
    ],
    org: OrgOption = None,
) -> None:
    """Import earlier answers: redacted, coded, kept as source `import`; a bad row stops
    the whole file, with its row number."""

    async def work(core: Core) -> tuple[Imported, str]:
        try:
            async with core.database.transaction() as session:
                organisation = await resolve_organisation(session, org)
                result = await import_rows(
                    session,
                    organisation.id,
                    rows(file),
                    core.ctx.content,
                    secret_key=core.ctx.secret_key,
                    source_name=file.name,
                    now=core.ctx.clock.now(),
                )
                if result.problems:
                    raise _Refused(result)
        except _Refused as refused:
            return refused.result, core.ctx.say("answers.import.refused", file=file.name)
        except UnreadableFile as unreadable:
            return Imported(problems=[str(unreadable)]), ""
        if result.answers == 0:
            return result, core.ctx.say("answers.import.none", file=file.name)
        said = [
            core.ctx.say(
                "answers.import.done", answers=result.answers, coded=result.coded, file=file.name
            )
        ]
        if result.redacted:  # the operator is told which kinds went, as a clinician is
            removed = tuple(kind for kind in KINDS if kind in result.redacted)
            counted = ", ".join(
                f"{name} ({result.redacted[kind]})"
                for kind, name in zip(removed, kind_names(core.ctx.say, removed), strict=True)
            )
            said.append(core.ctx.say("answers.import.redacted", kinds=counted))
        if result.distress:
            said.append(core.ctx.say("answers.import.distress", answers=result.distress))
        return result, "\n".join(said)

    result, said = with_core(work)
    if result.problems:
        for line in [said, *result.problems] if said else result.problems:
            err.print(line, highlight=False, markup=False)
        raise typer.Exit(1)
    typer.echo(said)
