"""How well the default coder, and the learned one, agree with people on the held-out
test split.

Floors, not targets: the coder is tuned on train only (tests/data/coding/README.md), and
these figures are what it reaches on comments it was never tuned on. The table is
printed (pytest -s, or -rA) so a change to the codebook shows what it did per theme.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis import CodebookCoder
from bot.analysis.evaluation import Agreement, agreement, load_labelled, table
from bot.analysis.learned import LearnedCoder, shipped_examples
from prompts import Content

DATA = Path(__file__).resolve().parents[4] / "tests" / "data" / "coding"


@pytest.fixture(scope="module")
def test_split(coder: CodebookCoder, content: Content) -> Agreement:
    answers = load_labelled(DATA / "test.jsonl")
    result = agreement(coder, answers, [theme.id for theme in content.codebook.themes])
    print("\nDefault coder on the test split\n" + table(result))
    return result


def test_themes_are_found_with_micro_f1_of_at_least_0_80(test_split: Agreement) -> None:
    assert test_split.micro_f1 >= 0.80, table(test_split)


def test_themes_found_point_the_right_way_at_least_85_percent(test_split: Agreement) -> None:
    assert test_split.polarity_pairs >= 150
    assert test_split.polarity_accuracy >= 0.85, table(test_split)


def test_no_theme_is_left_behind(test_split: Agreement) -> None:
    # A macro floor: one theme the codebook's words miss entirely would show here.
    assert test_split.macro_f1 >= 0.75, table(test_split)
    assert all(row.f1 >= 0.5 for row in test_split.themes), table(test_split)


@pytest.fixture(scope="module")
def learned_test_split(content: Content) -> Agreement:
    coder = LearnedCoder(content)  # trained on the shipped train split only
    answers = load_labelled(DATA / "test.jsonl")
    result = agreement(coder, answers, [theme.id for theme in content.codebook.themes])
    print("\nLearned coder (THRIVE_CODER=learned) on the test split\n" + table(result))
    return result


def test_the_learned_coder_finds_themes_at_least_as_well(
    learned_test_split: Agreement, test_split: Agreement
) -> None:
    assert learned_test_split.micro_f1 >= 0.82, table(learned_test_split)
    assert learned_test_split.micro_f1 >= test_split.micro_f1 - 0.01
    assert learned_test_split.polarity_accuracy >= 0.85, table(learned_test_split)


def test_the_learned_coder_ships_with_the_train_split_only() -> None:
    shipped = shipped_examples()
    assert shipped == load_labelled(DATA / "train.jsonl")
    tested = {answer.text for answer in load_labelled(DATA / "test.jsonl")}
    assert not tested & {answer.text for answer in shipped}
