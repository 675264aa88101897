"""Coding on store, and recoding in bulk: the coder's codes written beside the words.

An answer or idea is coded in the transaction that stores it, so no answer is ever
uncoded; an edit codes it again. It is coded with its organisation's coder (the
shipped codebook plus the themes that organisation accepted: codebook.py), built once
and kept: coding itself is pure Python, well under a millisecond an answer. A recode
codes every answer and idea again, each with its own organisation's coder, in worker
processes when there are many (`BulkCoding`); a person's codes are never touched.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.codebook import (
    CODERS,
    KEYWORDS,
    LEARNED,
    Coders,
    OwnThemes,
    build_coder,
    choose_coder,
    chosen_coder,
    coder_for,
    organisation_coder,
    own_themes,
)
from bot.analysis.coder import Code, Coder
from bot.analysis.evaluation import LabelledAnswer
from prompts import Content, Polarity
from storage.codings import CodingRepository, NewCode, TextToCode
from storage.engine import Database
from storage.models import Idea, Response
from storage.organisations import OrganisationRepository

RECODE_BATCH = 500  # answers read, coded and written per statement pair (per worker)
# Coding is pure Python: from this many answers on, a recode codes in worker processes.
PARALLEL_FROM = 20_000
MAX_WORKERS = 2


def new_codes(codes: Sequence[Code]) -> list[NewCode]:
    return [NewCode(code.theme, code.polarity.value, code.confidence) for code in codes]


async def code_answer(
    session: AsyncSession, content: Content, answer: Response, now: datetime, *, new: bool
) -> None:
    """Code a stored (flushed) answer's words, replacing the coder's earlier codes
    (a `new` answer has none to replace); an answer without words has none."""
    if not answer.text:
        codes: tuple[Code, ...] = ()
    else:
        coder = await organisation_coder(session, content, answer.organisation_id)
        codes = coder.code(answer.text, answer.prompt_id)
    repository = CodingRepository(session)
    await repository.replace_coder_codes({answer.id: new_codes(codes)}, now, new=new)


async def code_idea(
    session: AsyncSession, content: Content, idea: Idea, now: datetime, *, new: bool
) -> None:
    """Code a stored (flushed) idea's words: ideas answer no question."""
    if not idea.text:
        codes: tuple[Code, ...] = ()
    else:
        codes = (await organisation_coder(session, content, idea.organisation_id)).code(idea.text)
    repository = CodingRepository(session)
    await repository.replace_idea_coder_codes({idea.id: new_codes(codes)}, now, new=new)


def code_texts(coder: Coder, texts: Sequence[TextToCode]) -> list[list[NewCode]]:
    """Each text's codes, in order, ready to store."""
    return [new_codes(coder.code(text.text, text.question)) if text.text else [] for text in texts]


# What crosses to a worker and back: plain tuples, which pickle ten times faster than
# dataclasses (with dataclasses, the parent spent more time pickling than workers saved).
_Text = tuple[str, str | None]
_Found = tuple[tuple[str, str, float], ...]

_worker_coders: Coders | None = None  # the coders of a worker process (`BulkCoding`)


def _start_worker(coders: Coders) -> None:
    global _worker_coders
    _worker_coders = coders


def _code_in_worker(own: OwnThemes, texts: Sequence[_Text]) -> list[_Found]:
    coders = _worker_coders
    assert coders is not None
    coder = coders.coder(own)
    return [
        tuple((code.theme, code.polarity.value, code.confidence) for code in coder.code(*text))
        if text[0]
        else ()
        for text in texts
    ]


class BulkCoding:
    """Codes many answers: in this process, or split across `workers` processes when
    there are enough answers to pay for starting them (coding is pure Python, so threads
    would not help). Each call codes one organisation's answers, with the themes it
    accepted (`own`). Use it as a context manager: the workers stop on leaving."""

    def __init__(self, coders: Coders, workers: int = 1) -> None:
        self.coders = coders
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BulkCoding:
        if self.workers > 1:
            # Each worker is handed the coders once (pickled), not per batch.
            self._pool = ProcessPoolExecutor(
                self.workers, initializer=_start_worker, initargs=(self.coders,)
            )
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    async def code(self, texts: Sequence[TextToCode], own: OwnThemes = ()) -> list[list[NewCode]]:
        """Each text's codes, in order; the event loop stays free while workers code."""
        if self._pool is None or len(texts) < 2 * self.workers:
            return code_texts(self.coders.coder(own), texts)
        plain = [(text.text, text.question) for text in texts]
        size = -(-len(plain) // self.workers)
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(self._pool, _code_in_worker, own, plain[at : at + size])
                for at in range(0, len(plain), size)
            )
        )
        return [[NewCode(*code) for code in found] for part in parts for found in part]


