"""`thrive audit list`: who saw or changed what, when, and with which filters.

Reads the append-only audit log (bot.privacy.audit). Reading it is recorded too, with
the operator's login and the filters given. Without `--org`, every organisation's
entries and the installation's own (role grants at the CLI, retention runs) are listed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from bot.people.directory import find_people
from bot.people.organisations import resolve_organisation
from bot.privacy.audit import actor_of, read_log
from storage.audit import AuditFilter
from storage.models import AuditEntry
from storage.people import PeopleRepository
from thrive.console import OrgOption, operator, with_core
from thrive.runtime import Core

audit_app = typer.Typer(
    help="The audit log: every raw-data view, role change, move, send and deletion.",
    no_args_is_help=True,
)
COLUMNS = ("id", "when", "organisation", "action", "actor", "subject", "detail")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@audit_app.command("list")
def list_(
    org: OrgOption = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Only entries from then on: 2026-03-01 (UTC) or a time."),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            metavar="X",
            help="Only what X did: a platform user id, an email, a display name, or the "
            "login of whoever ran a thrive command.",
        ),
    ] = None,
    format_: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.TABLE,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 1000,
) -> None:
    """The audit log's entries, newest first."""
    starting = _since(since) if since is not None else None

    async def work(core: Core) -> list[dict[str, Any]]:
        async with core.database.transaction() as session:
            organisation_id = (await resolve_organisation(session, org)).id if org else None
            actor_ids: list[int] | None = None
            if actor is not None:
                found = await find_people(PeopleRepository(session), actor, organisation_id)
                actor_ids = [person.id for person in found]
            wanted = AuditFilter(
                organisation_id=organisation_id,
                since=starting,
                actor_ids=actor_ids,
                operator=actor.strip() if actor is not None else None,
            )
            entries = await read_log(
                session, wanted, by=operator(), now=core.ctx.clock.now(), limit=limit
            )
            return [_row(entry) for entry in entries]

    rows = with_core(work)
    # Plain print: the output must reach a pipe or file exactly, without rich's wrapping.
    print(_formatted(rows, format_), end="")


def _since(text: str) -> datetime:
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (2026-03-01) or a time (2026-03-01T09:00)",
            param_hint="'--since'",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _row(entry: AuditEntry) -> dict[str, Any]:
    detail = {key: value for key, value in entry.detail.items() if key != "via"}
    return {
        "id": entry.id,
        "when": entry.created_at.astimezone(UTC).isoformat(timespec="seconds"),
        "organisation": entry.organisation_id,
        "action": entry.action,
        "actor": actor_of(entry),
        "subject": entry.subject,
        "detail": detail,
    }


def _formatted(rows: Sequence[dict[str, Any]], format_: Format) -> str:
    if format_ is Format.JSON:
        return json.dumps(list(rows), indent=2) + "\n"
    flat = [
        {
            **row,
            "organisation": "" if row["organisation"] is None else row["organisation"],
            "detail": json.dumps(row["detail"], separators=(",", ":"), sort_keys=True),
        }
        for row in rows
    ]
    if format_ is Format.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        return buffer.getvalue()
    if not flat:
        return "No audit entries match.\n"
    table = [[column.upper() for column in COLUMNS]]
    table += [[str(row[column]) for column in COLUMNS] for row in flat]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in table
    )
