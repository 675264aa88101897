"""`thrive pulse ...`: the wellness lead's pulses from the command line, one
organisation's at a time (`--org`; the only one by default).

Every command opens the configured database through the one composition root
(thrive/runtime.py), as `serve` does; a refused request is one line on stderr and exit
status 1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from bot.context import BotContext
from bot.people.organisations import resolve_organisation
from bot.pulses import participation
from bot.pulses import runs as pulse_runs
from bot.pulses.audience import Audience, PulseProblem, PulseProblems, candidates
from bot.pulses.definitions import (
    PulseSpec,
    check_pulse,
    delete_pulse,
    find_pulse,
    schedule_of,
    set_paused,
    store_pulse,
)
from bot.pulses.preview import (
    describe_arrivals,
    describe_reach,
    first_sends,
    moved_into_window,
    reach,
)
from bot.pulses.schedule import ScheduleError, next_fire
from storage.deliveries import DeliveryRepository
from storage.models import Occurrence, Pulse
from storage.pulses import PulseRepository
from thrive.console import OrgOption, operator, with_core
from thrive.runtime import Core

pulse_app = typer.Typer(help="Pulses: what to ask whom, when.", no_args_is_help=True)
T = TypeVar("T")
Work = Callable[[Core], Awaitable[T]]
SHOWN_OCCURRENCES = 20

NameArgument = Annotated[str, typer.Argument(help="The pulse's name (any case).")]


@pulse_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="A name to refer to the pulse by.")],
    prompts: Annotated[
        str | None, typer.Option(help="Prompt ids in the order asked, e.g. joy-more,valued.")
    ] = None,
    rotate_bank: Annotated[
        str | None, typer.Option(help="Rotate through this bank instead, e.g. guide.")
    ] = None,
    per_occurrence: Annotated[
        str | None,
        typer.Option(metavar="N", help="With --rotate-bank: questions per occurrence (1)."),
    ] = None,
    audience: Annotated[
        list[str] | None,
        typer.Option(
            help="everyone, site:A,B, role:clinician, tag:T or people:ID,ID (platform user "
            "ids). Repeat to narrow: kinds combine with AND, values within one with OR."
        ),
    ] = None,
    sample: Annotated[
        str | None, typer.Option(metavar="FRACTION", help="Ask a share of the audience, e.g. 0.5.")
    ] = None,
    schedule: Annotated[
        str, typer.Option(help='weekly, fortnightly, monthly or a cron, e.g. "0 12 * * tue".')
    ] = "weekly",
    window: Annotated[str, typer.Option(help="Local send window.")] = "12:00-13:00",
    days: Annotated[
        str | None, typer.Option(help="Days it may go out, e.g. mon-fri (presets' default).")
    ] = None,
    anchor: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Fortnightly counts from here.")
    ] = None,
    reminder_hours: Annotated[
        str, typer.Option(metavar="HOURS", help="Remind non-responders after; 0 for never.")
    ] = "24",
    close_after_days: Annotated[str, typer.Option(metavar="DAYS")] = "7",
    anonymity: Annotated[str, typer.Option(help="anonymous, confidential or identified.")] = (
        "confidential"
    ),
    org: OrgOption = None,
) -> None:
    """Create a pulse (it starts at its next scheduled time)."""

    async def work(core: Core) -> list[str]:
        # Every option is read before any is refused, so one run reports every problem.
        problems: list[PulseProblem] = []
        reminder = _read(problems, lambda: _number(int, "--reminder-hours", reminder_hours), 24)
        spec = PulseSpec(
            name=name,
            prompts=tuple(prompts.split(",")) if prompts else (),
            rotate_bank=rotate_bank,
            per_occurrence=(
                _read(problems, lambda: _number(int, "--per-occurrence", per_occurrence), 1)
                if per_occurrence is not None
                else None
            ),
            audience=tuple(audience or ["everyone"]),
            sample=(
                _read(problems, lambda: _number(float, "--sample", sample), None)
                if sample is not None
                else None
            ),
            schedule=schedule,
            window=window,
            days=days,
            anchor=_read(problems, lambda: _date(anchor), None) if anchor is not None else None,
            reminder_hours=reminder or None,
            close_after_days=_read(
                problems, lambda: _number(int, "--close-after-days", close_after_days), 7
            ),
            anonymity=anonymity,
        )
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            try:
                checked = await check_pulse(session, core.ctx, organisation.id, spec)
            except PulseProblems as found:
                raise PulseProblems([*problems, *found.problems]) from None
            if problems:
                raise PulseProblems(problems)
            pulse = await store_pulse(session, core.ctx, organisation.id, checked)
            people = await candidates(session, organisation.id)
        found_reach = reach(core.ctx, checked.audience, people)
        firsts = first_sends(checked.schedule, list(found_reach.zones), core.ctx.clock.now())
        lines = [
            f"Created pulse {pulse.name!r} (#{pulse.id}).",
            describe_reach(core.ctx.say, found_reach, firsts, pulse.sample_fraction),
        ]
        moved = moved_into_window(core.ctx.say, checked.schedule)
        return [*lines, moved] if moved else lines

    for line in with_core(work):
        typer.echo(line)


@pulse_app.command("list")
def list_(org: OrgOption = None) -> None:
    """Every pulse: on or paused, schedule, audience and last response rate."""

    async def work(core: Core) -> list[str]:
        lines: list[str] = []
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            repository = PulseRepository(session)
            for pulse in await repository.all(organisation.id):
                latest = await repository.occurrences(pulse.id, limit=1)
                rates = await participation.of_occurrences(session, core.ctx, latest)
                last = participation.rate_text(
                    core.ctx, rates.get(latest[0].id) if latest else None
                )
                status = "paused" if pulse.paused else "on"
                lines.append(
                    f"{pulse.name}\t{status}\t{_when(pulse)}\t"
                    f"{Audience.from_json(pulse.audience).describe()}\tlast: {last}"
                )
        return lines

    lines = with_core(work)
    for line in lines or ["No pulses yet: create one with `thrive pulse create`."]:
        typer.echo(line)


@pulse_app.command("show")
def show(name: NameArgument, org: OrgOption = None) -> None:
    """The definition, the next fire time per time zone, and each occurrence's figures."""

    async def work(core: Core) -> list[str]:
        async with core.database.transaction() as session:
            pulse = await find_pulse(session, (await resolve_organisation(session, org)).id, name)
            occurrences = await PulseRepository(session).occurrences(
                pulse.id, limit=SHOWN_OCCURRENCES
            )
            rates = await participation.of_occurrences(session, core.ctx, occurrences)
            overall = await participation.of_pulse(session, core.ctx, pulse.id)
        zones = await pulse_runs.zones_of(core.database, core.ctx, pulse.id)
        lines = [*_definition(pulse), "Next fire:", *_next_fires(pulse, zones, core.ctx)]
        lines.append(f"Occurrences ({len(occurrences)} most recent):" if occurrences else "")
        for occurrence in occurrences:
            lines.append(_occurrence_line(core.ctx, occurrence, rates[occurrence.id]))
        lines.append(f"Overall: {participation.rate_text(core.ctx, overall)}")
        lines += _breakdown(core.ctx, "By site", overall.by_site)
        lines += _breakdown(core.ctx, "By role", overall.by_role)
        return [line for line in lines if line]

    for line in with_core(work):
        typer.echo(line)


