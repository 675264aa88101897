"""The one suppression rule: small groups show nothing, nor does whatever would let them
be worked out by subtraction; for random answers and every filter and breakdown a
person can ask for, no figure shown (or the difference of any two) is a small group."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analysis.disclosure import Population
from bot.analysis.matrix import Counts, Matrix, assemble, levels
from bot.privacy import NotEnoughResponses, Thresholds, check_filter, shown_groups
from prompts import Content
from storage.analysis import AnswerScope, Breakdown, CellCount, QuestionCount, ThemeColumn

MINIMUM = 5
SITES = ("A", "B", "C")
ROLES = ("x", "y")
QUESTIONS = ("joy-more", "engaged")
THEMES = (ThemeColumn("staffing", "Staffing"), ThemeColumn("teamwork", "Teamwork"))


def test_a_small_group_and_the_next_smallest_are_hidden() -> None:
    groups = {"North": 7, "South": 6, "West": 5, "East": 3}
    assert shown_groups(groups, MINIMUM, total=21) == {"North", "South"}
    # Two small groups hidden together already reach the minimum: nothing more goes.
    assert shown_groups({"North": 9, "South": 3, "East": 4}, MINIMUM) == {"North"}
    assert shown_groups({"North": 9, "South": 8}, MINIMUM) == {"North", "South"}
    # A whole below the minimum shows nothing at all.
    assert shown_groups({"North": 4}, MINIMUM, total=4) == frozenset()
    # A group hidden for another reason counts as hidden.
    assert shown_groups({"North": 9, "South": 8, "East": 7}, MINIMUM, hidden=["East"]) == {"North"}


def test_a_filter_leaving_a_small_remainder_is_refused() -> None:
    check_filter([(12, 21), (0, 7), (7, 7)], MINIMUM)
    with pytest.raises(NotEnoughResponses):
        check_filter([(18, 21)], MINIMUM)
    # A filtered group too small to show cannot be subtracted from anything.
    check_filter([(3, 6)], MINIMUM)


@dataclass(frozen=True)
class Respondent:
    site: str
    role: str
    # question -> theme -> polarity, for the questions answered
    answers: dict[str, dict[str, str]]


respondents = st.lists(
    st.builds(
        Respondent,
        st.sampled_from(SITES),
        st.sampled_from(ROLES),
        st.dictionaries(
            st.sampled_from(QUESTIONS),
            st.dictionaries(
                st.sampled_from([theme.id for theme in THEMES]),
                st.sampled_from(["barrier", "enabler"]),
            ),
        ),
    ),
    max_size=45,
)


def _counts(people: list[Respondent], view: Population, by: Breakdown | None) -> Counts:
    """What the database would count (storage.analysis) for the levels `count` asks
    for, worked out by hand."""
    questions: list[QuestionCount] = []
    cells: list[CellCount] = []
    wanted = levels(AnswerScope(1, site=view[0], role=view[1]), by)
    for by_site, by_role in itertools.product((False, True), repeat=2):
        level = tuple(name for name, on in (("site", by_site), ("role", by_role)) if on)
        if level not in wanted:
            continue
        answered: dict[tuple[str, str | None, str | None], int] = defaultdict(int)
        coded: dict[tuple[str, str, str | None, str | None], list[int]] = defaultdict(
            lambda: [0, 0, 0]
        )
        for person in people:
            site = person.site if by_site else None
            role = person.role if by_role else None
            for question, themes in person.answers.items():
                answered[(question, site, role)] += 1
                for theme, polarity in themes.items():
                    found = coded[(question, theme, site, role)]
                    found[0] += 1
                    found[1 if polarity == "barrier" else 2] += 1
        questions += [QuestionCount(q, s, r, n) for (q, s, r), n in answered.items()]
        cells += [
            CellCount(q, t, s, r, n, n, barrier, enabler)
            for (q, t, s, r), (n, barrier, enabler) in coded.items()
        ]

    def per_question(site: str | None, role: str | None) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for person in people:
            if site in (None, person.site) and role in (None, person.role):
                for question in person.answers:
                    found[question] += 1
        return found

    site, role = view
    mine = per_question(site, role)
    wider = []
    if site is not None:
        wider.append(per_question(None, role))
    if role is not None:
        wider.append(per_question(site, None))
    if site is not None and role is not None:
        wider.append(per_question(None, None))
    return Counts(questions, cells, remainders=[(mine, other) for other in wider])


Figure = tuple[Population, str, str | None, str]


def _figures(matrix: Matrix, view: Population, by: str | None) -> dict[Figure, int]:
    """Every figure the matrix shows, by the population it describes."""
    shown: dict[Figure, int] = {}
    for row in matrix.rows:
        population = view
        if row.group is not None:
            population = (row.group, view[1]) if by == "site" else (view[0], row.group)
        if row.respondents is None:
            continue
        shown[(population, row.question_id, None, "respondents")] = row.respondents
        for cell in row.cells:
            for part in ("respondents", "barrier", "enabler"):
                value = getattr(cell, part)
                if value is not None:
                    shown[(population, row.question_id, cell.theme_id, part)] = value
    return shown


def _contains(outer: Population, inner: Population) -> bool:
    return all(o is None or o == i for o, i in zip(outer, inner, strict=True))


def _safe(value: int) -> bool:
    return value == 0 or value >= MINIMUM


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=respondents)
def test_no_output_reveals_a_small_group_even_by_subtraction(
    people: list[Respondent], content: Content
) -> None:
    views = list(itertools.product((None, *SITES), (None, *ROLES)))
    shown: dict[Figure, int] = {}
    breakdowns: tuple[Breakdown | None, ...] = (None, "site", "role")
    for view, by in itertools.product(views, breakdowns):
        try:
            matrix = assemble(
                content,
                THEMES,
                _counts(people, view, by),
                Thresholds(MINIMUM, 10),
                view,
                by,
            )
        except NotEnoughResponses:
            continue
        for figure, value in _figures(matrix, view, by).items():
            assert shown.setdefault(figure, value) == value, figure  # every view agrees
    # No figure shown is a small group...
    assert all(_safe(value) for value in shown.values())
    # ...nor the difference of any two about nested groups (a whole and a part of it,
    # unfiltered and filtered, a cell and its barrier or enabler side)...
    for (a, value_a), (b, value_b) in itertools.permutations(shown.items(), 2):
        (pop_a, question_a, theme_a, part_a), (pop_b, question_b, theme_b, part_b) = a, b
        if (question_a, theme_a) != (question_b, theme_b):
            continue
        nested_population = part_a == part_b and _contains(pop_a, pop_b)
        nested_split = pop_a == pop_b and part_a == "respondents" and theme_a is not None
        if nested_population or nested_split:
            assert _safe(value_a - value_b), (a, value_a, b, value_b)
    # ...nor a whole minus every part of it shown.
    for (population, question, theme, part), whole in shown.items():
        for dimension, values in ((0, SITES), (1, ROLES)):
            if population[dimension] is not None:
                continue
            parts = [
                shown.get((_with(population, dimension, value), question, theme, part), 0)
                for value in values
            ]
            assert _safe(whole - sum(parts)), (population, question, theme, part)


def _with(population: Population, dimension: int, value: str) -> Population:
    return (value, population[1]) if dimension == 0 else (population[0], value)
