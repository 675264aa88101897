"""Words as the coder sees them: normalised, stemmed, and marked where a negation reaches."""

from __future__ import annotations

import pytest

from bot.analysis.text import normalise, stem, words


@pytest.mark.parametrize(
    "forms",
    [
        ["staffing", "staffed"],
        ["schedule", "scheduling", "scheduled", "schedules"],
        ["hire", "hired", "hiring", "hires"],
        ["interruption", "interruptions", "interrupted", "interrupting", "interrupt"],
        ["collaborate", "collaboration", "collaborative"],
        ["isolated", "isolation"],
        ["biopsy", "biopsies"],
        ["message", "messages", "messaging"],
        ["code", "coding", "coded"],
    ],
)
def test_forms_of_a_word_share_one_stem(forms: list[str]) -> None:
    assert {stem(form) for form in forms} == {stem(forms[0])}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("evening", "even"),  # -ing that is part of the word
        ("organization", "organ"),  # Porter folds these together
        ("mission", "miss"),
        ("values", "valued"),  # the organisation's values are not feeling valued
        ("rooming", "room"),  # rooming patients is not the break room
        ("stuff", "staff"),
        # Staff are people, staffing is how many: "the staff are great" is not staffing.
        ("staff", "staffing"),
    ],
)
def test_different_words_keep_different_stems(one: str, other: str) -> None:
    assert stem(one) != stem(other)


def test_chat_spelling_is_spelt_out() -> None:
    curly = "Can\u2019t get PTs roomed w/o an MA"
    assert normalise(curly) == "can not get pts roomed  without  an ma"
    spelt_out = [stem(word) for word in ("patient", "message", "appointment")]
    assert [w.stem for w in words("pts msgs appts")] == spelt_out
    assert [w.stem for w in words("dont")] == ["do", "not"]


def test_late_clock_times_read_as_the_night() -> None:
    assert "late at night" in normalise("finished my notes at 11pm")
    assert "in the evening" in normalise("left at 7 pm")


def test_a_feeling_emoji_is_kept_as_a_word_and_other_symbols_dropped() -> None:
    assert [w.stem for w in words("inbox 😩")] == ["inbox", "ugh"]
    assert words("🏥🩺") == []


def negated(text: str) -> list[str]:
    return [w.written for w in words(text) if w.negated]


@pytest.mark.parametrize(
    ("text", "reached"),
    [
        ("no protected time", ["protected", "time"]),
        ("not enough staff", ["enough", "staff"]),
        ("we can't get a follow up", ["get", "a", "follow", "up"]),
        ("never have time to eat", ["have", "time", "to", "eat"]),
        ("lack of scribes", ["of", "scribes"]),
        ("lost my OB privileges", ["my", "ob", "privileges"]),
    ],
)
def test_a_negation_reaches_the_next_few_words(text: str, reached: list[str]) -> None:
    assert negated(text) == reached


def test_a_negation_stops_at_a_comma_a_full_stop_or_but() -> None:
    assert negated("no lunch, great team") == ["lunch"]
    assert negated("no lunch. great team") == ["lunch"]
    assert negated("no lunch but great team") == ["lunch"]


def test_idioms_are_not_negations() -> None:
    assert negated("not only the inbox") == []
    assert negated("no matter what") == []
    assert [w.written for w in words("no idea")] == []


def test_a_few_is_not_a_lack_but_few_is() -> None:
    assert negated("a few nurses") == []
    assert negated("so few nurses") == ["nurses"]
