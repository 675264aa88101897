"""The distress safety net's screen on our labelled phrases (tests/data/distress/).

Floors from the issue: recall >= 0.95 on phrases of distress, and no more than 5% of
venting phrases ("this in-basket is killing me") raise an alarm. Denials ("I'm not
suicidal") and ordinary comments are held to the same 5%. The figures for both halves
are printed on every run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.privacy import screen

DATA = Path(__file__).parents[4] / "tests" / "data" / "distress"
RECALL_FLOOR = 0.95
ALARM_CEILING = 0.05
LABELS = ("distress", "venting", "negated", "ordinary")


@dataclass
class Figures:
    total: Counter[str] = field(default_factory=Counter)
    alarms: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    def rate(self, label: str) -> float:
        return self.alarms[label] / self.total[label]

    def report(self, name: str) -> str:
        lines = [
            f"distress screen on {name}: recall {self.rate('distress'):.3f} "
            f"({self.alarms['distress']}/{self.total['distress']} phrases of distress), "
            f"alarms on venting {self.rate('venting'):.3f} "
            f"({self.alarms['venting']}/{self.total['venting']})"
        ]
        for label in ("negated", "ordinary"):
            lines.append(
                f"  alarms on {label:<8} {self.rate(label):.3f} "
                f"({self.alarms[label]}/{self.total[label]})"
            )
        return "\n".join(lines)


def measure(name: str) -> Figures:
    figures = Figures()
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        alarmed = screen(row["text"]).distress
        figures.total[row["label"]] += 1
        figures.alarms[row["label"]] += alarmed
        if alarmed != (row["label"] == "distress"):
            figures.wrong.append(f"{row['label']}: {row['text']!r}")
    return figures


@pytest.fixture(scope="module", params=["dev", "heldout"])
def figures(request: pytest.FixtureRequest) -> tuple[str, Figures]:
    return request.param, measure(request.param)


def test_the_labelled_set_has_300_phrases_of_every_kind() -> None:
    rows = [
        json.loads(line)
        for name in ("dev", "heldout")
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    labels = Counter(row["label"] for row in rows)
    assert len(rows) >= 300
    assert set(labels) == set(LABELS)
    assert labels["distress"] >= 100 and labels["venting"] >= 100
    assert len({row["text"] for row in rows}) == len(rows)  # no phrase in both halves


def test_recall_on_distress_is_at_least_095(
    figures: tuple[str, Figures], capsys: pytest.CaptureFixture[str]
) -> None:
    name, measured = figures
    with capsys.disabled():
        print("\n" + measured.report(name))

    assert measured.rate("distress") >= RECALL_FLOOR, measured.wrong


def test_venting_raises_at_most_5_percent_alarms(figures: tuple[str, Figures]) -> None:
    _, measured = figures
    assert measured.rate("venting") <= ALARM_CEILING, measured.wrong


def test_denials_and_ordinary_comments_raise_at_most_5_percent_alarms(
    figures: tuple[str, Figures],
) -> None:
    _, measured = figures
    assert measured.rate("negated") <= ALARM_CEILING, measured.wrong
    assert measured.rate("ordinary") <= ALARM_CEILING, measured.wrong


def test_the_other_labelled_clinician_comments_raise_almost_no_alarms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """1,518 comments written for the coder and the redactor, none about distress: the
    screen must not take everyday talk of work for a crisis."""
    files = [
        DATA.parent / folder / f"{name}.jsonl"
        for folder, names in (("coding", ("train", "test")), ("redaction", ("dev", "heldout")))
        for name in names
    ]
    texts = [
        json.loads(line)["text"]
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    alarms = [text for text in texts if screen(text).distress]
    with capsys.disabled():
        print(f"\ndistress screen on {len(texts)} other comments: {len(alarms)} alarms")

    assert len(texts) > 1000
    assert len(alarms) / len(texts) <= 0.01, alarms
