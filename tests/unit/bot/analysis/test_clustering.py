"""The clusterer behind emerging themes, on bad input and on a planted theme: never a
crash, nothing below the minimum, the same clusters every time."""

from __future__ import annotations

from bot.analysis.clustering import clusters
from tests.storage.emerging_stream import NOISE, planted


def test_bad_input_gives_no_theme_and_no_crash() -> None:
    assert clusters([], 10) == []
    assert clusters(["👍"] * 40, 10) == []
    assert clusters(["the", "and it", "42", "ok"] * 10, 10) == []
    assert clusters(["x" * 4000, "parking " * 900] * 20, 10) != []  # long answers are fine
    assert clusters(planted(count=9), 10) == []  # fewer than the minimum


def test_a_planted_theme_comes_out_the_same_every_time() -> None:
    texts = planted() + NOISE + ["lunch was cold again", "the lifts are slow"]
    first = clusters(texts, 10)
    assert clusters(texts, 10) == first
    [parking] = first
    assert parking.top_terms[0] == "parking"
    assert set(parking.members) <= set(range(30)) and len(parking.members) >= 20
    assert len(parking.typical) == 3 and set(parking.typical) <= set(parking.members)
    assert clusters(texts, 31) == []  # the theme is smaller than that minimum
