"""A known set of coded answers for the matrix's tests (and the chat summary's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.analysis import AnalysisRepository
from storage.answers import AnswerRepository
from storage.engine import Database
from storage.models import Coding, Occurrence, Response
from storage.people import PeopleRepository
from storage.pulses import PulseRepository
from storage.states import Anonymity

SINCE = datetime(2026, 2, 15, tzinfo=UTC)
UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
CURRENT = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
BEFORE = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)


@dataclass
class Answers:
    """Writes answers and their codes into one organisation."""

    session: AsyncSession
    organisation_id: int
    occurrences: dict[str, Occurrence] = field(default_factory=dict)

    async def occurrence(self, anonymity: str = Anonymity.CONFIDENTIAL) -> Occurrence:
        if anonymity not in self.occurrences:
            occurrence = Occurrence(
                organisation_id=self.organisation_id,
                prompt_ids=["joy-more", "engaged"],
                anonymity=anonymity,
                opened_at=BEFORE - timedelta(days=10),
            )
            await PulseRepository(self.session).open_occurrence(occurrence)
            self.occurrences[anonymity] = occurrence
        return self.occurrences[anonymity]

    async def answer(
        self,
        key: str | None,
        text: str,
        *codes: tuple[str, str, str, float | None],  # theme, polarity, source, confidence
        prompt: str = "joy-more",
        site: str | None = None,
        role: str | None = None,
        when: datetime = CURRENT,
        anonymity: str = Anonymity.CONFIDENTIAL,
    ) -> Response:
        occurrence = await self.occurrence(anonymity)
        response = await AnswerRepository(self.session).add(
            Response(
                organisation_id=self.organisation_id,
                occurrence_id=occurrence.id,
                prompt_id=prompt,
                respondent_key=key,
                site=site,
                role=role,
                text=text,
                redactions=[],
                created_at=when,
                updated_at=when,
            )
        )
        await AnalysisRepository(self.session).add_codes(
            [
                Coding(
                    response_id=response.id,
                    theme_id=theme,
                    polarity=polarity,
                    source=source,
                    confidence=confidence,
                    created_at=when,
                )
                for theme, polarity, source, confidence in codes
            ]
        )
        return response


async def organisation(session: AsyncSession, platform: str, external_id: str) -> int:
    workspace = await PeopleRepository(session).workspace(platform, external_id, now=CURRENT)
    return workspace.organisation_id


def coder(theme: str, polarity: str, confidence: float = 0.5) -> tuple[str, str, str, float]:
    return (theme, polarity, "coder", confidence)


def person(theme: str, polarity: str) -> tuple[str, str, str, None]:
    return (theme, polarity, "person", None)


async def seed_known_answers(
    database: Database, platform: str = "local", workspace: str = "local"
) -> int:
    """The organisation of `workspace`, with answers whose matrix the tests know:

    joy-more, now: North 12 people (10 staffing barrier, n0 twice; n0-n5 teamwork
    enabler), South 6 (s0-s4 staffing enabler; s0's a person's correction of the
    coder's barrier), East 3 (staffing barrier, role leader; the others clinicians);
    joy-more, the period before: 10 people, 5 staffing barrier; engaged: 7 answers to
    an anonymous occurrence under one key, all autonomy barrier.
    """
    async with database.transaction() as session:
        org = await organisation(session, platform, workspace)
        answers = Answers(session, org)
        for n in range(12):
            codes = [coder("staffing", "barrier", 0.5 + n / 100)] if n < 10 else []
            if n < 6:
                codes.append(coder("teamwork", "enabler", 0.7))
            await answers.answer(
                f"n{n}", f"north answer {n}", *codes, site="North", role="clinician"
            )
        await answers.answer(
            "n0",
            "north answer again",
            coder("staffing", "barrier", 0.4),
            site="North",
            role="clinician",
        )
        await answers.answer(
            "s0",
            "south corrected",
            coder("staffing", "barrier", 0.9),
            person("staffing", "enabler"),
            site="South",
            role="clinician",
        )
        for n in range(1, 6):
            codes = [coder("staffing", "enabler", 0.3)] if n < 5 else []
            await answers.answer(
                f"s{n}", f"south answer {n}", *codes, site="South", role="clinician"
            )
        for n in range(3):
            await answers.answer(
                f"e{n}",
                f"east answer {n}",
                coder("staffing", "barrier"),
                site="East",
                role="leader",
            )
        for n in range(10):
            codes = [coder("staffing", "barrier")] if n < 5 else []
            await answers.answer(
                f"p{n}", f"earlier answer {n}", *codes, site="North", role="clinician", when=BEFORE
            )
        for n in range(7):
            await answers.answer(
                "anon",
                f"anonymous answer {n}",
                coder("autonomy", "barrier"),
                prompt="engaged",
                anonymity=Anonymity.ANONYMOUS,
            )
    return org