@pulse_app.command("pause")
def pause(name: NameArgument, org: OrgOption = None) -> None:
    """Stop opening occurrences (those already open run their course)."""
    pulse = with_core(_paused(name, True, org))
    typer.echo(f"Paused {pulse.name!r}.")


@pulse_app.command("resume")
def resume(name: NameArgument, org: OrgOption = None) -> None:
    """Open occurrences again at the scheduled times."""
    pulse = with_core(_paused(name, False, org))
    typer.echo(f"Resumed {pulse.name!r}.")


@pulse_app.command("delete")
def delete(
    name: NameArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    org: OrgOption = None,
) -> None:
    """Delete the definition; past occurrences and their answers are kept."""
    if not yes and not typer.confirm(
        f"Delete the pulse {name!r}? Its past occurrences and answers are kept."
    ):
        typer.echo("Nothing was deleted.", err=True)
        raise typer.Exit(1)

    async def work(core: Core) -> int:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            return await delete_pulse(
                session, organisation.id, name, by=operator(), now=core.ctx.clock.now()
            )

    kept = with_core(work)
    typer.echo(f"Deleted {name!r}; its {kept} past occurrence(s) are kept.")


@pulse_app.command("send-now")
def send_now(name: NameArgument, org: OrgOption = None) -> None:
    """Open an occurrence for the whole audience now (quiet hours and pauses still apply)."""

    async def work(core: Core) -> tuple[str, int, str]:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            pulse = await find_pulse(session, organisation.id, name)
        opened = await pulse_runs.send_now(
            core.database, core.ctx, core.outbox(), organisation.id, pulse.id, by=operator()
        )
        async with core.database.transaction() as session:
            recipients = await DeliveryRepository(session).recipients(opened.occurrence_id)
        now = core.ctx.clock.now()
        arrivals = describe_arrivals(core.ctx.say, core.ctx, pulse, recipients, now)
        return pulse.name, opened.queued, arrivals

    shown, queued, arrivals = with_core(work)
    typer.echo(f"Queued {queued} prompt(s) for {shown!r}; the running server sends them.")
    typer.echo(arrivals)


