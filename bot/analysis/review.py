"""A person in the loop: the wellness lead confirms or corrects codes, one answer at a
time (`thrive analysis review`) or in a corrected sheet (`export-codes`, `import-codes`),
and sees how often the coder agrees with them (`thrive analysis agreement`).

A person's codes are kept as `person` rows and the answer is marked reviewed: from then
on they are its codes and recoding never touches them. Every look at answers' words is
recorded in the audit log with the filters and who ran it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.codebook import codebook_of
from bot.analysis.evaluation import cohen_kappa
from bot.errors import ThriveError
from bot.privacy.audit import Audited, at_cli, record
from prompts import Content, Polarity
from storage.codings import CODER, PERSON, AnswerCodes, CodingRepository, NewCode, StoredCode

VIEWED = Audited.RAW_ANSWERS_VIEWED
EXPORTED = Audited.RAW_ANSWERS_EXPORTED
NO_THEMES = "none"
SHEET_COLUMNS = ("answer_id", "question", "text", "themes", "coded_by")
IMPORT_BATCH = 500


class CodesProblem(ThriveError):
    """Codes that cannot be used as given; `analysis.error.<problem>` says why."""

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(problem, **values)
        self.copy_key = f"analysis.error.{problem}"


@dataclass(frozen=True)
class ThemeKappa:
    theme: str
    coder: int  # reviewed answers the coder gave this theme
    people: int  # reviewed answers a person gave it
    kappa: float


@dataclass(frozen=True)
class PeopleAgreement:
    answers: int  # answers a person reviewed
    themes: tuple[ThemeKappa, ...]  # themes either side used


@dataclass(frozen=True)
class Imported:
    rows: int
    changed: int  # answers whose codes the sheet changed (now a person's)


def parse_themes(given: str, known: Iterable[str]) -> list[NewCode]:
    """ "teamwork:barrier, staffing:enabler" (or "none", or nothing) as a person's codes;
    CodesProblem naming the first unknown theme or polarity."""
    cleaned = given.strip()
    if not cleaned or cleaned.lower() == NO_THEMES:
        return []
    themes = set(known)
    codes: dict[str, NewCode] = {}
    for part in cleaned.replace(";", ",").split(","):
        if not part.strip():
            continue
        theme, _, polarity = (piece.strip().lower() for piece in part.partition(":"))
        if theme not in themes:
            raise CodesProblem("unknown_theme", theme=theme or part.strip())
        if polarity not in {p.value for p in Polarity}:
            raise CodesProblem("unknown_polarity", theme=theme, polarity=polarity or "nothing")
        codes[theme] = NewCode(theme, polarity)
    return list(codes.values())


def shown(codes: Sequence[StoredCode]) -> str:
    """Codes as a sheet cell or a prompt shows them: "in-basket:barrier, ..." or "none"."""
    return ", ".join(f"{code.theme}:{code.polarity}" for code in codes) or NO_THEMES


async def audit_view(
    session: AsyncSession,
    action: Audited,
    *,
    now: datetime,
    operator: str,
    organisation_id: int,
    filters: dict[str, Any],
    answers: int,
) -> None:
    """Who looked at answers' words (the operator at the CLI), which and how many."""
    await record(
        session,
        action,
        by=at_cli(operator),
        now=now,
        organisation_id=organisation_id,
        subject=f"organisation:{organisation_id}",
        detail={"filters": filters, "answers": answers},
    )


async def to_review(session: AsyncSession, organisation_id: int, limit: int) -> list[AnswerCodes]:
    """Coded answers no one has reviewed yet, the least certain first."""
    return await CodingRepository(session).least_certain(organisation_id, limit)


async def confirm(session: AsyncSession, answer: AnswerCodes, now: datetime) -> None:
    """The person agrees with the coder: the coder's codes become theirs."""
    codes = [
        NewCode(code.theme, code.polarity or Polarity.BARRIER.value)
        for code in answer.codes
        if code.source == CODER
    ]
    await CodingRepository(session).set_person_codes(answer.id, codes, now)


async def correct(
    session: AsyncSession, answer_id: int, codes: Sequence[NewCode], now: datetime
) -> None:
    """The person's own codes for the answer (an empty list: no theme fits)."""
    await CodingRepository(session).set_person_codes(answer_id, codes, now)


async def import_codes(
    session: AsyncSession,
    content: Content,
    organisation_id: int,
    rows: Sequence[tuple[int, str, str]],
    now: datetime,
) -> Imported:
    """A corrected sheet's rows (row number, answer id as written, themes as written):
    all checked before any is applied, so a bad row (its number given) changes nothing.
    A row whose themes differ from the answer's codes becomes a person's codes. A theme
    must be in the organisation's codebook: another organisation's own is unknown here."""
    repository = CodingRepository(session)
    known = (await codebook_of(session, content, organisation_id)).theme_ids
    wanted: dict[int, list[NewCode]] = {}
    numbers: dict[int, int] = {}
    for number, written, themes in rows:
        try:
            codes = parse_themes(themes, known)
        except CodesProblem as problem:
            raise CodesProblem(f"row_{problem.args[0]}", row=number, **problem.values) from None
        if not written.strip().isdigit():
            raise CodesProblem("row_answer_id", row=number, given=written.strip() or "nothing")
        wanted[int(written)] = codes
        numbers[int(written)] = number
    changed = 0
    ids = list(wanted)
    for start in range(0, len(ids), IMPORT_BATCH):
        batch = ids[start : start + IMPORT_BATCH]
        found = {answer.id: answer for answer in await repository.answers(organisation_id, batch)}
        for answer_id in batch:
            answer = found.get(answer_id)
            if answer is None:
                raise CodesProblem("row_unknown_answer", row=numbers[answer_id], answer=answer_id)
            now_codes = {code.theme: code.polarity for code in answer.effective()}
            new_codes = {code.theme: code.polarity for code in wanted[answer_id]}
            if now_codes != new_codes:
                await repository.set_person_codes(answer_id, wanted[answer_id], now)
                changed += 1
    return Imported(len(rows), changed)


async def agreement_with_people(session: AsyncSession, organisation_id: int) -> PeopleAgreement:
    """Cohen's kappa per theme between the coder and people, on the answers people
    reviewed (a theme's presence in each answer, either way)."""
    repository = CodingRepository(session)
    reviewed = await repository.answers(
        organisation_id, await repository.reviewed_ids(organisation_id)
    )
    coder = [set(answer.by(CODER)) for answer in reviewed]
    people = [set(answer.by(PERSON)) for answer in reviewed]
    used = sorted(set().union(*coder, *people)) if reviewed else []
    themes = []
    for theme in used:
        by_coder = [theme in codes for codes in coder]
        by_people = [theme in codes for codes in people]
        themes.append(
            ThemeKappa(theme, sum(by_coder), sum(by_people), cohen_kappa(by_people, by_coder))
        )
    return PeopleAgreement(len(reviewed), tuple(themes))
