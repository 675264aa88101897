""" "You said, we did": the digest that closes the loop.

What leaders did with clinicians' ideas since the last digest: ideas implemented, ideas
in progress with their owners, how many were received, accepted and declined (with the
reasons, shortened), and the themes clinicians spoke of most (from the matrix, through
the suppression rule: a theme whose group is too small is never named). It names no
submitter, anonymous or not.

The wellness lead schedules it (`digest schedule monthly`); the scheduled job sends it
through the outbox (quiet hours respected, one message at a time) to every clinician of
the organisation who has not said `digest off`. One row per organisation and period
(storage.digests) makes a job that fires twice send nothing twice. `thrive ideas digest`
prints the same text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.analysis.matrix import build
from bot.context import BotContext, Desk, Scope, Turn
from bot.messages import OutboundMessage, one_line
from bot.outbox.announcements import queue_for_person
from bot.pathway.board import age
from bot.pathway.states import ACCEPTED, DECLINED, IMPLEMENTED, IN_PROGRESS, SUBMITTED
from bot.people.roles import Role
from bot.privacy import NotEnoughResponses, Thresholds
from storage.analysis import AnswerScope
from storage.digests import MailingRepository
from storage.engine import Database
from storage.models import Idea, Person
from storage.people import PeopleRepository

Replies = list[OutboundMessage]

DEFAULT_EVERY_DAYS = 30  # monthly
DIGEST = "digest"
TOP_THEMES = 3
REASONS_SHOWN = 3
_EVERY = re.compile(r"^every\s+(\d{1,3})\s+days?$")
_NAMED = {"": DEFAULT_EVERY_DAYS, "monthly": DEFAULT_EVERY_DAYS, "weekly": 7, "fortnightly": 14}


async def compose(scope: Scope, since: datetime, until: datetime, *, markdown: bool = False) -> str:
    """The digest of [since, until): plain text for chat; with `markdown`, the same words
    with the title and headings in bold (the CLI's)."""

    def say(key: str, **values: object) -> str:
        text = scope.say(key, **values)
        bold = markdown and (key == "digest.title" or key.endswith("_header"))
        return f"**{text}**" if bold else text

    moves = await scope.ideas.events_between(scope.organisation_id, since, until)
    implemented = {idea.id: idea for event, idea in moves if event.to_state == IMPLEMENTED}
    received = {
        idea.id for event, idea in moves if event.to_state == SUBMITTED and not event.from_state
    }
    accepted = {idea.id for event, idea in moves if event.to_state == ACCEPTED}
    declined = {idea.id: idea for event, idea in moves if event.to_state == DECLINED}
    parts = [say("digest.title", since=since.date().isoformat(), until=until.date().isoformat())]
    lines = [await _line(scope, idea) for idea in implemented.values()]
    parts.append(
        "\n".join([say("digest.implemented_header"), *lines])
        if lines
        else say("digest.implemented_none")
    )
    in_progress = await scope.ideas.in_organisation(scope.organisation_id, states=(IN_PROGRESS,))
    lines = [await _line(scope, idea) for idea in in_progress]
    parts.append(
        "\n".join([say("digest.in_progress_header"), *lines])
        if lines
        else say("digest.in_progress_none")
    )
    parts.append(
        say(
            "digest.figures", received=len(received), accepted=len(accepted), declined=len(declined)
        )
    )
    reasons = [
        say("digest.reason", reason=one_line(idea.decline_reason, 100))
        for idea in list(declined.values())[:REASONS_SHOWN]
        if idea.decline_reason
    ]
    if reasons:
        parts.append("\n".join([say("digest.reasons_header"), *reasons]))
    themes = await top_themes(scope, since, until)
    if themes:
        parts.append(say("digest.themes", themes=", ".join(themes)))
    parts.append(say("digest.footer"))
    return "\n\n".join(parts)


async def _line(scope: Scope, idea: Idea) -> str:
    owner = await scope.session.get(Person, idea.owner_id) if idea.owner_id else None
    key = "digest.line_led" if owner is not None else "digest.line"
    return scope.say(
        key,
        number=idea.id,
        text=one_line(idea.text, 90),
        owner=owner.display_name if owner is not None else "",
        age=age(scope, idea),
    )


async def top_themes(scope: Scope, since: datetime, until: datetime) -> list[str]:
    """The themes most respondents spoke of in the period, only where the matrix may show
    the figure (the suppression rule); none when there are too few answers."""
    thresholds = Thresholds(scope.ctx.min_group_size, scope.ctx.min_group_size_comments)
    try:
        matrix = await build(
            scope.session,
            scope.ctx.content,
            thresholds,
            AnswerScope(scope.organisation_id, since=since, until=until),
        )
    except NotEnoughResponses:
        return []
    totals: dict[str, int] = {}
    for row in matrix.rows:
        for cell in row.cells:
            if cell.respondents:  # None: suppressed, never counted in
                totals[cell.theme_id] = totals.get(cell.theme_id, 0) + cell.respondents
    labels = {theme.id: theme.label.split(" (")[0] for theme in matrix.themes}
    ranked = sorted(totals, key=lambda theme: (-totals[theme], theme))[:TOP_THEMES]
    return [labels.get(theme, theme) for theme in ranked]


# --- chat ---------------------------------------------------------------------------


async def my_digest(turn: Turn, choice: str) -> Replies:
    """`digest on` / `digest off`: one's own copy of the digest."""
    turn.person.digest_off = choice == "off"
    await turn.session.flush()
    return [OutboundMessage(text=turn.say(f"digest.turned_{choice}"))]


async def schedule_command(turn: Turn, argument: str) -> Replies:
    """`digest schedule [monthly|weekly|fortnightly|every N days|off]` (the wellness lead)."""
    mailings = MailingRepository(turn.session)
    wanted = argument.strip().lower()
    if wanted in ("off", "stop", "none"):
        await mailings.drop_schedule(turn.organisation_id)
        return [OutboundMessage(text=turn.say("digest.schedule_off"))]
    every = _NAMED.get(wanted)
    found = _EVERY.match(wanted)
    if found:
        every = int(found.group(1))
    if every is None or not 1 <= every <= 365:
        return [OutboundMessage(text=turn.say("digest.schedule_usage"))]
    next_at = turn.now + timedelta(days=every)
    await mailings.set_schedule(turn.organisation_id, every, next_at, turn.now)
    return [
        OutboundMessage(
            text=turn.say("digest.scheduled", days=every, next=next_at.date().isoformat())
        )
    ]


# --- the scheduled job --------------------------------------------------------------


async def send_due_digests(database: Database, ctx: BotContext) -> int:
    """Queue every organisation's digest that is due: one notification per clinician who
    has not turned it off. The number of organisations whose digest went."""
    now = ctx.clock.now()
    sent = 0
    async with database.transaction() as session:
        due = await MailingRepository(session).due_schedules(now)
        organisations = [(s.organisation_id, s.every_days, s.next_at) for s in due]
    for organisation_id, every, next_at in organisations:
        async with database.transaction() as session:
            desk = Desk(ctx, session, organisation_id, now)
            first_since = next_at - timedelta(days=every)  # when it was scheduled
            if await send_digest(desk, period=next_at.date().isoformat(), since=first_since):
                sent += 1
            await MailingRepository(session).set_schedule(
                organisation_id, every, _next(next_at, every, now), now
            )
    return sent


def _next(next_at: datetime, every: int, now: datetime) -> datetime:
    """The next time after `now` on the schedule (a server that was down skips, not floods)."""
    step = timedelta(days=every)
    while next_at <= now:
        next_at += step
    return next_at


async def send_digest(scope: Scope, *, period: str, since: datetime) -> bool:
    """Queue this organisation's digest for `period` to every clinician who wants it: what
    happened since the last digest (or `since`, for the first). False (nothing queued) if
    that period's digest was already sent."""
    mailings = MailingRepository(scope.session)
    last = await mailings.last(scope.organisation_id, DIGEST)
    since = last.created_at if last is not None else since
    if not await mailings.claim(scope.organisation_id, DIGEST, period, since, scope.now):
        return False
    text = await compose(scope, since, scope.now)
    for person in await readers(scope):
        await queue_for_person(scope, person, OutboundMessage(text=text))
    return True


async def readers(scope: Scope) -> list[Person]:
    """The organisation's clinicians who have not said `digest off`."""
    people = await PeopleRepository(scope.session).reachable_in(scope.organisation_id)
    return [
        person
        for person in people
        if not person.digest_off and any(g.role == Role.CLINICIAN for g in person.roles)
    ]
