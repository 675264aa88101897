"""The stronger coder (`THRIVE_CODER=learned`): scikit-learn, trained on labelled answers.

For each theme, a logistic regression over TF-IDF of the answer's stemmed words (one and
two words) and of its characters (2-5, which forgives typos), with the default coder's
confidence for every theme as further features: it learns where the codebook's words
mislead and what they miss. A theme is found when its probability reaches one half. Its
polarity is the default coder's when that coder found the theme too (it reads negation
and the question), else a logistic regression's over the same words and the question's
lean. The figures on the held-out test split are in README "Coding answers".

It trains on the labelled answers shipped with the package (`labelled.jsonl`, the
development set's train split; the test split stays out so it can be measured on it),
plus the codes people gave in the database when a recode trains it. Training takes a
second or two and nothing is downloaded; the same examples always give the same coder
(lbfgs has no randomness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.analysis.coder import MAX_CHARACTERS, Code, CodebookCoder
from bot.analysis.evaluation import LabelledAnswer, parse_labelled
from bot.analysis.text import normalise, words
from prompts import Content, Polarity

THRESHOLD = 0.5
REGULARISATION = 3.0  # C: the training set is small, so not too loose
# How much the default coder's confidences weigh beside the TF-IDF features.
KEYWORD_WEIGHT = 4.0
MIN_EXAMPLES = 2  # a theme with fewer positive examples is left to the default coder


def shipped_examples() -> list[LabelledAnswer]:
    """The labelled answers that ship with the package."""
    text = files("bot.analysis").joinpath("labelled.jsonl").read_text(encoding="utf-8")
    return parse_labelled(text)


def _stems(text: str) -> list[str]:
    found = [word.stem for word in words(text[:MAX_CHARACTERS])]
    return found + [f"{one} {two}" for one, two in pairwise(found)]


@dataclass
class _Model:
    words: TfidfVectorizer
    characters: TfidfVectorizer
    polarity: LogisticRegression | None = None
    # The themes' regressions stacked: row `columns[theme]` of `weights` is its own.
    columns: dict[str, int] = field(default_factory=dict)
    weights: Any = None
    intercepts: Any = None


class LearnedCoder:
    """Codes answers with models trained on labelled answers (see the module's doc)."""

    def __init__(self, content: Content, examples: Sequence[LabelledAnswer] | None = None) -> None:
        self._keywords = CodebookCoder.from_content(content)
        self._themes = [theme.id for theme in content.codebook.themes]
        self._leans = {
            prompt.id: prompt.leans
            for bank in content.banks.values()
            for prompt in bank.prompts
            if prompt.leans is not None
        }
        known = set(self._themes)
        chosen = shipped_examples() if examples is None else list(examples)
        self._model = self._train([e for e in chosen if set(e.codes) <= known])

    def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
        """The themes in `text`, surest first; never raises on any text."""
        keyword_codes = self._keywords.code(text, question)
        model = self._model
        if model is None or not text.strip():
            return keyword_codes
        features = self._stack(model, [text], [keyword_codes])
        # Every theme's regression at once: one product with the stacked coefficients.
        scores = features @ model.weights.T + model.intercepts
        probabilities = 1.0 / (1.0 + np.exp(-np.asarray(scores).ravel()))
        found = {code.theme: code for code in keyword_codes}
        codes = []
        for theme in self._themes:
            index = model.columns.get(theme)
            if index is None:  # too few examples: the default coder decides
                if theme in found:
                    codes.append(found[theme])
                continue
            probability = float(probabilities[index])
            if probability < THRESHOLD:
                continue
            polarity = (
                found[theme].polarity
                if theme in found
                else self._polarity(features, question, model)
            )
            codes.append(Code(theme, polarity, round(probability, 3)))
        codes.sort(key=lambda code: (-code.confidence, self._themes.index(code.theme)))
        return tuple(codes)

    def _polarity(self, features: Any, question: str | None, model: _Model) -> Polarity:
        if model.polarity is None:
            lean = self._leans.get(question or "")
            return lean or Polarity.BARRIER
        with_lean = hstack([features, self._lean_column([question])]).tocsr()
        return Polarity.ENABLER if model.polarity.predict(with_lean)[0] else Polarity.BARRIER

    def _lean_column(self, questions: Sequence[str | None]) -> csr_matrix:
        signs = {Polarity.ENABLER: 1.0, Polarity.BARRIER: -1.0, None: 0.0}
        return csr_matrix(np.array([[signs[self._leans.get(q or "")]] for q in questions]))

    def _stack(
        self, model: _Model, texts: Sequence[str], keyword_codes: Sequence[tuple[Code, ...]]
    ) -> Any:
        confidences = [
            [dict((c.theme, c.confidence) for c in codes).get(theme, 0.0) for theme in self._themes]
            for codes in keyword_codes
        ]
        clipped = [text[:MAX_CHARACTERS] for text in texts]
        return hstack(
            [
                model.words.transform(clipped),
                model.characters.transform(clipped),
                csr_matrix(np.array(confidences)) * KEYWORD_WEIGHT,
            ]
        ).tocsr()

    def _train(self, examples: Sequence[LabelledAnswer]) -> _Model | None:
        if not examples:
            return None
        texts = [example.text[:MAX_CHARACTERS] for example in examples]
        word_vectorizer = TfidfVectorizer(analyzer=_stems, sublinear_tf=True)
        character_vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            preprocessor=normalise,
        )
        word_vectorizer.fit(texts)
        character_vectorizer.fit(texts)
        model = _Model(word_vectorizer, character_vectorizer)
        keyword_codes = [self._keywords.code(e.text, e.question) for e in examples]
        features = self._stack(model, texts, keyword_codes)
        weights: list[Any] = []
        intercepts: list[float] = []
        for theme in self._themes:
            labels = np.array([theme in example.codes for example in examples])
            if labels.sum() < MIN_EXAMPLES or labels.all():
                continue
            regression = LogisticRegression(
                C=REGULARISATION, class_weight="balanced", max_iter=2000
            ).fit(features, labels)
            model.columns[theme] = len(weights)
            weights.append(regression.coef_[0])
            intercepts.append(regression.intercept_[0])
        if weights:
            model.weights = np.array(weights)
            model.intercepts = np.array(intercepts)
        else:
            model.weights = np.zeros((0, features.shape[1]))
            model.intercepts = np.zeros(0)
        # Polarity: one row per coded answer, enabler when most of its codes are.
        rows = [index for index, example in enumerate(examples) if example.codes]
        enabler = np.array(
            [
                sum(p is Polarity.ENABLER for p in examples[i].codes.values()) * 2
                > len(examples[i].codes)
                for i in rows
            ]
        )
        if 0 < enabler.sum() < len(rows):
            with_lean = hstack(
                [features[rows], self._lean_column([examples[i].question for i in rows])]
            ).tocsr()
            model.polarity = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(
                with_lean, enabler
            )
        return model
