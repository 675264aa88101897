"""Earlier answers brought in from a file (focus groups run before Thrive), so an
organisation starts with its matrix. Each row is checked (a known question, some text,
a readable date), redacted, coded by the organisation's coder and stored as an answer
of source `import` with no person: its respondent key is a pseudonym of the row.

All or nothing: the rows are written as they stream in, inside the caller's one
transaction, and any bad row makes the whole file refused (the caller rolls back),
with every bad row's number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.codebook import organisation_coder
from bot.analysis.coder import Coder
from bot.analysis.emerging import CODER
from bot.errors import ThriveError
from bot.privacy import pseudonym, redact, screen
from prompts import Content
from storage.models import Coding, Response

COLUMNS = ("question", "text", "site", "role", "date")
REQUIRED = ("question", "text")
BATCH = 500  # rows written per flush
MAX_TEXT = 4000
SOURCE = "import"
Cell = str | date | datetime | None


class BadHeader(ThriveError):
    copy_key = "answers.import.bad_header"


@dataclass
class Imported:
    """What an import did, or the rows that stopped it (then nothing is kept)."""

    answers: int = 0
    coded: int = 0
    problems: list[str] = field(default_factory=list)
    # Kinds of patient identifier removed -> how many answers they were removed from.
    redacted: Counter[str] = field(default_factory=Counter)
    # Answers the distress safety net flagged (kept out of quotes and exports).
    distress: int = 0


async def import_rows(
    session: AsyncSession,
    organisation_id: int,
    rows: Iterable[tuple[int, Sequence[Cell]]],
    content: Content,
    *,
    secret_key: str,
    source_name: str,
    now: datetime,
) -> Imported:
    """Store the rows (header first) as the organisation's imported answers. With any
    problem, `problems` lists them by row number and the caller must roll back."""
    say = content.copy.text
    questions = _questions(content)
    coder = await organisation_coder(session, content, organisation_id)
    result = Imported()
    columns: dict[str, int] | None = None
    batch: list[tuple[Response, str]] = []
    for number, cells in rows:
        if all(_text(cell) == "" for cell in cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        read = _row(number, cells, columns, questions, now, say)
        if isinstance(read, str):
            result.problems.append(read)
            continue
        if result.problems:
            continue  # nothing will be kept: only look for more bad rows
        question, text, site, role, when = read
        redaction = redact(text)
        batch.append(
            (
                Response(
                    organisation_id=organisation_id,
                    prompt_id=question,
                    person_id=None,
                    respondent_key=pseudonym(
                        secret_key, "import", organisation_id, source_name, now.isoformat(), number
                    ),
                    site=site,
                    role=role,
                    text=redaction.text,
                    redactions=list(redaction.removed),
                    distress=screen(text).distress,
                    source=SOURCE,
                    created_at=when,
                    updated_at=now,
                ),
                question,
            )
        )
        if len(batch) >= BATCH:
            await _write(session, batch, coder, now, result)
            batch = []
    if columns is None:
        raise BadHeader(columns=", ".join(REQUIRED))
    if batch and not result.problems:
        await _write(session, batch, coder, now, result)
    return result


async def _write(
    session: AsyncSession,
    batch: list[tuple[Response, str]],
    coder: Coder,
    now: datetime,
    result: Imported,
) -> None:
    session.add_all([response for response, _ in batch])
    await session.flush()
    for response, _ in batch:
        result.redacted.update(response.redactions)
        result.distress += response.distress
    codes: list[Coding] = []
    for response, question in batch:
        found = coder.code(response.text or "", question)
        codes.extend(
            Coding(
                response_id=response.id,
                theme_id=code.theme,
                polarity=code.polarity.value,
                source=CODER,
                confidence=code.confidence,
                created_at=now,
            )
            for code in found
        )
        result.coded += bool(found)
    session.add_all(codes)
    await session.flush()
    result.answers += len(batch)


def _questions(content: Content) -> dict[str, str]:
    """Every prompt id, and every prompt's exact text, to its id."""
    found: dict[str, str] = {}
    for bank in content.banks.values():
        for prompt in bank.prompts:
            found[prompt.text.strip()] = prompt.id
    for bank in content.banks.values():
        for prompt in bank.prompts:
            found[prompt.id] = prompt.id
    return found


def _header(cells: Sequence[Cell]) -> dict[str, int]:
    names = [_text(cell).lower() for cell in cells]
    columns = {name: names.index(name) for name in COLUMNS if name in names}
    if any(name not in columns for name in REQUIRED):
        raise BadHeader(columns=", ".join(REQUIRED))
    return columns


def _row(
    number: int,
    cells: Sequence[Cell],
    columns: dict[str, int],
    questions: dict[str, str],
    now: datetime,
    say: Callable[..., str],
) -> tuple[str, str, str | None, str | None, datetime] | str:
    """The row's question id, text, site, role and time, or the problem with it."""

    def cell(name: str) -> Cell:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    given = _text(cell("question"))
    question = questions.get(given)
    if question is None:
        return say("answers.import.unknown_question", row=number, question=given)
    text = _text(cell("text"))
    if not text:
        return say("answers.import.empty_text", row=number)
    when = _when(cell("date"), now)
    if when is None:
        return say("answers.import.bad_date", row=number, date=_text(cell("date")))
    site = _text(cell("site"))[:100] or None
    role = _text(cell("role"))[:30] or None
    return question, text[:MAX_TEXT], site, role, when


def _when(value: Cell, now: datetime) -> datetime | None:
    """A cell's date as a UTC time (a date alone: noon UTC); empty: now; None if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(12), tzinfo=UTC)
    written = _text(value)
    if not written:
        return now
    try:
        parsed = datetime.fromisoformat(written)
    except ValueError:
        return None
    if len(written) <= 10:  # a date alone
        parsed = parsed.replace(hour=12)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()