def _paused(name: str, paused: bool, org: str | None) -> Work[Pulse]:
    async def work(core: Core) -> Pulse:
        async with core.database.transaction() as session:
            organisation = await resolve_organisation(session, org)
            return await set_paused(session, core.ctx, organisation.id, name, paused)

    return work


def _read(problems: list[PulseProblem], read: Callable[[], T], fallback: T) -> T:
    try:
        return read()
    except PulseProblem as problem:
        problems.append(problem)
        return fallback


def _number(kind: type[int] | type[float], option: str, text: str) -> int:
    try:
        return kind(text.strip())  # type: ignore[return-value]
    except ValueError:
        raise PulseProblem("not_a_number", option=option, value=text) from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PulseProblem("anchor", value=text) from None


def _when(pulse: Pulse) -> str:
    when = (
        f"{pulse.schedule} {pulse.days_of_week or ''} "
        f"{pulse.send_window_start}-{pulse.send_window_end} local"
    )
    # A cron firing outside the window (at night, say) is shown with when it really sends.
    if pulse.schedule and " " in pulse.schedule:
        minute, hour = pulse.schedule.split()[:2]
        window = (pulse.send_window_start or "12:00", pulse.send_window_end or "13:00")
        if minute.isdigit() and hour.isdigit():
            fires = f"{int(hour):02d}:{int(minute):02d}"
            if not window[0] <= fires < window[1]:
                when += f" (fires {fires}, outside the window: sends at {window[0]})"
    return when


def _definition(pulse: Pulse) -> list[str]:
    if pulse.rotate_bank_id:
        asks = (
            f"rotates through bank {pulse.rotate_bank_id}, {pulse.prompts_per_occurrence} per "
            f"occurrence (next from position {pulse.rotation_index + 1})"
        )
    else:
        asks = ", ".join(pulse.prompt_ids)
    sample = f" (sample {pulse.sample_fraction:g})" if pulse.sample_fraction else ""
    reminder = f"after {pulse.reminder_after_hours} h" if pulse.reminder_after_hours else "none"
    return [
        f"{pulse.name} (#{pulse.id}, {'paused' if pulse.paused else 'on'})",
        f"  asks: {asks}",
        f"  audience: {Audience.from_json(pulse.audience).describe()}{sample}",
        f"  schedule: {_when(pulse)}"
        + (f", fortnights from {pulse.anchor_date}" if pulse.schedule == "fortnightly" else ""),
        f"  reminder: {reminder}; closes after {pulse.close_after_days} day(s); "
        f"anonymity: {pulse.anonymity}",
    ]


def _next_fires(pulse: Pulse, zones: set[str], ctx: BotContext) -> list[str]:
    if pulse.paused:
        return ["  none: the pulse is paused"]
    if not zones:
        return ["  none: nobody is in the audience"]
    now = ctx.clock.now()
    lines = []
    for zone in sorted(zones):
        try:
            moment = next_fire(schedule_of(pulse), ZoneInfo(zone), now)
        except ScheduleError as error:
            lines.append(f"  {zone}: never ({error.reason})")
            continue
        local = moment.astimezone(ZoneInfo(zone))
        lines.append(
            f"  {zone}: {local:%a %Y-%m-%d %H:%M} local ({moment.astimezone(UTC):%H:%M} UTC)"
        )
    return lines


def _occurrence_line(
    ctx: BotContext, occurrence: Occurrence, figures: participation.Participation
) -> str:
    whole = figures.whole
    answered = str(whole.answered) if figures.shown else f"(fewer than {figures.minimum} sent)"
    where = occurrence.zone or "all zones"
    return (
        f"  #{occurrence.id} {occurrence.opened_at:%Y-%m-%d %H:%M} UTC {where}: "
        f"sent {whole.sent}, queued {whole.queued}, deferred {whole.deferred}, "
        f"failed {whole.failed}, withheld {whole.withheld}, answered {answered}; "
        f"{participation.rate_text(ctx, figures)}"
    )


def _breakdown(ctx: BotContext, title: str, groups: Sequence[participation.GroupRate]) -> list[str]:
    if not groups:
        return []
    lines = [f"{title}:"]
    hidden = [group for group in groups if not group.shown]
    for group in groups:
        if group.shown:
            rate = group.tally.rate()
            percent = f"{round(100 * rate)}%" if rate is not None else "-"
            label = group.group or "(none)"
            lines.append(f"  {label}: {percent} ({group.tally.answered} of {group.tally.sent})")
    if hidden:
        lines.append(
            f"  not shown: {len(hidden)} group(s), so that no group of fewer than "
            f"{ctx.min_group_size} people can be told apart"
        )
    return lines