def bulk_workers(total: int) -> int:
    """Worker processes for coding `total` answers: one (this process) below
    PARALLEL_FROM, else one per core up to MAX_WORKERS."""
    if total < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


@dataclass(frozen=True)
class Recoded:
    answers: int
    codes: int
    ideas: int = 0
    idea_codes: int = 0


async def recode_all(
    database: Database,
    content: Content,
    organisation_id: int | None,
    now: datetime,
    *,
    started: Callable[[int], None] | None = None,
    progressed: Callable[[int], None] | None = None,
    batch: int = RECODE_BATCH,
    workers: int | None = None,
) -> Recoded:
    """Code every answer with words and every idea again (one organisation's, or all),
    each with its organisation's coder, a batch per transaction: `started` hears the
    total of both, `progressed` each batch's size. A person's codes are never touched.
    `workers`: processes to code in (default: by the total, `bulk_workers`)."""
    async with database.transaction() as session:
        repository = CodingRepository(session)
        answers_total = await repository.count_answers_to_code(organisation_id)
        ideas_total = await repository.count_ideas_to_code(organisation_id)
        if organisation_id is None:
            organisations = [o.id for o in await OrganisationRepository(session).all()]
        else:
            organisations = [organisation_id]
        themes = {o: await own_themes(session, o) for o in organisations}
        kind = chosen_coder()
        if kind == LEARNED:
            # Trained afresh with what people have said since (their codes win anyway).
            coded = await repository.coded_by_people(organisation_id)
            people = [
                LabelledAnswer(text, question, {t: Polarity(p) for t, p in codes.items()})
                for text, question, codes in coded
            ]
            shipped = build_coder(content, LEARNED, people)
        else:
            shipped = coder_for(content)
    total = answers_total + ideas_total
    if started is not None:
        started(total)
    workers = bulk_workers(total) if workers is None else workers
    done = Recoded(0, 0)
    with BulkCoding(Coders(content, shipped, kind), workers) as bulk:
        # Workers each take a share of a batch: bigger batches keep them busy.
        size = batch * bulk.workers
        for organisation in organisations:
            own = themes[organisation]
            answers, codes = await _recode(
                database, bulk, organisation, own, now, size, progressed, ideas=False
            )
            ideas, idea_codes = await _recode(
                database, bulk, organisation, own, now, size, progressed, ideas=True
            )
            done = Recoded(
                done.answers + answers,
                done.codes + codes,
                done.ideas + ideas,
                done.idea_codes + idea_codes,
            )
    return done


async def _recode(
    database: Database,
    bulk: BulkCoding,
    organisation_id: int,
    own: OwnThemes,
    now: datetime,
    batch: int,
    progressed: Callable[[int], None] | None,
    *,
    ideas: bool,
) -> tuple[int, int]:
    """Recode the organisation's every answer (or idea), by id, a batch per transaction,
    with its accepted themes `own`: (how many, codes)."""
    done = codes = last = 0
    while True:
        async with database.transaction() as session:
            repository = CodingRepository(session)
            read = repository.ideas_to_code if ideas else repository.answers_to_code
            found = await read(organisation_id, after=last, limit=batch)
            if not found:
                break
            coded = await bulk.code(found, own)
            new = {text.id: one for text, one in zip(found, coded, strict=True)}
            write = repository.replace_idea_coder_codes if ideas else repository.replace_coder_codes
            codes += await write(new, now)
        done += len(found)
        last = found[-1].id
        if progressed is not None:
            progressed(len(found))
    return done, codes


__all__ = [
    "CODERS",
    "KEYWORDS",
    "LEARNED",
    "BulkCoding",
    "Recoded",
    "choose_coder",
    "chosen_coder",
    "code_answer",
    "code_idea",
    "coder_for",
    "recode_all",
]
