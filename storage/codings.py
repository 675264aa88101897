"""Codings: the themes each answer (and idea) speaks of, by the coder or by a person.

The coder's rows (`coder`) are replaced whenever an answer is coded again; a person's
rows (`person`) are never touched by the coder. Once a person has reviewed an answer
(`responses.reviewed_at`), or has a person's row, its person rows are its codes (even
none): `effective_codes` is the one query that says which rows count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from storage.models import Coding, Idea, IdeaCoding, Response

CODER = "coder"
PERSON = "person"


@dataclass(frozen=True, slots=True)
class NewCode:
    theme: str
    polarity: str  # barrier | enabler
    confidence: float | None = None  # None for a person's code


@dataclass(frozen=True, slots=True)
class StoredCode:
    theme: str
    polarity: str | None
    source: str
    confidence: float | None


@dataclass(frozen=True, slots=True)
class TextToCode:
    """An answer's (or idea's) id and words, and the question it answered."""

    id: int
    text: str
    question: str | None


@dataclass(frozen=True, slots=True)
class AnswerCodes:
    """An answer with its question, words and every coding row it has."""

    id: int
    question: str
    text: str
    reviewed: bool
    codes: tuple[StoredCode, ...]

    @property
    def by_person(self) -> bool:
        """Whether a person coded it: reviewed (even to no theme), or any person row."""
        return self.reviewed or any(code.source == PERSON for code in self.codes)

    def effective(self) -> tuple[StoredCode, ...]:
        """The codes that count: a person's when a person coded it, else the coder's."""
        wanted = PERSON if self.by_person else CODER
        return tuple(code for code in self.codes if code.source == wanted)

    def by(self, source: str) -> dict[str, str | None]:
        return {code.theme: code.polarity for code in self.codes if code.source == source}


def coded_by_person() -> ColumnElement[bool]:
    """Whether a person coded the answer (`Response` in the query): reviewed, even to no
    theme, or carrying a person's row. Then a person's rows are its codes."""
    person = aliased(Coding)
    return or_(
        Response.reviewed_at.is_not(None),
        exists().where(person.response_id == Response.id, person.source == PERSON),
    )


def counts_as_code(coding: type[Coding]) -> ColumnElement[bool]:
    """Whether a coding row (of `Response` in the query) counts: a person's always; the
    coder's only where no person coded the answer, so an answer a person said fits no
    theme counts as none. The one rule the matrix, quotes and exports share."""
    return or_(coding.source == PERSON, and_(coding.source == CODER, ~coded_by_person()))


def effective_codes() -> Select[Coding]:
    """The coding rows that count (`counts_as_code`), with their answers joined."""
    return (
        select(Coding)
        .join(Response, Response.id == Coding.response_id)
        .where(counts_as_code(Coding))
    )


class CodingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- Writing the coder's codes ---

    async def replace_coder_codes(
        self, codes_by_answer: Mapping[int, Sequence[NewCode]], now: datetime, *, new: bool = False
    ) -> int:
        """Replace the coder's rows of these answers with `codes` (a person's stay), in
        two statements whatever the count (one for `new` answers, which have none yet);
        the number of rows written."""
        return await self._replace_coder_rows(Coding, "response_id", codes_by_answer, now, new)

    async def replace_idea_coder_codes(
        self, codes_by_idea: Mapping[int, Sequence[NewCode]], now: datetime, *, new: bool = False
    ) -> int:
        """The same for ideas' codes."""
        return await self._replace_coder_rows(IdeaCoding, "idea_id", codes_by_idea, now, new)

    async def _replace_coder_rows(
        self,
        table: type[Coding] | type[IdeaCoding],
        coded: str,
        codes_by_row: Mapping[int, Sequence[NewCode]],
        now: datetime,
        new: bool,
    ) -> int:
        if not codes_by_row:
            return 0
        if not new:
            await self.session.execute(
                delete(table)
                .where(getattr(table, coded).in_(list(codes_by_row)), table.source == CODER)
                .execution_options(synchronize_session=False)
            )
        rows = [
            {
                coded: row_id,
                "theme_id": code.theme,
                "polarity": code.polarity,
                "source": CODER,
                "confidence": code.confidence,
                "created_at": now,
            }
            for row_id, codes in codes_by_row.items()
            for code in codes
        ]
        if rows:
            await self.session.execute(insert(table), rows)
        return len(rows)

    # --- A person's codes ---

    async def set_person_codes(
        self, answer_id: int, codes: Sequence[NewCode], now: datetime
    ) -> None:
        """The person's codes for the answer (none is an answer too): replaces their
        earlier ones and marks the answer reviewed; the coder's rows stay for agreement."""
        await self.session.execute(
            delete(Coding)
            .where(Coding.response_id == answer_id, Coding.source == PERSON)
            .execution_options(synchronize_session=False)
        )
        if codes:
            await self.session.execute(
                insert(Coding),
                [
                    {
                        "response_id": answer_id,
                        "theme_id": code.theme,
                        "polarity": code.polarity,
                        "source": PERSON,
                        "confidence": None,
                        "created_at": now,
                    }
                    for code in codes
                ],
            )
        await self.session.execute(
            update(Response)
            .where(Response.id == answer_id)
            .values(reviewed_at=now)
            .execution_options(synchronize_session=False)
        )

    # --- Reading ---

    async def answers_to_code(
        self, organisation_id: int | None, *, after: int, limit: int
    ) -> list[TextToCode]:
        """The next `limit` answers with words (by id, after `after`), of one organisation
        or of all: a batch to recode without holding them all in memory."""
        statement = (
            select(Response.id, Response.text, Response.prompt_id)
            .where(Response.id > after, Response.text.is_not(None))
            .order_by(Response.id)
            .limit(limit)
        )
        if organisation_id is not None:
            statement = statement.where(Response.organisation_id == organisation_id)
        rows = await self.session.execute(statement)
        return [TextToCode(id_, text or "", prompt) for id_, text, prompt in rows.all()]

    async def ideas_to_code(
        self, organisation_id: int | None, *, after: int, limit: int
    ) -> list[TextToCode]:
        """The next `limit` ideas (by id, after `after`); ideas answer no question."""
        statement = select(Idea.id, Idea.text).where(Idea.id > after).order_by(Idea.id).limit(limit)
        if organisation_id is not None:
            statement = statement.where(Idea.organisation_id == organisation_id)
        rows = await self.session.execute(statement)
        return [TextToCode(id_, text, None) for id_, text in rows.all()]

    async def count_ideas_to_code(self, organisation_id: int | None) -> int:
        statement = select(func.count()).select_from(Idea)
        if organisation_id is not None:
            statement = statement.where(Idea.organisation_id == organisation_id)
        return int(await self.session.scalar(statement) or 0)

    async def count_answers_to_code(self, organisation_id: int | None) -> int:
        statement = select(func.count()).select_from(Response).where(Response.text.is_not(None))
        if organisation_id is not None:
            statement = statement.where(Response.organisation_id == organisation_id)
        return int(await self.session.scalar(statement) or 0)

    async def least_certain(self, organisation_id: int, limit: int) -> list[AnswerCodes]:
        """Coded answers no person has reviewed, the least certain code first."""
        lowest = func.min(Coding.confidence)
        rows = await self.session.execute(
            select(Response.id)
            .join(Coding, and_(Coding.response_id == Response.id, Coding.source == CODER))
            .where(
                Response.organisation_id == organisation_id,
                ~coded_by_person(),
                Response.distress.is_(False),  # not shown for review: see `answer_ids_after`
            )
            .group_by(Response.id)
            .order_by(lowest.asc(), Response.id)
            .limit(limit)
        )
        ids = [row[0] for row in rows.all()]
        found = {answer.id: answer for answer in await self.answers(organisation_id, ids)}
        return [found[id_] for id_ in ids if id_ in found]

    async def answers(self, organisation_id: int, ids: Iterable[int]) -> list[AnswerCodes]:
        """These answers of the organisation (others are left out), with their codings."""
        wanted = list(ids)
        if not wanted:
            return []
        responses = (
            await self.session.execute(
                select(Response.id, Response.prompt_id, Response.text, Response.reviewed_at)
                .where(Response.organisation_id == organisation_id, Response.id.in_(wanted))
                .order_by(Response.id)
            )
        ).all()
        codes = await self._codes_of([row[0] for row in responses])
        return [
            AnswerCodes(id_, prompt, text or "", reviewed is not None, tuple(codes.get(id_, ())))
            for id_, prompt, text, reviewed in responses
        ]

    async def answer_ids_after(
        self,
        organisation_id: int,
        *,
        after: int,
        limit: int,
        with_text: bool = True,
        with_distress: bool = False,
    ) -> list[int]:
        """The organisation's answer ids after `after`, in order; those the distress safety
        net flagged only when `with_distress` says so (exports leave them out by default)."""
        statement = (
            select(Response.id)
            .where(Response.organisation_id == organisation_id, Response.id > after)
            .order_by(Response.id)
            .limit(limit)
        )
        if with_text:
            statement = statement.where(Response.text.is_not(None))
        if not with_distress:
            statement = statement.where(Response.distress.is_(False))
        return list((await self.session.scalars(statement)).all())

    async def coded_by_people(
        self, organisation_id: int | None
    ) -> list[tuple[str, str, dict[str, str]]]:
        """(text, question, {theme: polarity}) of every answer a person coded (one
        organisation's, or all), their codes with a polarity only: examples to learn from."""
        statement = (
            select(Response.id, Response.text, Response.prompt_id, Coding.theme_id, Coding.polarity)
            .outerjoin(
                Coding,
                and_(
                    Coding.response_id == Response.id,
                    Coding.source == PERSON,
                    Coding.polarity.is_not(None),
                ),
            )
            .where(coded_by_person(), Response.text.is_not(None), Response.text != "")
            .order_by(Response.id)
        )
        if organisation_id is not None:
            statement = statement.where(Response.organisation_id == organisation_id)
        found: dict[int, tuple[str, str, dict[str, str]]] = {}
        for id_, text, question, theme, polarity in (await self.session.execute(statement)).all():
            codes = found.setdefault(id_, (text or "", question, {}))[2]
            if theme is not None:
                codes[theme] = polarity or ""
        return list(found.values())

    async def reviewed_ids(self, organisation_id: int) -> list[int]:
        """The organisation's answers a person coded (see `coded_by_person`)."""
        statement = (
            select(Response.id)
            .where(Response.organisation_id == organisation_id, coded_by_person())
            .order_by(Response.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def idea_codes(self, idea_id: int) -> list[StoredCode]:
        rows = await self.session.execute(
            select(
                IdeaCoding.theme_id, IdeaCoding.polarity, IdeaCoding.source, IdeaCoding.confidence
            )
            .where(IdeaCoding.idea_id == idea_id)
            .order_by(IdeaCoding.id)
        )
        return [StoredCode(*row) for row in rows.all()]

    async def _codes_of(self, answer_ids: Sequence[int]) -> dict[int, list[StoredCode]]:
        found: dict[int, list[StoredCode]] = {}
        if not answer_ids:
            return found
        rows = await self.session.execute(
            select(
                Coding.response_id,
                Coding.theme_id,
                Coding.polarity,
                Coding.source,
                Coding.confidence,
            )
            .where(Coding.response_id.in_(list(answer_ids)))
            .order_by(Coding.response_id, Coding.confidence.desc(), Coding.id)
        )
        for answer_id, theme, polarity, source, confidence in rows.all():
            found.setdefault(answer_id, []).append(StoredCode(theme, polarity, source, confidence))
        return found
