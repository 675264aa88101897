"""The default coder: codebook themes and their polarity for one answer, offline and fast.

Which themes: the codebook's words found in the answer (vocabulary.py). Which way each
points, from the strongest evidence to the weakest:

1. the words themselves: a barrier word ("understaffed"), an enabler word ("fully
   staffed"), or a theme word said to be missing ("no protected time", "not enough
   staff", "lost my OB privileges") is a barrier; a barrier word negated ("not
   micromanaged") is an enabler, unless the answer is a wish;
2. an ask to cut it ("less paperwork", "too many alerts", "stop the noon meetings");
3. how the writer feels in the same piece of the sentence, then in the clause
   ("love my patients, hate the inbox");
4. a wish ("we need", "would be nice") outside a question about what goes well;
5. the question's lean (prompts' `leans`), then the theme's own lean.

Confidence grows with the evidence for the theme (a phrase counts more than one word, a
misspelt word less) and with how clearly the polarity was decided.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from bot.analysis.text import Word, words
from bot.analysis.vocabulary import Match, Sense, Vocabulary
from bot.analysis.wording import ENOUGH_STEMS, FEELINGS, REDUCTION_STEMS, WISH_STEMS
from prompts import Codebook, Content, Polarity, ThemeSpec

PHRASE_WEIGHT = 0.85  # a theme named by two words or more
WORD_WEIGHT = 0.7
MISSPELT_WEIGHT = 0.5
REDUCTION_REACH = 4  # "less (time spent on) paperwork"
FEELING_REACH = 6  # words between a mention and the feeling word that colours it
# Answers are chat messages; a pasted document is coded on its beginning, so no input
# can hold the coder up (the clause-wide feeling search grows with clause length).
MAX_CHARACTERS = 20_000

# How much each kind of evidence moves the polarity (negative: barrier).
OWN_WORDS = 2.0
PIECE_FEELING = 1.5
CLAUSE_FEELING = 1.0
WISH = 1.5
QUESTION_LEAN = 1.0
THEME_LEAN = 0.5


@dataclass(frozen=True, slots=True)
class Code:
    """One theme found in an answer, which way it points, and how sure the coder is."""

    theme: str
    polarity: Polarity
    confidence: float  # 0..1


class Coder(Protocol):
    """Anything that codes an answer: the default coder, or a stronger one later."""

    def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
        """The themes in `text` (an answer to prompt id `question`, if known), surest
        first; an empty tuple when no theme fits. Never raises on any text."""
        ...


class CodebookCoder:
    """Codes answers with the codebook's words and the wording around them."""

    def __init__(
        self, codebook: Codebook, question_leans: Mapping[str, Polarity] | None = None
    ) -> None:
        self._vocabulary = Vocabulary(codebook)
        self._order = {theme.id: index for index, theme in enumerate(codebook.themes)}
        self._theme_leans = {theme.id: theme.leans for theme in codebook.themes}
        self._question_leans = dict(question_leans or {})

    @classmethod
    def from_content(
        cls, content: Content, extra: Sequence[ThemeSpec] = (), *, only_extra: bool = False
    ) -> CodebookCoder:
        """A coder for the codebook and every bank's questions in `content`, with `extra`
        themes after the codebook's (an organisation's own, bot.analysis.emerging), or
        with those alone (`only_extra`)."""
        leans = {
            prompt.id: prompt.leans
            for bank in content.banks.values()
            for prompt in bank.prompts
            if prompt.leans is not None
        }
        codebook = content.codebook
        if extra or only_extra:
            codebook = Codebook(themes=[*([] if only_extra else codebook.themes), *extra])
        return cls(codebook, leans)

    def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
        """The codebook themes in `text`; an unknown or missing question gives no lean."""
        answer = words(text[:MAX_CHARACTERS])
        matches = self._vocabulary.find(answer)
        if not matches:
            return ()
        reading = _Reading.of(answer, matches, self._question_leans.get(question or ""))
        by_theme: dict[str, list[Match]] = {}
        for match in matches:
            by_theme.setdefault(match.entry.theme, []).append(match)
        codes = [self._code(theme, found, reading) for theme, found in by_theme.items()]
        codes.sort(key=lambda code: (-code.confidence, self._order[code.theme]))
        return tuple(codes)

    def _code(self, theme: str, found: list[Match], reading: _Reading) -> Code:
        question_lean, theme_lean = reading.question_lean, self._theme_leans[theme]
        score = 0.0
        for match in found:
            score += _direction(match, reading)
        score += _signed(question_lean) * QUESTION_LEAN + _signed(theme_lean) * THEME_LEAN
        if score > 0 or (score == 0 and (question_lean or theme_lean) is Polarity.ENABLER):
            polarity = Polarity.ENABLER
        else:
            polarity = Polarity.BARRIER
        missed = 1.0
        for match in found:
            missed *= 1.0 - _weight(match)
        certainty = 0.5 + 0.5 * math.tanh(abs(score) / 2)
        confidence = round(min(1.0, max(0.0, (1.0 - missed) * certainty)), 3)
        return Code(theme, polarity, confidence)


