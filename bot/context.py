"""What every handler needs: the content, the clock, the secret, and the current turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.errors import NotPermitted
from bot.policy import QUIET_END, QUIET_START, FatigueCap
from prompts import Content
from storage.answers import AnswerRepository
from storage.deliveries import DeliveryRepository
from storage.ideas import IdeaRepository
from storage.ledger import LedgerRepository
from storage.models import Person
from storage.people import PeopleRepository

MAX_MESSAGE_LENGTH = 4000


@dataclass(frozen=True)
class BotContext:
    content: Content
    clock: Clock
    secret_key: str
    default_timezone: str = "UTC"
    # No breakdown or rate is shown for fewer people than this.
    min_group_size: int = 5
    # No quote is shown from a group of fewer people than this.
    min_group_size_comments: int = 10
    # The organisation's defaults for people who set none: no prompt in these local
    # hours (None: no quiet hours) or at weekends; at most so many prompts a week.
    quiet_hours: tuple[time, time] | None = (QUIET_START, QUIET_END)
    quiet_weekends: bool = True
    fatigue_cap: FatigueCap = field(default_factory=FatigueCap)
    # Ideas untriaged this many days are re-surfaced to leaders (the weekly nudge).
    idea_triage_days: int = 14

    def say(self, key: str, **values: object) -> str:
        """The bot's wording lives in prompts/content/copy.yaml, not in code."""
        return self.content.copy.text(key, **values)


class Scope(Protocol):
    """Work on one organisation's data at one moment, in one transaction: a chat turn,
    or a `Desk` (the CLI, a scheduled job) where nobody is in chat."""

    ctx: BotContext
    session: AsyncSession
    organisation_id: int
    now: datetime
    ideas: IdeaRepository

    def say(self, key: str, **values: object) -> str: ...


@dataclass
class Desk:
    """A `Scope` with no one in chat: the operator at the CLI, or a scheduled job."""

    ctx: BotContext
    session: AsyncSession
    organisation_id: int
    now: datetime
    ideas: IdeaRepository = field(init=False)

    def __post_init__(self) -> None:
        self.ideas = IdeaRepository(self.session)

    def say(self, key: str, **values: object) -> str:
        return self.ctx.say(key, **values)


@dataclass
class Turn:
    """One inbound event being handled: one transaction, one person, one moment, and
    the person's organisation, which every query of the turn keeps to."""

    ctx: BotContext
    session: AsyncSession
    person: Person
    now: datetime
    # What the person may do: bot/people/permissions.py's table applied to their roles.
    # The dispatcher works it out (the neutral model reads no room's table).
    allowed: frozenset[str] = frozenset()
    # The person met the bot in this very event (their row was created by it).
    first_contact: bool = False
    organisation_id: int = field(init=False)
    people: PeopleRepository = field(init=False)
    deliveries: DeliveryRepository = field(init=False)
    answers: AnswerRepository = field(init=False)
    ideas: IdeaRepository = field(init=False)
    ledger: LedgerRepository = field(init=False)
    # Set by a handler when the person's chat history should be erased where the
    # platform allows it (after "forget me"); the adapter carries it out.
    erase_history: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        # The workspace comes with the person (storage.people.find_by_ref joins it).
        self.organisation_id = self.person.workspace.organisation_id
        self.people = PeopleRepository(self.session)
        self.deliveries = DeliveryRepository(self.session)
        self.answers = AnswerRepository(self.session)
        self.ideas = IdeaRepository(self.session)
        self.ledger = LedgerRepository(self.session)

    def say(self, key: str, **values: object) -> str:
        return self.ctx.say(key, **values)

    def may(self, permission: str) -> bool:
        """Whether the person may (a bot.people.permissions.Permission)."""
        return permission in self.allowed

    def require(self, permission: str) -> None:
        """NotPermitted (a polite sentence naming who can) unless the person may."""
        if permission not in self.allowed:
            raise NotPermitted(permission)
