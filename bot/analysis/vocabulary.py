"""The codebook compiled for matching: every theme's words as stems, found in an answer.

A theme's words come in four senses (prompts/schema.py's ThemeSpec): words that name
it (`keywords`, `phrases`), words that name it as a problem (`barrier`) or going well
(`enabler`), and words that name it only when said to be missing (`missing`: "time" in
"never have time"). A phrase may skip a possessive, article or number in the answer
("time with my patients" finds "time with patients"), stays inside one clause, and the
longest phrase wins where two overlap ("control over my schedule" is autonomy, not the
schedule). A long word misspelt by one letter (dropped, added or swapped) still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise
from typing import NamedTuple

from bot.analysis.text import Word, words
from bot.analysis.wording import WANT_STEMS
from prompts import Codebook

MAX_SKIPPED = 2  # fillers a phrase may skip in the answer
WANT_REACH = 3  # "more (of the) staff", "if i had time"
TYPO_MIN_LENGTH = 6  # shorter stems are too easily another real word ("staff", "stuff")
TYPO_MAX_LENGTH = 30  # longer "words" are junk (a pasted URL, a key held down)


class Sense(Enum):
    NAMES = "names"
    BARRIER = "barrier"
    ENABLER = "enabler"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Entry:
    """One word or phrase of one theme."""

    theme: str
    stems: tuple[str, ...]
    sense: Sense
    negative: bool = False  # holds a negation: "no say", "nobody helps"


class Match(NamedTuple):
    """Where an entry was found: words[start:end] of the answer."""

    entry: Entry
    start: int
    end: int
    negated: bool  # a negation reaches it, or it holds one ("no say")
    wanted: bool  # "more", "enough", "need" or "if" just before it
    misspelt: bool


class Vocabulary:
    """Every theme's entries, indexed by their first stem, and a phrase's also by its
    second: an answer's word then tries only the phrases its next words could finish."""

    def __init__(self, codebook: Codebook) -> None:
        # One entry per theme and stems: a word listed as a barrier is not also neutral.
        entries: dict[tuple[str, tuple[str, ...]], Entry] = {}
        written: dict[str, str] = {}  # each codebook word as written -> its stem
        for theme in codebook.themes:
            senses = [
                (Sense.BARRIER, theme.barrier),
                (Sense.ENABLER, theme.enabler),
                (Sense.NAMES, [*theme.keywords, *theme.phrases]),
                (Sense.MISSING, theme.missing),
            ]
            for sense, texts in senses:
                for text in texts:
                    found = words(text)
                    written.update((word.written, word.stem) for word in found)
                    stems = tuple(word.stem for word in found)
                    negative = any(word.negator for word in found)
                    if stems:
                        entry = Entry(theme.id, stems, sense, negative)
                        entries.setdefault((theme.id, stems), entry)
        self._words: dict[str, list[Entry]] = {}  # one-word entries by their stem
        self._phrases: dict[str, dict[str, list[Entry]]] = {}  # by first, then second stem
        for entry in sorted(entries.values(), key=lambda e: -len(e.stems)):
            first, *rest = entry.stems
            if rest:
                self._phrases.setdefault(first, {}).setdefault(rest[0], []).append(entry)
            else:
                self._words.setdefault(first, []).append(entry)
        self._known = frozenset(stem for entry in entries.values() for stem in entry.stems)
        self._written = {
            word: stem for word, stem in written.items() if len(word) >= TYPO_MIN_LENGTH
        }
        self._shortened = _unique(
            (short, stem)
            for forms in (self._known, self._written)
            for form in forms
            if len(form) >= TYPO_MIN_LENGTH
            for short in _deletions(form)
            for stem in [self._written.get(form, form)]
        )
        self._spelling: dict[str, str] = {}  # a word as written -> its stem as spelt

    def find(self, answer: Sequence[Word]) -> list[Match]:
        """Every entry found in the answer, overlaps resolved in favour of the longest."""
        known = self._spelling
        spelt = [known.get(word.written) or self.spelling(word) for word in answer]
        found: list[Match] = []
        length = len(answer)
        for start, first in enumerate(spelt):
            entries = self._words.get(first)
            if entries is not None:
                word = answer[start]
                misspelt = word.stem != first
                wanted = _wanted(answer, start)
                for entry in entries:
                    # A word that is itself a negation ("none") means it already.
                    negated = word.negated or (word.negator and not entry.negative)
                    if entry.sense is not Sense.MISSING or negated or wanted:
                        found.append(Match(entry, start, start + 1, negated, wanted, misspelt))
            phrases = self._phrases.get(first)
            if phrases is None:
                continue
            # The phrases that the next word, or a word past a few fillers, could go on.
            clause = answer[start].clause
            tried = set()
            for position in range(start + 1, min(start + 2 + MAX_SKIPPED, length)):
                if answer[position].clause != clause:
                    break
                second = spelt[position]
                if second not in tried:
                    tried.add(second)
                    for entry in phrases.get(second, ()):
                        end = _match_end(entry.stems, answer, spelt, start)
                        if end is not None:
                            _found_phrase(entry, answer, spelt, start, end, found)
                if not answer[position].filler:
                    break
        return _longest(found)

    def spelling(self, word: Word) -> str:
        """The word's stem, or the codebook stem it is a one-letter typo of (a letter
        dropped, added or two swapped), when exactly one fits."""
        # The stem is the written word's (text.words), so the written word is the key.
        key = word.written
        known = self._spelling.get(key)
        if known is not None:
            return known
        known = word.stem
        length = len(word.written)
        if word.stem not in self._known and TYPO_MIN_LENGTH <= length <= TYPO_MAX_LENGTH:
            candidates: set[str] = set()
            for form in {word.stem, word.written}:
                candidates.add(self._shortened.get(form, ""))  # a letter dropped
                for near in _deletions(form) | _swaps(form):  # a letter added, two swapped
                    candidates.add(self._written.get(near, near if near in self._known else ""))
            candidates = {c for c in candidates if c and c[0] == word.stem[0]}
            if len(candidates) == 1:
                known = candidates.pop()
        if len(self._spelling) < 100_000:  # bounded: answers may hold any junk
            self._spelling[key] = known
        return known