class _Reading(NamedTuple):
    """What one answer says beyond its theme words, worked out once for all its mentions."""

    words: Sequence[Word]
    question_lean: Polarity | None
    # Per clause, the (position, feeling) of its feeling words, negation applied; a
    # theme's neutral words are not feelings: "happy" in "happy hour" is no joy.
    feelings: dict[int, list[tuple[int, int]]]
    wishes: frozenset[int]  # clauses that wish for something ("we need", "would be nice")

    @classmethod
    def of(cls, answer: Sequence[Word], matches: list[Match], lean: Polarity | None) -> _Reading:
        neutral = {
            index
            for match in matches
            if match.entry.sense is Sense.NAMES
            for index in range(match.start, match.end)
        }
        feelings: dict[int, list[tuple[int, int]]] = {}
        wishes = set()
        for index, word in enumerate(answer):
            sign = FEELINGS.get(word.stem)
            if sign and index not in neutral:
                feelings.setdefault(word.clause, []).append(
                    (index, -sign if word.negated else sign)
                )
            if word.stem in WISH_STEMS and not word.negated:
                wishes.add(word.clause)
        # A wish names what is missing, unless the question asks what goes well.
        if lean is Polarity.ENABLER:
            wishes.clear()
        return cls(answer, lean, feelings, frozenset(wishes))


def _weight(match: Match) -> float:
    if match.misspelt:
        return MISSPELT_WEIGHT
    return PHRASE_WEIGHT if len(match.entry.stems) > 1 else WORD_WEIGHT


def _signed(polarity: Polarity | None) -> int:
    if polarity is None:
        return 0
    return 1 if polarity is Polarity.ENABLER else -1


def _direction(match: Match, reading: _Reading) -> float:
    """How one mention points: negative for a barrier, positive for an enabler."""
    sense, negated, lean = match.entry.sense, match.negated, reading.question_lean
    answer = reading.words
    first = answer[match.start]
    wishing = first.clause in reading.wishes
    if sense is Sense.MISSING and not negated:  # "more staff", "if i had time", "enough time"
        having = lean is Polarity.ENABLER and _just_before(answer, match, ENOUGH_STEMS)
        return OWN_WORDS / 2 if having else -OWN_WORDS
    if sense is Sense.MISSING or (negated and sense in (Sense.NAMES, Sense.ENABLER)):
        return -OWN_WORDS
    if sense is Sense.BARRIER and negated:  # "not micromanaged", but "no more meetings"
        wish = wishing or lean is Polarity.BARRIER
        return -OWN_WORDS / 2 if wish else OWN_WORDS
    for word in answer[max(0, match.start - REDUCTION_REACH) : match.start]:
        if word.stem in REDUCTION_STEMS and word.piece == first.piece:
            return -OWN_WORDS
    # (Compared, not looked up: hashing an enum member runs Python code.)
    own = -OWN_WORDS if sense is Sense.BARRIER else OWN_WORDS if sense is Sense.ENABLER else 0.0
    return own + _feeling_around(match, reading) - (WISH if wishing else 0.0)


def _just_before(answer: Sequence[Word], match: Match, stems: frozenset[str]) -> bool:
    before = answer[max(0, match.start - 3) : match.start]
    return any(word.stem in stems for word in before)


def _feeling_around(match: Match, reading: _Reading) -> float:
    """The feeling nearest the mention in its piece of the sentence, else in its clause.
    The mention's own words do not count: "best" in "best practice alerts" is no joy."""
    first = reading.words[match.start]
    nearest: tuple[int, int] | None = None  # (distance, feeling)
    clause_total = 0
    for index, sign in reading.feelings.get(first.clause, ()):
        if match.start <= index < match.end:
            continue
        clause_total += sign
        distance = match.start - index if index < match.start else index - match.end + 1
        close = reading.words[index].piece == first.piece and distance <= FEELING_REACH
        if close and (nearest is None or distance < nearest[0]):
            nearest = (distance, sign)
    if nearest is not None:
        return nearest[1] * PIECE_FEELING
    return max(-1, min(1, clause_total)) * CLAUSE_FEELING
