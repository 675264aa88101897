"""Coding on store, and recoding in bulk: the coder's codes written beside the words.

An answer or idea is coded in the transaction that stores it, so no answer is ever
uncoded; an edit codes it again. The coder is built once per content (the codebook's
words are compiled then) and kept: coding itself is pure Python, well under a
millisecond an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.coder import Code, CodebookCoder, Coder
from prompts import Content
from storage.codings import CodingRepository, NewCode, TextToCode
from storage.engine import Database
from storage.models import Idea, Response

RECODE_BATCH = 500  # answers read, coded and written per statement pair
_KEPT = 4  # coders kept: one content per process, a few in tests

_coders: dict[int, tuple[Content, CodebookCoder]] = {}


def coder_for(content: Content) -> CodebookCoder:
    """The default coder for `content`, built on first use and kept (the content is kept
    with it, so its id cannot be reused by another)."""
    kept = _coders.get(id(content))
    if kept is not None and kept[0] is content:
        return kept[1]
    coder = CodebookCoder.from_content(content)
    if len(_coders) >= _KEPT:
        _coders.pop(next(iter(_coders)))
    _coders[id(content)] = (content, coder)
    return coder


def new_codes(codes: Sequence[Code]) -> list[NewCode]:
    return [NewCode(code.theme, code.polarity.value, code.confidence) for code in codes]


async def code_answer(
    session: AsyncSession, content: Content, answer: Response, now: datetime, *, new: bool
) -> None:
    """Code a stored (flushed) answer's words, replacing the coder's earlier codes
    (a `new` answer has none to replace); an answer without words has none."""
    codes = coder_for(content).code(answer.text, answer.prompt_id) if answer.text else ()
    repository = CodingRepository(session)
    await repository.replace_coder_codes({answer.id: new_codes(codes)}, now, new=new)


async def code_idea(
    session: AsyncSession, content: Content, idea: Idea, now: datetime, *, new: bool
) -> None:
    """Code a stored (flushed) idea's words: ideas answer no question."""
    codes = coder_for(content).code(idea.text) if idea.text else ()
    repository = CodingRepository(session)
    await repository.replace_idea_coder_codes({idea.id: new_codes(codes)}, now, new=new)


async def recode_batch(
    session: AsyncSession, coder: Coder, answers: Sequence[TextToCode], now: datetime
) -> int:
    """Code these answers again, replacing the coder's rows of all of them at once (a
    person's rows stay); the number of codes written."""
    codes = {answer.id: new_codes(coder.code(answer.text, answer.question)) for answer in answers}
    return await CodingRepository(session).replace_coder_codes(codes, now)


@dataclass(frozen=True)
class Recoded:
    answers: int
    codes: int


async def recode_all(
    database: Database,
    content: Content,
    organisation_id: int | None,
    now: datetime,
    *,
    started: Callable[[int], None] | None = None,
    progressed: Callable[[int], None] | None = None,
    batch: int = RECODE_BATCH,
) -> Recoded:
    """Code every answer with words again (one organisation's, or all), a batch per
    transaction: `started` hears the total, `progressed` each batch's size."""
    coder = coder_for(content)
    async with database.transaction() as session:
        total = await CodingRepository(session).count_answers_to_code(organisation_id)
    if started is not None:
        started(total)
    answers = codes = last = 0
    while True:
        async with database.transaction() as session:
            found = await CodingRepository(session).answers_to_code(
                organisation_id, after=last, limit=batch
            )
            if not found:
                break
            codes += await recode_batch(session, coder, found, now)
        answers += len(found)
        last = found[-1].id
        if progressed is not None:
            progressed(len(found))
    return Recoded(answers, codes)