def _wanted(answer: Sequence[Word], start: int) -> bool:
    piece = answer[start].piece
    for word in answer[max(0, start - WANT_REACH) : start]:
        if word.stem in WANT_STEMS and word.piece == piece:
            return True
    return False


def _found_phrase(
    entry: Entry,
    answer: Sequence[Word],
    spelt: Sequence[str],
    start: int,
    end: int,
    found: list[Match],
) -> None:
    """Add the phrase found at answer[start:end], unless it names its theme only when
    missing and nothing says it is."""
    span = answer[start:end]
    # A phrase that holds its own negation ("nobody helps") means it already.
    negated = span[0].negated or (any(word.negator for word in span) and not entry.negative)
    wanted = _wanted(answer, start)
    if entry.sense is Sense.MISSING and not (negated or wanted):
        return
    misspelt = any(w.stem != s for w, s in zip(span, spelt[start:end], strict=True))
    found.append(Match(entry, start, end, negated, wanted, misspelt))


def _match_end(
    stems: tuple[str, ...], answer: Sequence[Word], spelt: Sequence[str], start: int
) -> int | None:
    """Where the phrase ends if it starts at `start`, skipping a few fillers; else None."""
    position, skipped = start + 1, 0
    clause = answer[start].clause
    for stem in stems[1:]:
        while True:
            if position >= len(answer) or answer[position].clause != clause:
                return None
            if spelt[position] == stem:
                position += 1
                break
            if not answer[position].filler or skipped == MAX_SKIPPED:
                return None
            position, skipped = position + 1, skipped + 1
    return position


def _longest(found: list[Match]) -> list[Match]:
    """Drop every match that overlaps a longer one; equal ones (two themes) both stay."""
    # Found in order of where they start: when none overlaps the next, all stay.
    if all(one.end <= other.start for one, other in pairwise(found)):
        return found
    kept: list[Match] = []
    cover: dict[int, int] = {}  # word position -> length of the kept match over it
    for match in sorted(found, key=lambda m: (-len(m.entry.stems), m.start)):
        size = len(match.entry.stems)
        span = range(match.start, match.end)
        if all(cover.get(position, size) == size for position in span):
            kept.append(match)
            cover.update(dict.fromkeys(span, size))
    return sorted(kept, key=lambda m: m.start)


def _deletions(stem: str) -> set[str]:
    return {stem[:i] + stem[i + 1 :] for i in range(1, len(stem))}


def _swaps(stem: str) -> set[str]:
    return {stem[:i] + stem[i + 1] + stem[i] + stem[i + 2 :] for i in range(1, len(stem) - 1)}


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each shortened form with the one stem it comes from; forms of two stems are dropped."""
    sources: dict[str, set[str]] = {}
    for short, stem in pairs:
        sources.setdefault(short, set()).add(stem)
    return {short: stems.pop() for short, stems in sources.items() if len(stems) == 1}
