"""The answers a matrix or report command reads, from its flags: one reading of
`--since/--until` (whole days in UTC) and of `--org --pulse --site --role`, shared by
`thrive analysis matrix` and `thrive report`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.organisations import resolve_organisation
from bot.pulses.definitions import find_pulse
from storage.analysis import AnswerScope
from storage.models import Organisation


def period(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """From the start of `since` to the end of `until`; refused if it ends before it starts."""
    start = _utc(since.date()) if since is not None else None
    end = _utc(until.date()) + timedelta(days=1) if until is not None else None
    if start is not None and end is not None and end <= start:
        raise typer.BadParameter("--until is before --since", param_hint="'--until'")
    return start, end


async def answer_scope(
    session: AsyncSession,
    org: str | None,
    pulse: str | None,
    start: datetime | None,
    end: datetime | None,
    *,
    site: str | None,
    role: str | None,
    now: datetime,
) -> tuple[Organisation, AnswerScope]:
    """The organisation named (or the only one) and its answers the flags select."""
    organisation = await resolve_organisation(session, org)
    pulse_id = (await find_pulse(session, organisation.id, pulse)).id if pulse else None
    return organisation, AnswerScope(
        organisation.id,
        pulse_id=pulse_id,
        since=start,
        # From a day on, up to now: the change compares with as long a period before.
        until=end if end is not None or start is None else now,
        site=site,
        role=role,
    )


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)
