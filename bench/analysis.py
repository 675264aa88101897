"""The matrix at scale: 100,000 synthetic answers coded by the default coder, stored, and
the question x theme matrix built, on SQLite and on PostgreSQL (skipped with a note if
none answers at THRIVE_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1/
thrive_bench).

Timed, each the best of a few rounds: coding the answers (CodebookCoder) as a recode
does, in this process and in two worker processes (bot.analysis.coding.BulkCoding); then
building the matrix (every GROUP BY the matrix runs, the lattice of sites and roles, the
suppression rule), and the baseline, one plain SQL GROUP BY of the same cell counts. Peak memory is
tracemalloc's peak of Python allocations while building, and the process's peak resident
memory. Goal: coding and the matrix together under 3 s and 400 MB.

    python -m bench.analysis [--answers N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from bot.analysis import CodebookCoder
from bot.analysis.codebook import Coders
from bot.analysis.coding import RECODE_BATCH, BulkCoding
from bot.analysis.matrix import build
from bot.catalog import sync_content
from bot.privacy import Thresholds
from prompts import Content, PromptKind, load_content
from storage.analysis import AnswerScope
from storage.codings import TextToCode
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Coding, Occurrence, Organisation, Response
from storage.states import Anonymity

START = datetime(2026, 1, 1, tzinfo=UTC)
SITES = ("North", "South", "East", "West", "Central", "Harbour", "Valley", "Hill")
ROLES = ("physician", "nurse", "pharmacist", "therapist")
RESPONDENTS = 20_000
TEMPLATES = (
    "not enough {a}",
    "love the {a} on our team",
    "{a} is a real problem and {b} makes it worse",
    "we need better {a}",
    "the {a} here keeps me going",
    "no {a} at all, and {b} is getting harder",
    "grateful for {a}",
    "too much {a}",
)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/thrive_bench"
BATCH = 10_000


def synthetic_answers(content: Content, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(prompt id, text): clinician-like comments built from the codebook's words."""
    rng = random.Random(seed)
    questions = [
        prompt.id
        for bank in content.banks.values()
        for prompt in bank.prompts
        if prompt.kind == PromptKind.FREE_TEXT
    ]
    words = [keyword for theme in content.codebook.themes for keyword in theme.keywords]
    answers = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        answers.append(
            (rng.choice(questions), template.format(a=rng.choice(words), b=rng.choice(words)))
        )
    return answers


