"""The suppression property of the matrix (tests/unit/bot/privacy/test_suppression.py),
carried to every report format: for random answers and every view and breakdown, each
figure a CSV, Markdown, XLSX or HTML report shows is exactly one the matrix may show
(so nothing a format adds can reveal a small group), a figure the matrix hides reads
as the marker, and a REFI-QDA project names a site or role only for a group large
enough to show."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import openpyxl
from hypothesis import HealthCheck, given, settings

from bot.analysis.disclosure import Population
from bot.analysis.matrix import Matrix, assemble
from bot.messages import Say
from bot.privacy import NotEnoughResponses, Thresholds
from bot.reports.building import OTHER_GROUP, Report, project_sources
from bot.reports.html_report import matrix_table
from bot.reports.layout import short
from bot.reports.text_formats import to_csv, to_markdown
from bot.reports.xlsx import to_xlsx
from prompts import Content
from storage.analysis import Breakdown
from storage.reports import AnswerCode, CodedAnswer
from tests.unit.bot.privacy.test_suppression import (
    MINIMUM,
    ROLES,
    SITES,
    THEMES,
    Respondent,
    _counts,
    _figures,
    respondents,
)

Shown = dict[tuple[Population, str, str | None, str], int]
MADE = datetime(2026, 3, 2, tzinfo=UTC)
VIEWS = list(itertools.product((None, *SITES), (None, *ROLES)))
BREAKDOWNS: tuple[Breakdown | None, ...] = (None, "site", "role")


def _say(content: Content) -> Say:
    return content.copy.text


def _report(matrix: Matrix) -> Report:
    return Report("Org", {}, MADE, matrix, {})


def _population(view: Population, by: Breakdown | None, group: str) -> Population:
    if not group:
        return view
    return (group, view[1]) if by == "site" else (view[0], group)


def _number(value: object, hidden: str) -> int | None:
    """A shown count, or None for the marker; anything else fails the test."""
    if value == hidden:
        return None
    assert isinstance(value, int) or (isinstance(value, str) and value.isdigit()), value
    return int(value)


Key = tuple[Population, str, str | None, str]


def _keep(found: Shown, value: int | None, key: Key) -> None:
    """Note a figure read back; the same figure twice must read the same."""
    if value is not None:
        assert key not in found or found[key] == value
        found[key] = value


def _from_csv(text: str, view: Population, by: Breakdown | None, hidden: str) -> Shown:
    found: Shown = {}
    for line in csv.DictReader(io.StringIO(text)):
        population = _population(view, by, line["group"])
        question = line["question_id"]
        _keep(
            found,
            _number(line["respondents"], hidden),
            (population, question, None, "respondents"),
        )
        if not line.get("theme_id"):
            continue
        for part, column in (
            ("respondents", "people"),
            ("barrier", "barrier"),
            ("enabler", "enabler"),
        ):
            _keep(
                found,
                _number(line[column], hidden),
                (population, question, line["theme_id"], part),
            )
    return found


def _from_xlsx(data: bytes, view: Population, by: Breakdown | None, hidden: str) -> Shown:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Matrix"]
    header = [cell.value for cell in sheet[1]]
    labels = {f"{short(theme.label)}:": theme.id for theme in THEMES}
    found: Shown = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] is None or row[3] is None:
            continue  # the notes under the table
        question, group = str(row[0]), str(row[2])
        population = view if group == "Everyone" else _population(view, by, group)
        _keep(found, _number(row[3], hidden), (population, question, None, "respondents"))
        for index in range(4, len(header), 2):
            theme = next(
                theme_id
                for label, theme_id in labels.items()
                if str(header[index]).startswith(label)
            )
            if row[index] is not None:
                _keep(
                    found,
                    _number(row[index], hidden),
                    (population, question, theme, "respondents"),
                )
    return found


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, list[tuple[dict[str, str | None], str]]]] = []
        self._cell: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "data-question" in found:
            self.rows.append((str(found["data-question"]), str(found["data-group"]), []))
        elif tag == "td" and self.rows:
            self._cell, self._text = found, ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][2].append((self._cell, self._text))
            self._cell = None


def _from_html(text: str, view: Population, by: Breakdown | None, hidden: str) -> Shown:
    cells = _Cells()
    cells.feed(text)
    found: Shown = {}
    for question, group, row in cells.rows:
        population = _population(view, by, group)
        for attributes, content in row:
            if attributes.get("data-figure") == "respondents":
                _keep(
                    found,
                    _number(content, hidden),
                    (population, question, None, "respondents"),
                )
            elif attributes.get("data-theme"):
                theme = str(attributes["data-theme"])
                people = attributes.get("data-people")
                value = _number(people if people is not None else content, hidden)
                if value is not None:
                    assert content.startswith(f"{value} (")
                _keep(found, value, (population, question, theme, "respondents"))
    return found


def _from_markdown(
    text: str, matrix: Matrix, view: Population, by: Breakdown | None, hidden: str
) -> Shown:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    if not lines:
        return {}
    header = [cell.strip() for cell in lines[0].strip("|").split(" | ")]
    themes = {short(theme.label): theme.id for theme in THEMES}
    found: Shown = {}
    for line, row in zip(lines[1:], matrix.rows, strict=True):  # the same order
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        population = view if row.group is None else _population(view, by, row.group)
        _keep(
            found,
            _number(cells[2], hidden),
            (population, row.question_id, None, "respondents"),
        )
        for label, cell in zip(header[3:], cells[3:], strict=True):
            if not cell:
                continue
            value = None if cell == hidden else int(cell.split(" ")[0])
            _keep(found, value, (population, row.question_id, themes[label], "respondents"))
    return found


def _only(shown: Shown, parts: set[str]) -> Shown:
    return {key: value for key, value in shown.items() if key[3] in parts}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=respondents)
def test_every_format_shows_only_what_the_matrix_may(
    people: list[Respondent], content: Content
) -> None:
    say = _say(content)
    hidden = say("report.hidden", minimum=MINIMUM)
    for view, by in itertools.product(VIEWS, BREAKDOWNS):
        try:
            matrix = assemble(
                content, THEMES, _counts(people, view, by), Thresholds(MINIMUM, 10), view, by
            )
        except NotEnoughResponses:
            continue
        report = _report(matrix)
        allowed = _figures(matrix, view, by)
        if report.too_few:
            too_few = say("report.too_few", minimum=MINIMUM)
            assert too_few in to_markdown(report, say)
            assert not re.search(r"\|\s*\d", to_markdown(report, say))
            assert len(to_csv(report, say).splitlines()) == 1
            continue
        counts = {"respondents"}
        assert _from_csv(to_csv(report, say), view, by, hidden) == allowed
        spoken = {key: value for key, value in allowed.items() if key[3] == "respondents"}
        assert spoken == _only(allowed, counts)
        html = _from_html(matrix_table(report, say), view, by, hidden)
        assert html.items() <= spoken.items()
        md = _from_markdown(to_markdown(report, say), matrix, view, by, hidden)
        assert md.items() <= spoken.items()
        xlsx = _from_xlsx(to_xlsx(report, say), view, by, hidden)
        assert xlsx.items() <= spoken.items()
        # HTML, Markdown and XLSX leave out only themes nobody in a shown cell spoke of
        # (zeros): a theme column with no one in it says nothing a reader needs.
        for key, value in spoken.items():
            if key not in html or key not in md or key not in xlsx:
                assert value == 0 and key[2] is not None, key


@settings(max_examples=60, deadline=None)
@given(people=respondents)
def test_a_project_names_only_sites_and_roles_large_enough(
    people: list[Respondent], content: Content
) -> None:
    answers = [
        CodedAnswer(
            index,
            f"key-{index}",
            MADE,
            question,
            "words",
            person.site,
            person.role,
            tuple(AnswerCode(theme, polarity, "coder", 0.5) for theme, polarity in themes.items()),
        )
        for index, person in enumerate(people)
        for question, themes in person.answers.items()
    ]
    matrix = assemble(content, THEMES, _counts([], (None, None), None), Thresholds(MINIMUM, 10))
    sources = project_sources(answers, _report(matrix))
    for dimension in ("site", "role"):
        named = {getattr(source, dimension) for source in sources} - {OTHER_GROUP}
        for name in named:
            # Each answer here is its own respondent (its own key).
            group = [a for a in answers if getattr(a, dimension) == name]
            assert len(group) >= MINIMUM, (dimension, name)
        hidden = [getattr(a, dimension) for a in answers if getattr(a, dimension) not in named]
        assert len(hidden) == 0 or len(hidden) >= MINIMUM or not named, (dimension, hidden)
