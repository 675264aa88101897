"""Agreement figures checked against values worked out by hand."""

from __future__ import annotations

import pytest

from bot.analysis import Code, Polarity
from bot.analysis.evaluation import LabelledAnswer, agreement, cohen_kappa

B, E = Polarity.BARRIER, Polarity.ENABLER


def test_kappa_of_the_textbook_example() -> None:
    # 50 items: both yes 20, first only 5, second only 10, both no 15.
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    # observed 0.7, chance 0.5*0.6 + 0.5*0.4 = 0.5, kappa (0.7-0.5)/(1-0.5)
    assert cohen_kappa(first, second) == pytest.approx(0.4)


def test_kappa_is_one_for_full_agreement_and_zero_for_chance() -> None:
    assert cohen_kappa([True, False, True], [True, False, True]) == 1.0
    assert cohen_kappa([False, False], [False, False]) == 1.0  # nobody ever said it
    assert cohen_kappa([True, True, False, False], [True, False, True, False]) == 0.0


class Fixed:
    """A coder that answers from a table, to check the arithmetic."""

    def __init__(self, answers: dict[str, tuple[Code, ...]]) -> None:
        self.answers = answers

    def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
        return self.answers.get(text, ())


def test_precision_recall_f1_per_theme_and_over_all() -> None:
    people = [
        LabelledAnswer("a", None, {"inbox": B, "staff": B}),
        LabelledAnswer("b", None, {"inbox": B}),
        LabelledAnswer("c", None, {"staff": E}),
        LabelledAnswer("d", None, {}),
    ]
    coder = Fixed(
        {
            "a": (Code("inbox", B, 0.9), Code("staff", E, 0.8)),  # staff: found, wrong way
            "b": (Code("staff", B, 0.5),),  # inbox missed, staff extra
            "d": (Code("inbox", E, 0.4),),  # inbox extra
        }
    )
    result = agreement(coder, people, ["inbox", "staff", "never"])
    inbox, staff, never = result.themes
    # inbox: tp 1 (a), fp 1 (d), fn 1 (b)
    assert (inbox.support, inbox.found) == (2, 2)
    assert (inbox.precision, inbox.recall, inbox.f1) == (0.5, 0.5, 0.5)
    # staff: tp 1 (a), fp 1 (b), fn 1 (c)
    assert (staff.precision, staff.recall) == (0.5, 0.5)
    # inbox per answer: people T T F F, coder T F F T -> observed 0.5, chance 0.5
    assert inbox.kappa == pytest.approx(0.0)
    assert (never.support, never.found, never.f1, never.kappa) == (0, 0, 0.0, 1.0)
    # micro: tp 2, fp 2, fn 2; macro over the two themes anyone used
    assert (result.micro_precision, result.micro_recall, result.micro_f1) == (0.5, 0.5, 0.5)
    assert result.macro_f1 == 0.5
    # polarity on the themes both found: inbox in a (same), staff in a (different)
    assert (result.polarity_pairs, result.polarity_accuracy) == (2, 0.5)
