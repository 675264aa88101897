"""Coding on store, and recoding in bulk: the coder's codes written beside the words.

An answer or idea is coded in the transaction that stores it, so no answer is ever
uncoded; an edit codes it again. The coder is built once per content (the codebook's
words are compiled then) and kept: coding itself is pure Python, well under a
millisecond an answer. Which coder: THRIVE_CODER (`choose_coder`, once at start). A
recode codes every answer and idea again, in worker processes when there are many
(`BulkCoding`); a person's codes are never touched.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.coder import Code, CodebookCoder, Coder
from bot.analysis.evaluation import LabelledAnswer
from prompts import Content, Polarity
from storage.codings import CodingRepository, NewCode, TextToCode
from storage.engine import Database
from storage.models import Idea, Response

RECODE_BATCH = 500  # answers read, coded and written per statement pair (per worker)
# Coding is pure Python: from this many answers on, a recode codes in worker processes.
PARALLEL_FROM = 20_000
MAX_WORKERS = 2
_KEPT = 4  # coders kept: one content per process, a few in tests

KEYWORDS = "keywords"  # the default coder: the codebook's words (coder.py)
LEARNED = "learned"  # scikit-learn trained on labelled answers (learned.py)
CODERS = (KEYWORDS, LEARNED)

_chosen = KEYWORDS
_coders: dict[tuple[int, str], tuple[Content, Coder]] = {}


def choose_coder(kind: str) -> None:
    """Which coder codes answers in this process (THRIVE_CODER, set once at start)."""
    global _chosen
    if kind not in CODERS:
        raise ValueError(f"unknown coder {kind!r}: one of {', '.join(CODERS)}")
    _chosen = kind


def chosen_coder() -> str:
    return _chosen


def coder_for(content: Content) -> Coder:
    """The chosen coder for `content`, built on first use and kept (the content is kept
    with it, so its id cannot be reused by another)."""
    key = (id(content), _chosen)
    kept = _coders.get(key)
    if kept is not None and kept[0] is content:
        return kept[1]
    coder = build_coder(content, _chosen)
    if len(_coders) >= _KEPT:
        _coders.pop(next(iter(_coders)))
    _coders[key] = (content, coder)
    return coder


def build_coder(
    content: Content, kind: str, examples: Sequence[LabelledAnswer] | None = None
) -> Coder:
    """A new coder of `kind`; the learned one trained on the shipped labelled answers
    plus `examples` (people's codes)."""
    if kind == LEARNED:
        # Imported here: scikit-learn takes a second to import, and most never need it.
        from bot.analysis.learned import LearnedCoder, shipped_examples

        return LearnedCoder(content, [*shipped_examples(), *(examples or ())])
    return CodebookCoder.from_content(content)


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


def code_texts(coder: Coder, texts: Sequence[TextToCode]) -> list[list[NewCode]]:
    """Each text's codes, in order, ready to store."""
    return [new_codes(coder.code(text.text, text.question)) if text.text else [] for text in texts]


# What crosses to a worker and back: plain tuples, which pickle ten times faster than
# dataclasses (with dataclasses, the parent spent more time pickling than workers saved).
_Text = tuple[str, str | None]
_Found = tuple[tuple[str, str, float], ...]

_worker_coder: Coder | None = None  # the coder of a worker process (`BulkCoding`)


def _start_worker(coder: Coder) -> None:
    global _worker_coder
    _worker_coder = coder


def _code_in_worker(texts: Sequence[_Text]) -> list[_Found]:
    coder = _worker_coder
    assert coder is not None
    return [
        tuple((code.theme, code.polarity.value, code.confidence) for code in coder.code(*text))
        if text[0]
        else ()
        for text in texts
    ]


class BulkCoding:
    """Codes many answers: in this process, or split across `workers` processes when
    there are enough answers to pay for starting them (coding is pure Python, so threads
    would not help). Use it as a context manager: the workers stop on leaving."""

    def __init__(self, coder: Coder, workers: int = 1) -> None:
        self.coder = coder
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BulkCoding:
        if self.workers > 1:
            # Each worker is handed the coder once (pickled), not per batch.
            self._pool = ProcessPoolExecutor(
                self.workers, initializer=_start_worker, initargs=(self.coder,)
            )
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    async def code(self, texts: Sequence[TextToCode]) -> list[list[NewCode]]:
        """Each text's codes, in order; the event loop stays free while workers code."""
        if self._pool is None or len(texts) < 2 * self.workers:
            return code_texts(self.coder, texts)
        plain = [(text.text, text.question) for text in texts]
        size = -(-len(plain) // self.workers)
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(self._pool, _code_in_worker, plain[at : at + size])
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
    """Code every answer with words and every idea again (one organisation's, or all), a
    batch per transaction: `started` hears the total of both, `progressed` each batch's
    size. A person's codes are never touched. `workers`: processes to code in (default:
    by the total, `bulk_workers`)."""
    async with database.transaction() as session:
        repository = CodingRepository(session)
        answers_total = await repository.count_answers_to_code(organisation_id)
        ideas_total = await repository.count_ideas_to_code(organisation_id)
        if _chosen == LEARNED:
            # Trained afresh with what people have said since (their codes win anyway).
            coded = await repository.coded_by_people(organisation_id)
            people = [
                LabelledAnswer(text, question, {t: Polarity(p) for t, p in codes.items()})
                for text, question, codes in coded
            ]
            coder = build_coder(content, LEARNED, people)
        else:
            coder = coder_for(content)
    total = answers_total + ideas_total
    if started is not None:
        started(total)
    workers = bulk_workers(total) if workers is None else workers
    with BulkCoding(coder, workers) as bulk:
        # Workers each take a share of a batch: bigger batches keep them busy.
        size = batch * bulk.workers
        answers, codes = await _recode(
            database, bulk, organisation_id, now, size, progressed, ideas=False
        )
        ideas, idea_codes = await _recode(
            database, bulk, organisation_id, now, size, progressed, ideas=True
        )
    return Recoded(answers, codes, ideas, idea_codes)


async def _recode(
    database: Database,
    bulk: BulkCoding,
    organisation_id: int | None,
    now: datetime,
    batch: int,
    progressed: Callable[[int], None] | None,
    *,
    ideas: bool,
) -> tuple[int, int]:
    """Recode every answer (or idea), by id, a batch per transaction: (how many, codes)."""
    done = codes = last = 0
    while True:
        async with database.transaction() as session:
            repository = CodingRepository(session)
            read = repository.ideas_to_code if ideas else repository.answers_to_code
            found = await read(organisation_id, after=last, limit=batch)
            if not found:
                break
            coded = await bulk.code(found)
            new = {text.id: one for text, one in zip(found, coded, strict=True)}
            write = repository.replace_idea_coder_codes if ideas else repository.replace_coder_codes
            codes += await write(new, now)
        done += len(found)
        last = found[-1].id
        if progressed is not None:
            progressed(len(found))
    return done, codes
