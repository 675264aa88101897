"""A synthetic stream of answers for emerging themes: ordinary answers the codebook
codes, a little noise nobody codes, and a planted theme (parking) the codebook lacks."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis import CodebookCoder
from storage.models import Coding, Response

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
TRAIN = Path(__file__).parents[1] / "data" / "coding" / "train.jsonl"

PARKING_OPENINGS = [
    "honestly",
    "every single day",
    "the worst part is",
    "please fix",
    "can someone look at",
    "",
]
PARKING = [
    "parking at the hospital is impossible before 8",
    "no parking spaces left by the time I arrive for my shift",
    "I circle the car park for twenty minutes looking for a space",
    "the staff car park is always full of visitors",
    "parking permits cost a fortune for nurses",
    "the car park barrier is broken again",
    "parking is a nightmare on the north site",
    "cannot find parking near the clinic building",
    "the parking machine never takes cards",
    "the parking garage is full by seven",
    "the new parking spaces went to visitors",
    "the overflow car park is a long walk in the rain",
]
NOISE = [
    "ok",
    "thanks",
    "👍",
    "n/a",
    "nothing to add",
    "see previous answer",
    "the weather was lovely on my walk in",
    "football tonight",
    "happy friday everyone",
    "my cat knocked my coffee over",
    "merci beaucoup",
    "no comment",
]


def planted(seed: int = 7, count: int = 30) -> list[str]:
    """`count` different answers about parking, in a fixed order."""
    chance = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        text = f"{chance.choice(PARKING_OPENINGS)} {chance.choice(PARKING)}".strip()
        found.append(text[0].upper() + text[1:])
    return found


def ordinary(coder: CodebookCoder, count: int = 200) -> list[tuple[str, str]]:
    """(question, text) of labelled answers the codebook codes, repeated up to `count`."""
    coded = []
    for line in TRAIN.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if coder.code(item["text"], item["question"]):
            coded.append((item["question"], item["text"]))
    return [coded[i % len(coded)] for i in range(count)]


async def add_answer(
    session: AsyncSession,
    coder: CodebookCoder,
    organisation_id: int,
    question: str,
    text: str,
) -> Response:
    """An answer stored and coded as the bot stores one (the coder's codes, if any)."""
    response = Response(
        organisation_id=organisation_id,
        prompt_id=question,
        text=text,
        redactions=[],
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(response)
    await session.flush()
    for code in coder.code(text, question):
        session.add(
            Coding(
                response_id=response.id,
                theme_id=code.theme,
                polarity=code.polarity.value,
                source="coder",
                confidence=code.confidence,
                created_at=NOW,
            )
        )
    return response


async def plant_stream(
    session: AsyncSession, coder: CodebookCoder, organisation_id: int
) -> list[Response]:
    """200 ordinary answers, the noise and 30 parking answers, interleaved in a fixed
    order; returns the parking ones."""
    stream: list[tuple[str, str, bool]] = [(q, t, False) for q, t in ordinary(coder)]
    stream += [("job-difficult", t, False) for t in NOISE]
    stream += [("job-difficult", t, True) for t in planted()]
    random.Random(3).shuffle(stream)
    parking = []
    for question, text, is_parking in stream:
        response = await add_answer(session, coder, organisation_id, question, text)
        if is_parking:
            parking.append(response)
    await session.flush()
    return parking