async def store(database: Database, answers: list[tuple[str, str]], coded: list[Any]) -> int:
    """Write the answers and their codes in bulk; the organisation's id."""
    rng = random.Random(11)
    async with database.transaction() as session:
        organisation = Organisation(name="Bench", created_at=START)
        session.add(organisation)
        await session.flush()
        occurrences = []
        for anonymity in (Anonymity.CONFIDENTIAL, Anonymity.ANONYMOUS):
            occurrence = Occurrence(
                organisation_id=organisation.id,
                prompt_ids=[],
                anonymity=anonymity,
                opened_at=START,
            )
            session.add(occurrence)
            occurrences.append(occurrence)
        await session.flush()
        org = organisation.id
        occurrence_ids = [occurrence.id for occurrence in occurrences]
    responses: list[dict[str, Any]] = []
    codings: list[dict[str, Any]] = []
    for index, ((prompt_id, answer), codes) in enumerate(zip(answers, coded, strict=True), 1):
        when = START + timedelta(minutes=index)
        key = rng.randrange(RESPONDENTS)
        responses.append(
            {
                "id": index,
                "organisation_id": org,
                "occurrence_id": occurrence_ids[1 if key % 10 == 0 else 0],
                "prompt_id": prompt_id,
                "respondent_key": f"k{key}",
                "site": SITES[key % len(SITES)],
                "role": ROLES[key // len(SITES) % len(ROLES)],
                "text": answer,
                "redactions": [],
                "source": "chat",
                "created_at": when,
                "updated_at": when,
            }
        )
        codings += [
            {
                "response_id": index,
                "theme_id": code.theme,
                "polarity": code.polarity,
                "source": "coder",
                "confidence": code.confidence,
                "created_at": when,
            }
            for code in codes
        ]
    async with database.transaction() as session:
        for start in range(0, len(responses), BATCH):
            await session.execute(insert(Response), responses[start : start + BATCH])
        for start in range(0, len(codings), BATCH):
            await session.execute(insert(Coding), codings[start : start + BATCH])
    return org


async def best_of(rounds: int, work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """The best wall-clock time of `rounds`, and this process's CPU time in that round
    (with SQLite, the database's work too: it runs in this process). The machine is
    shared, so wall time includes waiting for a core."""
    best = (float("inf"), float("inf"))
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        await work()
        best = min(best, (time.perf_counter() - started, time.process_time() - cpu))
    return best


async def measure(
    name: str,
    url: str,
    content: Content,
    answers: list[Any],
    coded: list[Any],
    rounds: int,
    coding: dict[int, float],
) -> None:
    database = Database(url)
    try:
        await upgrade(database)
        await sync_content(database, content)
        started = time.perf_counter()
        org = await store(database, answers, coded)
        stored = time.perf_counter() - started
        thresholds = Thresholds()
        scope = AnswerScope(org, since=START + timedelta(days=30), until=START + timedelta(days=70))

        async def matrix(by: Any = None, site: str | None = None) -> object:
            async with database.transaction() as session:
                return await build(
                    session,
                    content,
                    thresholds,
                    replace(scope, site=site),
                    by,
                    quotes=True,
                )

        async def baseline() -> object:
            async with database.transaction() as session:
                result = await session.execute(
                    text(
                        "SELECT r.prompt_id, c.theme_id, count(*), count(DISTINCT r.respondent_key)"
                        " FROM responses r JOIN codings c ON c.response_id = r.id"
                        " WHERE r.organisation_id = :org AND r.created_at >= :since"
                        " AND r.created_at < :until GROUP BY r.prompt_id, c.theme_id"
                    ),
                    {"org": org, "since": scope.since, "until": scope.until},
                )
                return result.all()

        base = await best_of(rounds, baseline)
        whole = await best_of(rounds, matrix)
        by_site = await best_of(rounds, lambda: matrix("site"))
        filtered = await best_of(rounds, lambda: matrix(None, "North"))
        tracemalloc.start()
        await matrix("site")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {name}: stored {len(answers):,} answers in {stored:.1f} s (setup, not timed below)"
        )
        print(
            f"    baseline GROUP BY      {base[0] * 1000:8.0f} ms"
            f"  (CPU here {base[1] * 1000:.0f} ms)"
        )
        for label, (seconds, cpu) in (
            ("matrix", whole),
            ("matrix --by site", by_site),
            ("matrix --site North", filtered),
        ):
            print(
                f"    {label:22} {seconds * 1000:8.0f} ms  x{seconds / base[0]:5.1f} the baseline"
                f"  (CPU here {cpu * 1000:.0f} ms)"
            )
        print(f"    peak Python memory building --by site: {peak / 1e6:.0f} MB")
        print(f"    peak resident memory of the whole run so far: {_rss():.0f} MB")
        for workers, seconds in coding.items():
            print(
                f"    coded ({workers} process{'es' if workers > 1 else ''}) and matrix built:"
                f" {seconds + whole[0]:.2f} s (goal: under 3 s)"
            )
    finally:
        await database.dispose()


async def _postgres_ready(url: str) -> str | None:
    """None if the server answers (the database made if missing), else why not."""
    raw = url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = raw.rpartition("/")
    try:
        connection = await asyncpg.connect(f"{base}/postgres", timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        return str(error)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return None


async def code_answers(
    content: Content, coder: CodebookCoder, answers: list[tuple[str, str]], workers: int
) -> tuple[float, float, list[Any]]:
    """Code the answers as a recode does (bot.analysis.coding.BulkCoding), in batches of
    RECODE_BATCH per worker: (wall seconds, CPU seconds of this process and its workers,
    the codes). Starting the workers is timed too."""
    texts = [TextToCode(index, text, prompt) for index, (prompt, text) in enumerate(answers)]
    size = RECODE_BATCH * workers
    started, cpu = time.perf_counter(), _cpu()
    coded: list[Any] = []
    with BulkCoding(Coders(content, coder), workers) as bulk:
        for start in range(0, len(texts), size):
            coded += await bulk.code(texts[start : start + size])
    return time.perf_counter() - started, _cpu() - cpu, coded


def _cpu() -> float:
    """CPU seconds of this process and of its finished workers."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime


async def main(count: int, rounds: int) -> None:
    content = load_content()
    coder = CodebookCoder.from_content(content)
    answers = synthetic_answers(content, count)
    print(f"Analysis: {count:,} answers ({len(set(answers)):,} distinct)")
    coded: list[Any] = []
    timings = {}
    for workers in (1, 2):
        # The best of the rounds, as for the matrix: the machine may be shared.
        seconds = cpu = float("inf")
        for _ in range(rounds):
            took, used, found = await code_answers(content, coder, answers, workers)
            assert not coded or found == coded, "workers must code exactly as one process does"
            coded, seconds, cpu = found, min(seconds, took), min(cpu, used)
        timings[workers] = seconds
        print(
            f"  coding (CodebookCoder, {workers} process{'es' if workers > 1 else ''}):"
            f" {seconds:.2f} s, {seconds / count * 1e6:.0f} µs an answer"
            f" (CPU, workers included: {cpu:.2f} s)"
        )
    codes = sum(map(len, coded))
    print(f"  {codes:,} codes; peak resident memory so far: {_rss():.0f} MB")
    with tempfile.TemporaryDirectory() as directory:
        await measure(
            "SQLite",
            f"sqlite:///{Path(directory) / 'bench.db'}",
            content,
            answers,
            coded,
            rounds,
            timings,
        )
    url = os.environ.get("THRIVE_BENCH_DATABASE_URL", DEFAULT_PG)
    problem = await _postgres_ready(url)
    if problem is not None:
        print(f"  PostgreSQL: skipped, no server at {url} ({problem})")
    else:
        await measure("PostgreSQL", url, content, answers, coded, rounds, timings)


def _rss() -> float:
    """This process's peak resident memory, MB (workers' are their own)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(count: int = 100_000, rounds: int = 3) -> None:
    asyncio.run(main(count, rounds))


# --- `thrive report`'s formats (bot/reports), apart from the matrix's figures above ---

REPORT_FORMATS = ("xlsx", "html", "csv", "md", "qdc", "qdpx")
# Goal: XLSX and HTML each under 10 s for 100,000 answers.
REPORT_GOAL_SECONDS = 10.0


async def measure_reports(name: str, url: str, content: Content, count: int) -> None:
    """Each report format of every stored answer, broken down by site, answers' words in
    where the format carries them: building the report (the matrix, its trend, the coded
    answers) and writing the file, timed; then once more under tracemalloc for the peak
    of Python allocations (tracemalloc slows it, so that run is not timed)."""
    from bot.clock import FixedClock
    from bot.context import BotContext
    from bot.reports import ReportRequest, build_report
    from bot.reports.render import render

    answers = synthetic_answers(content, count)
    coder = CodebookCoder.from_content(content)
    coded = [coder.code(answer, prompt_id) for prompt_id, answer in answers]
    database = Database(url)
    try:
        await upgrade(database)
        await sync_content(database, content)
        org = await store(database, answers, coded)
        end = START + timedelta(minutes=count + 1)
        ctx = BotContext(content, FixedClock(end), secret_key="bench")
        request_of = partial(
            ReportRequest, AnswerScope(org, since=START, until=end), "Bench", "site"
        )

        async def report_file(format_: str) -> bytes:
            request = request_of(
                raw=format_ in ("xlsx", "html", "qdpx"),
                answers=format_ in ("xlsx", "qdpx"),
                trend=format_ == "html",
            )
            async with database.transaction() as session:
                report = await build_report(session, ctx, request, end)
            return await asyncio.to_thread(render, report, format_, ctx.say)

        print(f"  {name}: each report format of {count:,} answers, by site")
        for format_ in REPORT_FORMATS:
            started, cpu = time.perf_counter(), time.process_time()
            data = await report_file(format_)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            tracemalloc.start()
            await report_file(format_)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            goal = ""
            if format_ in ("xlsx", "html"):
                goal = (
                    "  (goal < 10 s: met)"
                    if seconds < REPORT_GOAL_SECONDS
                    else "  (goal < 10 s: MISSED)"
                )
            print(
                f"    report --format {format_:5} {seconds:6.2f} s  (CPU here {cpu:.2f} s)"
                f"  peak Python memory {peak / 1e6:5.0f} MB  file {len(data) / 1e6:6.2f} MB{goal}"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"    peak resident memory of the whole run so far: {rss:.0f} MB")
    finally:
        await database.dispose()


def run_reports(count: int = 100_000) -> None:
    """The report formats on SQLite (the embedded default; PostgreSQL's counts are timed
    above for the matrix, which is most of a report's database work)."""

    async def main() -> None:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'reports.db'}"
            await measure_reports("SQLite", url, load_content(), count)

    asyncio.run(main())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reports", action="store_true", help="time the report formats only")
    arguments = parser.parse_args()
    if arguments.reports:
        run_reports(arguments.answers)
    else:
        run(arguments.answers, arguments.rounds)
