"""How well a coder agrees with people: per-theme precision, recall, F1 and Cohen's kappa,
micro- and macro-F1 over themes, and polarity accuracy on the themes both found.

Plain arithmetic over counts, with no scikit-learn: these are a few lines of textbook
formulas, the figures match scikit-learn's (precision_recall_fscore_support with
zero_division=0, cohen_kappa_score on presence per answer), and the base install stays
free of numpy and scipy. Kappa where both sides never or always say a theme (chance
agreement of 1) is 1.0 when they agree everywhere, where scikit-learn says nan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.analysis.coder import Coder
from prompts import Polarity


@dataclass(frozen=True)
class LabelledAnswer:
    """An answer with the codes a person gave it."""

    text: str
    question: str | None
    codes: dict[str, Polarity]  # theme id -> polarity


@dataclass(frozen=True)
class ThemeAgreement:
    theme: str
    support: int  # answers people coded with it
    found: int  # answers the coder coded with it
    precision: float
    recall: float
    f1: float
    kappa: float


@dataclass(frozen=True)
class Agreement:
    answers: int
    themes: tuple[ThemeAgreement, ...]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_f1: float  # over themes that people or the coder used
    polarity_pairs: int  # themes both found in the same answer
    polarity_accuracy: float  # share of those with the same polarity


def load_labelled(path: Path) -> list[LabelledAnswer]:
    """A development set: JSON lines of {text, question, codes: [{theme, polarity}]}."""
    return parse_labelled(path.read_text(encoding="utf-8"))


def parse_labelled(text: str) -> list[LabelledAnswer]:
    """Labelled answers from JSON lines (see `load_labelled`)."""
    answers = []
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        codes = {code["theme"]: Polarity(code["polarity"]) for code in row["codes"]}
        answers.append(LabelledAnswer(row["text"], row.get("question"), codes))
    return answers


def agreement(coder: Coder, answers: Sequence[LabelledAnswer], themes: Iterable[str]) -> Agreement:
    """Run `coder` over `answers` and compare with the people's codes, theme by theme."""
    coded = [
        {code.theme: code.polarity for code in coder.code(a.text, a.question)} for a in answers
    ]
    rows = []
    total_tp = total_fp = total_fn = 0
    for theme in themes:
        people = [theme in answer.codes for answer in answers]
        machine = [theme in codes for codes in coded]
        tp = sum(p and m for p, m in zip(people, machine, strict=True))
        fp = sum(m and not p for p, m in zip(people, machine, strict=True))
        fn = sum(p and not m for p, m in zip(people, machine, strict=True))
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        precision, recall, f1 = _prf(tp, fp, fn)
        kappa = cohen_kappa(people, machine)
        rows.append(ThemeAgreement(theme, tp + fn, tp + fp, precision, recall, f1, kappa))
    micro_precision, micro_recall, micro_f1 = _prf(total_tp, total_fp, total_fn)
    used = [row.f1 for row in rows if row.support or row.found]
    pairs = [
        (answer.codes[theme], codes[theme])
        for answer, codes in zip(answers, coded, strict=True)
        for theme in answer.codes.keys() & codes.keys()
    ]
    same = sum(person == machine for person, machine in pairs)
    return Agreement(
        answers=len(answers),
        themes=tuple(rows),
        micro_precision=micro_precision,
        micro_recall=micro_recall,
        micro_f1=micro_f1,
        macro_f1=sum(used) / len(used) if used else 0.0,
        polarity_pairs=len(pairs),
        polarity_accuracy=same / len(pairs) if pairs else 0.0,
    )


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float:
    """Cohen's kappa for two raters' yes/no on the same items."""
    count = len(first)
    if count == 0:
        return 1.0
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / count
    yes_first, yes_second = sum(first) / count, sum(second) / count
    expected = yes_first * yes_second + (1 - yes_first) * (1 - yes_second)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def table(result: Agreement) -> str:
    """The per-theme figures and the totals as a plain-text table."""
    lines = [
        f"{'theme':<20} {'support':>7} {'found':>5} {'prec':>5} {'recall':>6} "
        f"{'f1':>5} {'kappa':>6}"
    ]
    for row in result.themes:
        lines.append(
            f"{row.theme:<20} {row.support:>7} {row.found:>5} {row.precision:>5.2f} "
            f"{row.recall:>6.2f} {row.f1:>5.2f} {row.kappa:>6.2f}"
        )
    lines.append(
        f"{result.answers} answers: micro P {result.micro_precision:.3f} "
        f"R {result.micro_recall:.3f} F1 {result.micro_f1:.3f}, macro F1 {result.macro_f1:.3f}, "
        f"polarity {result.polarity_accuracy:.3f} on {result.polarity_pairs} themes found"
    )
    return "\n".join(lines)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
