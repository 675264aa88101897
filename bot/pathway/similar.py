"""Similar ideas: is a new idea close to an open one of the same organisation?

TF-IDF over the words (lightly stemmed, stop words out) and cosine similarity, computed
here, offline, with scikit-learn: no service sees an idea's words. Only ideas of one
organisation are ever compared (the caller passes them in).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# Close enough that a leader should look: same few key words, a different phrasing.
SIMILAR_AT = 0.3
_WORD = re.compile(r"[a-z][a-z']+")
_SUFFIXES = ("ings", "ing", "ies", "es", "ed", "s")


@dataclass(frozen=True)
class Likeness:
    idea_id: int
    score: float


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@cache
def _stop_words() -> frozenset[str]:
    # scikit-learn is imported when an idea is first compared, not when the bot starts:
    # it costs about a second and a half, on every command line and server start.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _words(text: str) -> list[str]:
    stop_words = _stop_words()
    return [
        _stem(word)
        for word in _WORD.findall(text.lower())
        if word not in stop_words and len(word) > 2
    ]


def most_like(
    text: str, others: Sequence[tuple[int, str]], at_least: float = SIMILAR_AT
) -> Likeness | None:
    """The idea among `others` (id, text) most like `text`, if at least `at_least` alike."""
    candidates = [(idea_id, words) for idea_id, words in others if _words(words)]
    if not candidates or not _words(text):
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectoriser = TfidfVectorizer(analyzer=_words, sublinear_tf=True)
    matrix = vectoriser.fit_transform([text, *(words for _, words in candidates)])
    scores = cosine_similarity(matrix[0], matrix[1:])[0]
    best = int(scores.argmax())
    if float(scores[best]) < at_least:
        return None
    return Likeness(candidates[best][0], round(float(scores[best]), 3))
