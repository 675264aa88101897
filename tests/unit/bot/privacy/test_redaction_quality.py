"""Redaction quality on the held-out half of our labelled clinician sentences.

tests/data/redaction/ holds sentences written for this (never real patients): half carry
identifiers of every Safe Harbor kind, half are ordinary comments about the work. They
were split at random into dev.jsonl (the rules were tuned on it) and heldout.jsonl (not
looked at while tuning). Floors from the issue: recall >= 0.97 of identifiers, >= 0.90 of
ordinary sentences left exactly as typed. The figures per kind are printed on every run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.privacy import redact

DATA = Path(__file__).parents[4] / "tests" / "data" / "redaction"
RECALL_FLOOR = 0.97
UNTOUCHED_FLOOR = 0.90
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr"}


@dataclass(frozen=True)
class Figures:
    caught: Counter[str]
    total: Counter[str]
    untouched: int
    ordinary: int
    changed_by: Counter[str]  # kinds reported on ordinary sentences
    missed: list[str]

    @property
    def recall(self) -> float:
        return sum(self.caught.values()) / sum(self.total.values())

    @property
    def untouched_share(self) -> float:
        return self.untouched / self.ordinary

    def report(self, name: str) -> str:
        lines = [
            f"redaction on {name}: recall {self.recall:.3f} "
            f"({sum(self.caught.values())}/{sum(self.total.values())} identifiers), "
            f"ordinary sentences untouched {self.untouched_share:.3f} "
            f"({self.untouched}/{self.ordinary})"
        ]
        for kind in sorted(self.total, key=str.lower):
            lines.append(f"  {kind:<22} recall {self.caught[kind]}/{self.total[kind]}")
        for kind, count in sorted(self.changed_by.items()):
            lines.append(f"  {kind:<22} changed {count} ordinary sentence(s)")
        return "\n".join(lines)


def is_caught(identifier: dict[str, str], redacted: str) -> bool:
    """Its value no longer appears; for a name, no part of it either ("Robert" left of
    "Robert Alvarez" is a miss)."""
    value = identifier["value"]
    if value in redacted:
        return False
    if identifier["kind"] != "patient name":
        return True
    parts = re.findall(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", value)
    return not any(
        re.search(rf"(?<!\w){re.escape(part)}(?!\w)", redacted)
        for part in parts
        if len(part) > 2 and part.lower() not in _TITLES
    )


def measure(name: str) -> Figures:
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    changed_by: Counter[str] = Counter()
    untouched = ordinary = 0
    missed: list[str] = []
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        result = redact(row["text"])
        if not row["identifiers"]:
            ordinary += 1
            untouched += result.text == row["text"]
            changed_by.update(result.removed)
            continue
        for identifier in row["identifiers"]:
            total[identifier["kind"]] += 1
            if is_caught(identifier, result.text):
                caught[identifier["kind"]] += 1
            else:
                missed.append(f"{identifier['kind']}: {identifier['value']!r}")
    return Figures(caught, total, untouched, ordinary, changed_by, missed)


@pytest.fixture(scope="module")
def heldout() -> Figures:
    return measure("heldout")


def test_the_labelled_set_is_large_and_half_ordinary() -> None:
    rows = [
        json.loads(line)
        for name in ("dev", "heldout")
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with_identifiers = sum(bool(row["identifiers"]) for row in rows)
    assert len(rows) >= 400
    assert 0.4 <= with_identifiers / len(rows) <= 0.6
    for row in rows:
        for identifier in row["identifiers"]:
            start = identifier["start"]
            assert row["text"][start : start + len(identifier["value"])] == identifier["value"]


def test_heldout_recall_of_identifiers_is_at_least_097(
    heldout: Figures, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print("\n" + heldout.report("heldout"))

    assert heldout.recall >= RECALL_FLOOR, heldout.missed


def test_heldout_ordinary_sentences_are_left_untouched(heldout: Figures) -> None:
    assert heldout.untouched_share >= UNTOUCHED_FLOOR, heldout.changed_by


@pytest.mark.parametrize("kind", ["patient name", "date", "phone number", "address"])
def test_heldout_recall_holds_for_the_commonest_kinds_on_their_own(
    heldout: Figures, kind: str
) -> None:
    # A high overall figure must not hide a kind that is mostly missed.
    assert heldout.caught[kind] / heldout.total[kind] >= 0.9
