"""Clusters of answers that share words: the machinery behind emerging themes.

TF-IDF over the coder's stemmed words (English stop words out), then k-means with a
fixed seed (on one thread) for a few cluster counts, keeping the count whose clusters are best
separated (silhouette on a fixed sample); groups with close centres are joined, as
k-means splits one complaint said in several wordings. A cluster is kept only when it
is big enough to quote safely and its most telling word is in at least half its
answers: a group of unrelated leftovers is not a theme. The same answers always give
the same clusters.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from bot.analysis.coder import MAX_CHARACTERS
from bot.analysis.text import words

SEED = 0
_NOT_WRITING = re.compile(r"[^\w\s'.,;:!?()-]")
TOP_TERMS = 5
EXAMPLES = 3
MAX_CLUSTERS = 12
# The cluster counts tried (and the most the answers allow): close counts find the same
# groups, and joining close centres (below) mends a count a little too high.
CLUSTER_COUNTS = (2, 3, 4, 6, 8, 10)
SILHOUETTE_SAMPLE = 2000  # silhouette is quadratic; a fixed sample keeps it fast
SHARED_WORD_SHARE = 0.5
# Two groups' centres this close (cosine) are one theme said in different words.
JOIN_SIMILARITY = 0.2  # the top term must be in this share of the cluster's answers


@dataclass(frozen=True, slots=True)
class Cluster:
    """Answers (by index in the input) that share words, the words, and the answers most
    typical of it (nearest its centre first)."""

    members: tuple[int, ...]
    top_terms: tuple[str, ...]
    typical: tuple[int, ...]


def clusters(texts: Sequence[str], minimum: int) -> list[Cluster]:
    """Themes among `texts`: clusters of at least `minimum` answers, biggest first."""
    if len(texts) < minimum or minimum < 1:
        return []
    written: dict[str, Counter[str]] = {}

    def analyse(text: str) -> list[str]:
        # The coder's light stemming, so "parking" and "park" count as one word.
        kept = []
        # Emoji out: the coder reads them as feelings, but "👍" x 40 is not a theme.
        for word in words(_NOT_WRITING.sub(" ", text[:MAX_CHARACTERS])):
            if len(word.written) < 3 or not word.written.isalpha():
                continue
            if word.written in ENGLISH_STOP_WORDS:
                continue
            written.setdefault(word.stem, Counter())[word.written] += 1
            kept.append(word.stem)
        return kept

    vectorizer = TfidfVectorizer(analyzer=analyse, min_df=2, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word left (emoji, numbers, stop words only)
        return []
    # Each stem shown as it is most often written ("parking", not "park").
    terms = np.array(
        [
            min(written[s].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for s in vectorizer.get_feature_names_out()
        ]
    )
    present = np.asarray(matrix.getnnz(axis=1) > 0)
    rows = np.flatnonzero(present)
    if len(rows) < minimum:
        return []
    vectors = matrix[rows]
    labels = _best_labels(vectors, minimum)
    # k-means splits a big theme into tight sub-groups (the same complaint in a few
    # wordings); groups whose centres share most of their weight are one theme.
    groups = _joined(vectors, labels)
    found: list[Cluster] = []
    for members in groups:
        inside = np.array(sorted(members))
        if len(inside) < minimum:
            continue
        part = vectors[inside]
        top = _top_terms(part, terms)
        first = int(np.flatnonzero(terms == top[0])[0])
        share = float((part[:, first] > 0).sum()) / len(inside)
        if share < SHARED_WORD_SHARE:
            continue
        centre = np.asarray(part.mean(axis=0)).ravel()
        closeness = np.asarray(part @ centre).ravel()
        nearest = inside[np.argsort(-closeness, kind="stable")[:EXAMPLES]]
        found.append(
            Cluster(
                members=tuple(int(rows[i]) for i in inside),
                top_terms=top,
                typical=tuple(int(rows[i]) for i in nearest),
            )
        )
    found.sort(key=lambda c: (-len(c.members), c.top_terms))
    return found


def _top_terms(part: Any, terms: np.ndarray) -> tuple[str, ...]:
    """The words weighing most in these answers, heaviest first."""
    centre = np.asarray(part.mean(axis=0)).ravel()
    order = np.argsort(-centre, kind="stable")[:TOP_TERMS]
    return tuple(str(terms[i]) for i in order if centre[i] > 0)


def _joined(vectors: Any, labels: np.ndarray) -> list[list[int]]:
    """The k-means groups, those with similar centres joined (single link)."""
    names = sorted(set(labels.tolist()))
    members = [np.flatnonzero(labels == name) for name in names]
    centres = np.vstack([np.asarray(vectors[m].mean(axis=0)).ravel() for m in members])
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    centres = centres / np.where(norms == 0, 1, norms)
    similar = centres @ centres.T
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if similar[i, j] >= JOIN_SIMILARITY:
                parent[root(j)] = root(i)
    joined: dict[int, list[int]] = {}
    for i, inside in enumerate(members):
        joined.setdefault(root(i), []).extend(inside.tolist())
    return [joined[key] for key in sorted(joined)]


def _best_labels(vectors: Any, minimum: int) -> np.ndarray:
    """k-means labels for the cluster count that separates the answers best."""
    count = int(vectors.shape[0])
    # A theme worth proposing has on average twice the minimum: no more groups than that.
    most = max(2, min(MAX_CLUSTERS, count // (2 * minimum), math.ceil(math.sqrt(count))))
    best: tuple[float, np.ndarray] | None = None
    for k in sorted({k for k in CLUSTER_COUNTS if k < most} | {most}):
        # One thread: on a busy machine k-means' OpenMP threads spin waiting for a core
        # and cost four times the CPU; the labels are the same.
        with warnings.catch_warnings(), threadpool_limits(1):
            # Many identical answers leave fewer distinct points than k: fine, said below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, random_state=SEED, n_init=4).fit_predict(vectors)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(
            silhouette_score(
                vectors,
                labels,
                metric="cosine",
                sample_size=min(count, SILHOUETTE_SAMPLE),
                random_state=SEED,
            )
        )
        if best is None or score > best[0]:
            best = (score, labels)
    if best is None:
        return np.zeros(count, dtype=int)
    return best[1]
