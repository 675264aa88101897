"""Emerging themes: what an organisation's answers say that no theme covers yet.

The answers with no code are clustered (clustering.py) into candidates, each with its
top terms and, where the group is big enough to quote safely, three typical answers
(already redacted when stored). The wellness lead decides each one:

- accept: it becomes a theme of that organisation's codebook (a slug id, the top terms
  as keywords) and its answers are coded with it; from then on the organisation's
  coder (codebook.py) codes every new answer, idea, import and recode with it;
- merge into an existing theme: its answers get a person's code of that theme;
- dismiss: its answers are not proposed again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.codebook import forget, organisation_coder, theme_spec
from bot.analysis.coder import CodebookCoder
from bot.errors import ThriveError
from bot.privacy.audit import Actor, Audited, record
from prompts import Content
from storage.emerging import ACCEPTED, DISMISSED, MERGED, PENDING, EmergingRepository
from storage.models import Coding, EmergingTheme, Theme

# How many of the latest uncovered answers are clustered at once: enough for any
# organisation's quarter, bounded so a proposal stays a second or two.
MAX_ANSWERS = 5000
CODER = "coder"
PERSON = "person"


class UnknownCandidate(ThriveError):
    copy_key = "emerging.unknown"


class CandidateDecided(ThriveError):
    copy_key = "emerging.decided"


class UnknownTheme(ThriveError):
    copy_key = "emerging.unknown_theme"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate theme as the wellness lead sees it."""

    id: int
    top_terms: tuple[str, ...]
    answers: int
    quotes: tuple[str, ...]  # empty when the group is too small to quote


async def propose(
    session: AsyncSession, organisation_id: int, *, minimum: int, now: datetime
) -> list[Candidate]:
    """Cluster the organisation's uncovered answers again and return the candidates
    (those unchanged keep their ids). Quotes are not read here: see `quotes`."""
    # scikit-learn takes a second to import: only the commands that cluster pay for it.
    from bot.analysis.clustering import clusters

    repository = EmergingRepository(session)
    answers = await repository.uncovered_answers(organisation_id, MAX_ANSWERS)
    found = clusters([text for _, text in answers], minimum)
    proposed = [
        EmergingTheme(
            organisation_id=organisation_id,
            top_terms=list(cluster.top_terms),
            # The typical answers first, so quotes need no second clustering.
            response_ids=[answers[i][0] for i in cluster.typical]
            + [answers[i][0] for i in cluster.members if i not in cluster.typical],
            state=PENDING,
            created_at=now,
        )
        for cluster in found
    ]
    kept = await repository.replace_pending(organisation_id, proposed)
    return [_candidate(c, ()) for c in kept]


async def with_quotes(
    session: AsyncSession,
    organisation_id: int,
    candidates: Sequence[Candidate],
    *,
    minimum: int,
    now: datetime,
    by: Actor,
) -> list[Candidate]:
    """The candidates with up to three typical answers each, for groups of at least
    `minimum`. Showing answers' words is a raw-data view: it is written to the audit log."""
    repository = EmergingRepository(session)
    shown: list[Candidate] = []
    quoted: list[int] = []
    for candidate in candidates:
        stored = await repository.get(organisation_id, candidate.id)
        if stored is None or candidate.answers < minimum:
            shown.append(candidate)
            continue
        typical = [int(i) for i in stored.response_ids[:3]]
        texts = await repository.texts(organisation_id, typical)
        quotes = tuple(texts[i] for i in typical if texts.get(i))
        quoted.extend(typical)
        shown.append(_candidate(stored, quotes))
    if quoted:
        await record(
            session,
            Audited.QUOTES_VIEWED,
            by=by,
            now=now,
            organisation_id=organisation_id,
            subject="emerging themes",
            detail={"responses": quoted},
        )
    return shown


