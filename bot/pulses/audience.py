"""Who a pulse goes to: everyone, or people picked by site, role, tag or platform user id,
always among the people of the pulse's organisation (in all its workspaces, on every
platform), never beyond it.

Written as terms: `everyone`, `site:North,South`, `role:clinician`, `tag:nights`,
`people:U123,U456`. Kinds combine with AND, values within a kind with OR, so
`site:North role:clinician` is North's clinicians. People are named by their platform
user id (Slack's U..., Teams' AAD id, the local chat's id): display names are not unique.
People who are gone are never in an audience; paused people are (the outbox withholds
their prompts). A sample keeps a deterministic share of the audience per occurrence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotContext
from bot.errors import ThriveError
from bot.local_time import resolve_zone
from bot.people.roles import Role
from storage.models import Person
from storage.people import PeopleRepository


class AudienceKind(StrEnum):
    """The kinds of audience term: `everyone`, or a prefix such as `site:`."""

    EVERYONE = "everyone"
    SITE = "site"
    ROLE = "role"
    TAG = "tag"
    PEOPLE = "people"


EVERYONE = AudienceKind.EVERYONE
# The term's prefix, and the key it is stored under in Pulse.audience.
KINDS: dict[AudienceKind, str] = {
    AudienceKind.SITE: "sites",
    AudienceKind.ROLE: "roles",
    AudienceKind.TAG: "tags",
    AudienceKind.PEOPLE: "people",
}


class PulseProblem(ThriveError):
    """A pulse definition (its audience here) or request the wellness lead must fix; the
    copy key `pulse.error.<problem>` names the sentence."""

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(problem, **values)
        self.copy_key = f"pulse.error.{problem}"


class PulseProblems(ThriveError):
    """Everything wrong with a pulse definition at once, so one try shows it all."""

    copy_key = "pulse.error.several"

    def __init__(self, problems: Sequence[PulseProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems), count=len(problems))
        self.problems = tuple(problems)

    def sentence(self, say: Callable[..., str]) -> str:
        if len(self.problems) == 1:
            return self.problems[0].sentence(say)
        lines = [say(self.copy_key, count=len(self.problems))]
        lines += [f"• {problem.sentence(say)}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Audience:
    sites: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    @property
    def is_everyone(self) -> bool:
        return not (self.sites or self.roles or self.tags or self.people)

    def matches(self, person: Person) -> bool:
        if person.gone:
            return False
        if self.sites and _fold(person.site) not in _folded(self.sites):
            return False
        held = {grant.role for grant in person.roles}
        if self.roles and not held & set(self.roles):
            return False
        # Pulses ask clinicians: someone who only leads (a leader, the wellness lead) is
        # asked only when the audience names their role or them.
        if not (self.roles or self.people) and held and Role.CLINICIAN.value not in held:
            return False
        if self.tags and not {_fold(tag) for tag in person.tags or []} & _folded(self.tags):
            return False
        return not self.people or person.platform_user_id in self.people

    def to_json(self) -> dict[str, Any]:
        return {
            stored: list(getattr(self, stored))
            for stored in KINDS.values()
            if getattr(self, stored)
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(**{stored: tuple(data.get(stored) or ()) for stored in KINDS.values()})

    def describe_terms(self) -> list[str]:
        """The audience as terms, one per kind (values may hold spaces: one term a line)."""
        if self.is_everyone:
            return [EVERYONE]
        return [
            f"{kind}:{','.join(getattr(self, stored))}"
            for kind, stored in KINDS.items()
            if getattr(self, stored)
        ]

    def describe(self) -> str:
        """The audience as the terms that would create it."""
        if self.is_everyone:
            return EVERYONE
        return " ".join(
            f"{kind}:{','.join(getattr(self, stored))}"
            for kind, stored in KINDS.items()
            if getattr(self, stored)
        )


def parse_audience(terms: Iterable[str]) -> Audience:
    """An audience from terms such as `site:North,South`; PulseProblem if unreadable."""
    chosen: dict[str, list[str]] = {stored: [] for stored in KINDS.values()}
    everyone = False
    given = [term.strip() for term in terms if term.strip()]
    for term in given:
        if term.lower() == EVERYONE:
            everyone = True
            continue
        kind, colon, values = term.partition(":")
        stored = KINDS.get(AudienceKind(kind.strip().lower())) if _is_kind(kind) else None
        if not colon or stored is None:
            raise PulseProblem("audience_term", term=term)
        items = [value.strip() for value in values.split(",") if value.strip()]
        if not items:
            raise PulseProblem("audience_empty_term", term=term)
        if stored == "roles":
            known = [role.value for role in Role]
            for item in items:
                if item.lower() not in known:
                    raise PulseProblem("unknown_role", role=item, roles=", ".join(known))
            items = [item.lower() for item in items]
        chosen[stored] += [item for item in items if item not in chosen[stored]]
    audience = Audience(**{stored: tuple(values) for stored, values in chosen.items()})
    if everyone and not audience.is_everyone:
        raise PulseProblem("audience_everyone_and_more")
    return audience


async def candidates(session: AsyncSession, organisation_id: int) -> list[Person]:
    """Everyone who may be in an audience: the organisation's people, not gone."""
    return list(await PeopleRepository(session).reachable_in(organisation_id))


