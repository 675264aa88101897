"""Response rates per pulse and per occurrence, in total and by site and by role.

Counts come from the deliveries (their state), never from the answers, so anonymous
pulses are counted without linking an answer to anyone. The minimum group size
applies: a group sent to fewer people than that shows no figures, and neither does
the whole. When hiding small groups would let the others be subtracted from the whole
to reveal them, the next smallest groups are hidden with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.privacy import shown_groups
from storage.models import Occurrence
from storage.pulses import DeliveryCount, PulseRepository
from storage.states import DeliveryState

NO_GROUP = ""  # people with no site, or no role


@dataclass
class Tally:
    """What happened to one set of deliveries."""

    recipients: int = 0
    sent: int = 0  # reached the person's chat (answered or not)
    answered: int = 0  # every prompt answered
    queued: int = 0  # waiting to go out now
    deferred: int = 0  # waiting for a moment the person allows (quiet hours, snooze...)
    failed: int = 0
    withheld: int = 0  # the person had paused

    def add(self, row: DeliveryCount) -> None:
        self.recipients += row.count
        self.sent += row.count if row.was_sent else 0
        self.answered += row.count if row.state == DeliveryState.ANSWERED else 0
        self.failed += row.count if row.state == DeliveryState.FAILED else 0
        self.withheld += row.count if row.state == DeliveryState.WITHHELD else 0
        if row.state == DeliveryState.PENDING:
            if row.due_later:
                self.deferred += row.count
            else:
                self.queued += row.count

    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass(frozen=True)
class GroupRate:
    group: str  # a site or role name; NO_GROUP for none
    tally: Tally
    shown: bool  # False: too small (or too revealing) to show


@dataclass
class Participation:
    whole: Tally
    minimum: int
    by_site: list[GroupRate] = field(default_factory=list)
    by_role: list[GroupRate] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether the whole's answered count and rate may be shown."""
        return self.whole.sent >= self.minimum

    @property
    def rate(self) -> float | None:
        return self.whole.rate() if self.shown else None


async def of_occurrences(
    session: AsyncSession, ctx: BotContext, occurrences: Sequence[Occurrence]
) -> dict[int, Participation]:
    """Each occurrence's participation, by occurrence id."""
    ids = [occurrence.id for occurrence in occurrences]
    repository = PulseRepository(session)
    now = ctx.clock.now()
    by_site = await repository.counts_by_site(ids, now)
    by_role = await repository.counts_by_role(ids, now)
    return {
        occurrence_id: _participation(
            ctx.min_group_size,
            [row for row in by_site if row.occurrence_id == occurrence_id],
            [row for row in by_role if row.occurrence_id == occurrence_id],
        )
        for occurrence_id in ids
    }


async def of_pulse(session: AsyncSession, ctx: BotContext, pulse_id: int) -> Participation:
    """All the pulse's occurrences together."""
    repository = PulseRepository(session)
    ids = [occurrence.id for occurrence in await repository.occurrences(pulse_id)]
    now = ctx.clock.now()
    return _participation(
        ctx.min_group_size,
        await repository.counts_by_site(ids, now),
        await repository.counts_by_role(ids, now),
    )


def _participation(
    minimum: int, by_site: Iterable[DeliveryCount], by_role: Iterable[DeliveryCount]
) -> Participation:
    whole = Tally()
    sites: dict[str, Tally] = {}
    for row in by_site:
        whole.add(row)
        sites.setdefault(row.group or NO_GROUP, Tally()).add(row)
    roles: dict[str, Tally] = {}
    for row in by_role:
        roles.setdefault(row.group or NO_GROUP, Tally()).add(row)
    found = Participation(whole, minimum)
    found.by_site = _suppress(sites, minimum, whole_shown=found.shown)
    found.by_role = _suppress(roles, minimum, whole_shown=found.shown)
    return found


def _suppress(groups: dict[str, Tally], minimum: int, *, whole_shown: bool) -> list[GroupRate]:
    """Groups largest first, each shown or hidden by the one suppression rule
    (bot.privacy.suppression) on the number of people it went to (sent or still
    waiting: a group of 4 whose prompts wait is still 4 people, not an empty group).
    A hidden whole hides every group too: a site's row never says more than everyone's."""
    ordered = sorted(groups.items(), key=lambda item: (-item[1].sent, item[0]))
    shown = (
        shown_groups({group: tally.recipients for group, tally in ordered}, minimum)
        if whole_shown
        else frozenset()
    )
    return [GroupRate(group, tally, group in shown) for group, tally in ordered]


def rate_text(ctx: BotContext, participation: Participation | None) -> str:
    """The response rate in words, or why it is not shown."""
    if participation is None or participation.whole.recipients == 0:
        return ctx.say("pulse.rate_none")
    whole = participation.whole
    if whole.sent == 0 and whole.queued + whole.deferred > 0:
        # Not "sent to 0": the prompts are on their way, waiting for a moment allowed.
        return ctx.say("pulse.rate_waiting", waiting=whole.queued + whole.deferred)
    rate = participation.rate
    if rate is None:
        return ctx.say(
            "pulse.rate_too_few", minimum=participation.minimum, sent=participation.whole.sent
        )
    return ctx.say(
        "pulse.rate",
        percent=round(100 * rate),
        answered=participation.whole.answered,
        sent=participation.whole.sent,
    )