async def accept(
    session: AsyncSession,
    organisation_id: int,
    candidate_id: int,
    content: Content,
    *,
    label: str | None,
    now: datetime,
) -> tuple[Theme, int]:
    """The candidate becomes a theme of the organisation's codebook, and its answers are
    coded by the organisation's coder (which now knows it); with how many of them it
    codes with the new theme."""
    repository = EmergingRepository(session)
    candidate = await _pending(repository, organisation_id, candidate_id)
    name = (label or "").strip() or candidate.top_terms[0].capitalize()
    theme = await repository.add_theme(
        Theme(
            id=await _free_slug(repository, name),
            organisation_id=organisation_id,
            label=name[:200],
            description=f"Accepted from emerging answers: {', '.join(candidate.top_terms)}.",
            keywords=list(candidate.top_terms),
            status="active",
        )
    )
    forget(organisation_id)  # its codebook changed: the kept coder is stale
    coder = await organisation_coder(session, content, organisation_id)
    codes = []
    for response_id, text, question in await repository.answers_with_questions(
        organisation_id, candidate.response_ids
    ):
        for code in coder.code(text, question):
            codes.append(
                Coding(
                    response_id=response_id,
                    theme_id=code.theme,
                    polarity=code.polarity.value,
                    source=CODER,
                    confidence=code.confidence,
                    created_at=now,
                )
            )
    await repository.add_codes(codes)
    _decide(candidate, ACCEPTED, theme.id, now)
    return theme, sum(1 for code in codes if code.theme_id == theme.id)


async def merge(
    session: AsyncSession,
    organisation_id: int,
    candidate_id: int,
    into: str,
    content: Content,
    *,
    now: datetime,
) -> tuple[Theme, int]:
    """The candidate's answers get a person's code of the theme `into` (the shipped
    codebook's or the organisation's own); polarity from their wording where it says."""
    repository = EmergingRepository(session)
    candidate = await _pending(repository, organisation_id, candidate_id)
    theme = await repository.theme(organisation_id, into)
    if theme is None:
        raise UnknownTheme(theme=into)
    # The candidate's words read as the theme's, so the coder can tell each answer's way.
    reader = CodebookCoder.from_content(
        content,
        extra=[theme_spec(theme.id + "-merge", theme.label, candidate.top_terms)],
        only_extra=True,
    )
    codes = []
    for response_id, text, question in await repository.answers_with_questions(
        organisation_id, candidate.response_ids
    ):
        read = reader.code(text, question)
        codes.append(
            Coding(
                response_id=response_id,
                theme_id=theme.id,
                polarity=read[0].polarity.value if read else None,
                source=PERSON,
                confidence=None,
                created_at=now,
            )
        )
    await repository.add_codes(codes)
    _decide(candidate, MERGED, theme.id, now)
    return theme, len(codes)


async def dismiss(
    session: AsyncSession, organisation_id: int, candidate_id: int, *, now: datetime
) -> EmergingTheme:
    repository = EmergingRepository(session)
    candidate = await _pending(repository, organisation_id, candidate_id)
    _decide(candidate, DISMISSED, None, now)
    await session.flush()
    return candidate


async def _pending(
    repository: EmergingRepository, organisation_id: int, candidate_id: int
) -> EmergingTheme:
    candidate = await repository.get(organisation_id, candidate_id)
    if candidate is None:
        raise UnknownCandidate(id=candidate_id)
    if candidate.state != PENDING:
        raise CandidateDecided(id=candidate_id, state=candidate.state)
    return candidate


def _decide(candidate: EmergingTheme, state: str, theme_id: str | None, now: datetime) -> None:
    candidate.state = state
    candidate.theme_id = theme_id
    candidate.decided_at = now


async def _free_slug(repository: EmergingRepository, name: str) -> str:
    """A theme id from the label ("Parking / car" -> "parking-car"), unique on the server."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56] or "theme"
    slug, number = base, 1
    while await repository.theme_id_taken(slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


def _candidate(stored: EmergingTheme, quotes: tuple[str, ...]) -> Candidate:
    return Candidate(
        id=stored.id,
        top_terms=tuple(stored.top_terms),
        answers=len(stored.response_ids),
        quotes=quotes,
    )


__all__ = [
    "Candidate",
    "accept",
    "dismiss",
    "merge",
    "propose",
    "with_quotes",
]