async def members(session: AsyncSession, organisation_id: int, audience: Audience) -> list[Person]:
    people = await candidates(session, organisation_id)
    return [person for person in people if audience.matches(person)]


async def check_reaches_someone(
    session: AsyncSession, organisation_id: int, audience: Audience
) -> int:
    """How many of the organisation's people the audience reaches now; PulseProblems
    naming every value that matches nobody (with the values that exist), or saying that
    the combination does."""
    people = await candidates(session, organisation_id)
    problems = unknown_values(audience, people)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise PulseProblems(problems)
    reached = sum(1 for person in people if audience.matches(person))
    if reached == 0:
        raise PulseProblem("nobody", audience=audience.describe())
    return reached


def unknown_values(audience: Audience, people: Sequence[Person]) -> list[PulseProblem]:
    """A problem per site, tag or user id nobody has, each listing the ones that exist."""
    sites = sorted({person.site for person in people if person.site})
    tags = sorted({tag for person in people for tag in person.tags or []})
    ids = sorted({person.platform_user_id for person in people})
    problems = []
    for stored, known in (("sites", sites), ("tags", tags), ("people", ids)):
        folded = {value if stored == "people" else _fold(value) for value in known}
        for value in getattr(audience, stored):
            if (value if stored == "people" else _fold(value)) not in folded:
                shown = ", ".join(known[:30]) if known else "none yet"
                problems.append(PulseProblem(f"nobody_{stored}_known", value=value, known=shown))
    return problems


def with_full_site_names(audience: Audience, people: Sequence[Person]) -> Audience:
    """`site:Riverside` means "Riverside Family Medicine" when that is the only site
    whose name starts with it; anything else stays as typed (and is checked as typed)."""
    sites = sorted({person.site for person in people if person.site})
    named = []
    for value in audience.sites:
        if _fold(value) in _folded(sites):
            named.append(value)
            continue
        starting = [site for site in sites if _fold(site).startswith(_fold(value))]
        named.append(starting[0] if len(starting) == 1 else value)
    return Audience(tuple(named), audience.roles, audience.tags, audience.people)


def zone_of(ctx: BotContext, person: Person) -> str:
    """The person's time zone name, or the organisation's when theirs is missing or unknown."""
    return resolve_zone(person.timezone, ctx.default_timezone).zone.key


def in_sample(fraction: float | None, pulse_id: int, seed: str, person_id: int) -> bool:
    """Whether the person is in this occurrence's sample: a hash, not a random draw, so
    firing again with the same seed picks the same people."""
    if fraction is None or fraction >= 1:
        return True
    digest = hashlib.sha256(f"{pulse_id}:{seed}:{person_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def sample(
    people: Sequence[Person], fraction: float | None, pulse_id: int, seed: str
) -> list[Person]:
    return [person for person in people if in_sample(fraction, pulse_id, seed, person.id)]


def _is_kind(text: str) -> bool:
    return text.strip().lower() in set(AudienceKind)


def _fold(value: str | None) -> str:
    return (value or "").strip().casefold()


def _folded(values: Iterable[str]) -> set[str]:
    return {_fold(value) for value in values}
