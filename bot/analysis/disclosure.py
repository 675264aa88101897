"""Which of the matrix's figures may be shown, decided once for every view at a time.

The views a person can ask for form a lattice of populations: everyone; one site;
one role; one site and one role. A population's figures can be subtracted from its
parent's (a site's from everyone's, a site-and-role's from the site's or the role's),
and its siblings' from their parent's. So the one suppression rule
(bot.privacy.shown_groups) is applied across every breakdown of the lattice, and
within each cell to its barrier/enabler split, until nothing more needs hiding (each
pass only hides more, so it ends). Every view then shows only what this allows, and
no two views can be subtracted to reveal a small group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.privacy import may_show, shown_groups

Population = tuple[str | None, str | None]  # (site, role); None: any
EVERYONE: Population = (None, None)
# A figure of a population: (question, None, "respondents") for the question's row,
# (question, theme, part) for a cell, part one of PARTS.
Figure = tuple[str, str | None, str]
RESPONDENTS = "respondents"
BARRIER = "barrier"
ENABLER = "enabler"
PARTS = (RESPONDENTS, BARRIER, ENABLER)


@dataclass
class Figures:
    """Every population's figures, and those that may not be shown."""

    values: dict[Population, dict[Figure, int]] = field(default_factory=dict)
    hidden: set[tuple[Population, Figure]] = field(default_factory=set)

    def value(self, population: Population, figure: Figure) -> int:
        return self.values.get(population, {}).get(figure, 0)

    def shown(self, population: Population, figure: Figure) -> bool:
        return (population, figure) not in self.hidden

    def hide(self, population: Population, figures: Iterable[Figure]) -> None:
        self.hidden.update((population, figure) for figure in figures)


def decide(values: Mapping[Population, Mapping[Figure, int]], minimum: int) -> Figures:
    """Hide, across the lattice, what the rule says to (see the module's docstring)."""
    figures = Figures({population: dict(found) for population, found in values.items()})
    while True:
        before = len(figures.hidden)
        for population in figures.values:
            _within(figures, population, minimum)
        for parent, children in _breakdowns(figures.values):
            _across(figures, parent, children, minimum)
        if len(figures.hidden) == before:
            return figures


def _within(figures: Figures, population: Population, minimum: int) -> None:
    """A small figure is hidden; a hidden row hides its cells, a hidden cell its split,
    and a split's two sides go together (one is the cell minus the other)."""
    found = figures.values[population]
    figures.hide(
        population, (figure for figure, value in found.items() if not may_show(value, minimum))
    )
    cells = {(prompt, theme) for prompt, theme, _ in found if theme is not None}
    for prompt, theme in cells:
        row: Figure = (prompt, None, RESPONDENTS)
        if not figures.shown(population, row):
            figures.hide(population, ((prompt, theme, part) for part in PARTS))
            continue
        if not figures.shown(population, (prompt, theme, RESPONDENTS)):
            figures.hide(population, ((prompt, theme, part) for part in (BARRIER, ENABLER)))
            continue
        split = {part: found.get((prompt, theme, part), 0) for part in (BARRIER, ENABLER)}
        shown = shown_groups(
            split,
            minimum,
            total=found.get((prompt, theme, RESPONDENTS), 0),
            hidden=[part for part in split if not figures.shown(population, (prompt, theme, part))],
        )
        figures.hide(population, ((prompt, theme, part) for part in split if part not in shown))


def _breakdowns(
    values: Mapping[Population, object],
) -> list[tuple[Population, list[Population]]]:
    """Each population that is broken down, with the groups it is broken into."""
    by_parent: dict[Population, list[Population]] = {}
    for site, role in values:
        if site is not None:
            by_parent.setdefault((None, role), []).append((site, role))
        if role is not None:
            by_parent.setdefault((site, None), []).append((site, role))
    # A breakdown by site of a role, and by role of a site, are different breakdowns.
    breakdowns = []
    for parent, children in by_parent.items():
        for dimension in (0, 1):
            if parent[dimension] is not None:
                continue
            group = [
                child
                for child in children
                if child[dimension] is not None and child[1 - dimension] == parent[1 - dimension]
            ]
            if group:
                breakdowns.append((parent, group))
    return breakdowns


def _across(figures: Figures, parent: Population, children: list[Population], minimum: int) -> None:
    """Within one breakdown, each figure by the rule across the groups: a small group's
    is hidden, and the next smallest with it, so the whole minus the rest says nothing."""
    keys = set(figures.values.get(parent, {}))
    for child in children:
        keys.update(figures.values[child])
    for figure in keys:
        names = {str(index): child for index, child in enumerate(children)}
        shown = shown_groups(
            {name: figures.value(child, figure) for name, child in names.items()},
            minimum,
            total=figures.value(parent, figure),
            hidden=[name for name, child in names.items() if not figures.shown(child, figure)],
        )
        for name, child in names.items():
            if name not in shown:
                figures.hide(child, [figure])
