"""The default coder: which themes an answer speaks of, and which way each points."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import Code, CodebookCoder, Coder, Polarity
from bot.analysis.text import word_set
from prompts import Content, load_content

BARRIER, ENABLER = Polarity.BARRIER, Polarity.ENABLER


def coded(coder: Coder, text: str, question: str | None = None) -> dict[str, Polarity]:
    return {code.theme: code.polarity for code in coder.code(text, question)}


# --- negation: a theme said to be missing is a barrier -----------------------------------


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("no protected time", "time-respect"),
        ("not enough staff", "staffing"),
        ("we can't get any admin time", "time-respect"),
        ("never have time to eat lunch", "time-respect"),
        ("lack of scribes", "top-of-license"),
        ("there's no huddle anymore", "teamwork"),
        ("nobody says thank you", "compensation-value"),
        ("we have zero say in our schedules", "autonomy"),
    ],
)
def test_a_missing_thing_is_a_barrier(coder: CodebookCoder, text: str, theme: str) -> None:
    assert coded(coder, text).get(theme) is BARRIER


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("no interruptions today", "cognitive-load"),
        ("not micromanaged at all", "autonomy"),
        ("no paperwork on fridays", "admin-burden"),
    ],
)
def test_a_burden_said_to_be_absent_is_an_enabler(
    coder: CodebookCoder, text: str, theme: str
) -> None:
    assert coded(coder, text, "going-well").get(theme) is ENABLER


def test_a_wish_to_be_rid_of_a_burden_stays_a_barrier(coder: CodebookCoder) -> None:
    assert coded(coder, "no more lunch meetings", "valued")["time-respect"] is BARRIER
    assert coded(coder, "fewer interruptions")["cognitive-load"] is BARRIER
    assert coded(coder, "less paperwork", "engaged")["admin-burden"] is BARRIER


# --- polarity from the wording and from the question -------------------------------------


def test_complaint_and_joy_words_decide_the_polarity_of_each_theme(coder: CodebookCoder) -> None:
    assert coded(coder, "love my patients but the inbox is a nightmare") == {
        "relationships": ENABLER,
        "in-basket": BARRIER,
    }
    assert coded(coder, "our huddles are great") == {"teamwork": ENABLER}
    assert coded(coder, "the huddles are a waste of everyone's morning")["teamwork"] is BARRIER


@pytest.mark.parametrize(
    ("question", "polarity"),
    [
        ("job-difficult", BARRIER),
        ("valued", BARRIER),  # a wish: the thing is missing
        ("effective-support", BARRIER),
        ("break-the-rules", BARRIER),
        ("going-well", ENABLER),
        ("joy-more", ENABLER),
        ("engaged", ENABLER),
    ],
)
def test_the_question_decides_when_the_wording_does_not(
    coder: CodebookCoder, question: str, polarity: Polarity
) -> None:
    assert coded(coder, "scribes", question) == {"top-of-license": polarity}
    assert coded(coder, "team huddles", question) == {"teamwork": polarity}


def test_the_wording_wins_over_the_question(coder: CodebookCoder) -> None:
    assert coded(coder, "honestly i already feel valued", "valued") == {
        "compensation-value": ENABLER
    }
    assert coded(coder, "the inbox is killing me", "going-well") == {"in-basket": BARRIER}


def test_an_unknown_question_is_no_question(coder: CodebookCoder) -> None:
    assert coder.code("the inbox", "no-such-prompt") == coder.code("the inbox")


def test_several_themes_in_one_answer(coder: CodebookCoder) -> None:
    text = "short staffed again so no lunch, and 60 portal messages waiting when i got home"
    assert coded(coder, text, "job-difficult") == {
        "staffing": BARRIER,
        "time-respect": BARRIER,
        "in-basket": BARRIER,
    }


def test_typos_and_abbreviations_still_find_the_theme(coder: CodebookCoder) -> None:
    assert coded(coder, "too much paperwrok") == {"admin-burden": BARRIER}
    assert coded(coder, "constant interuptions") == {"cognitive-load": BARRIER}
    assert coded(coder, "pts cant get appts for 3 months")["schedules-flow"] is BARRIER


# --- confidence ----------------------------------------------------------------------------


def test_codes_come_surest_first_and_more_evidence_is_surer(coder: CodebookCoder) -> None:
    one = coder.code("inbox")
    more = coder.code("the inbox is out of control, 200 portal messages and refill requests")
    assert [code.theme for code in one] == ["in-basket"]
    assert more[0].theme == "in-basket"
    assert more[0].confidence > one[0].confidence
    assert all(0.0 <= code.confidence <= 1.0 for code in more)
    assert [code.confidence for code in more] == sorted(
        (code.confidence for code in more), reverse=True
    )


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n", "😩😩😩", "ok", "n/a", "?", "asdfgh", "no sé", "todo bien gracias",
     "\x00\x1b[31m", "🏥" * 500],
)  # fmt: skip
def test_noise_is_left_uncoded(coder: CodebookCoder, text: str) -> None:
    assert coder.code(text) == ()


def test_a_four_thousand_character_answer_is_coded(coder: CodebookCoder) -> None:
    rant = ("the inbox never stops and we are short staffed, i chart at home every night. " * 60)[
        :4000
    ]
    assert len(rant) == 4000
    assert coded(coder, rant, "job-difficult") == {
        "in-basket": BARRIER,
        "staffing": BARRIER,
        "work-life": BARRIER,
    }


def test_a_pasted_megabyte_is_coded_on_its_beginning_and_quickly(coder: CodebookCoder) -> None:
    started = time.monotonic()
    huge = coder.code("we are short staffed and the inbox never stops " * 25_000)
    junk = coder.code("x" * 1_000_000)
    assert {code.theme for code in huge} == {"staffing", "in-basket"}
    assert junk == ()
    assert time.monotonic() - started < 2


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=600),
    question=st.one_of(st.none(), st.sampled_from(["job-difficult", "going-well"]), st.text()),
)
def test_any_text_is_coded_without_a_crash(text: str, question: str | None) -> None:
    codes = _shared_coder().code(text, question)
    assert isinstance(codes, tuple)
    for code in codes:
        assert isinstance(code, Code)
        assert code.theme in _THEMES
        assert code.polarity in (BARRIER, ENABLER)
        assert 0.0 <= code.confidence <= 1.0
    assert len({code.theme for code in codes}) == len(codes)


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            sorted(
                word_set(
                    "no not never inbox staff time lunch love hate more less scribes the my , . "
                    "but too many enough protected meetings 😩 pts cant"
                )
            )
        ),
        max_size=40,
    )
)
def test_any_mix_of_theme_negation_and_feeling_words_is_coded(words: list[str]) -> None:
    for code in _shared_coder().code(" ".join(words), "valued"):
        assert 0.0 <= code.confidence <= 1.0


_CODER: list[CodebookCoder] = []
_THEMES = {theme.id for theme in load_content().codebook.themes}


def _shared_coder() -> CodebookCoder:
    # hypothesis calls a test many times with one fixture value; build the coder once.
    if not _CODER:
        _CODER.append(CodebookCoder.from_content(load_content()))
    return _CODER[0]


# --- driven by the codebook ----------------------------------------------------------------


def test_the_coder_codes_with_whatever_codebook_the_content_has(
    tmp_path: Path, content: Content
) -> None:
    (tmp_path / "codebook.yaml").write_text(
        textwrap.dedent(
            """\
            kind: codebook
            themes:
              - id: parking
                label: Parking
                description: Getting to work and parking there.
                keywords: [parking, garage]
                barrier: [towed]
            """
        )
    )
    custom = CodebookCoder.from_content(load_content(tmp_path))
    assert coded(custom, "no parking again") == {"parking": BARRIER}
    assert coded(custom, "got towed from the garage") == {"parking": BARRIER}
    assert coded(custom, "the new garage is great") == {"parking": ENABLER}
    assert coded(custom, "the inbox") == {}


def test_a_coder_is_anything_with_a_code_method(coder: CodebookCoder) -> None:
    class Nothing:
        def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
            return ()

    coders: list[Coder] = [coder, Nothing()]
    assert [len(c.code("the inbox")) for c in coders] == [1, 0]
