"""The question x theme matrix over a known set of coded answers, on SQLite and on
PostgreSQL: its counts, percentages, split and change are right, and nothing about a
small group shows, not even by subtraction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.analysis.matrix import Cell, Matrix, Row, build
from bot.privacy import NotEnoughResponses, Thresholds
from prompts import Content
from storage.analysis import AnswerScope
from storage.codings import CodingRepository, NewCode
from storage.engine import Database
from storage.models import Occurrence, Pulse, Response
from storage.pulses import PulseRepository
from storage.states import Anonymity
from tests.storage.matrix_rows import SINCE, UNTIL, Answers, coder, organisation, seed_known_answers

THRESHOLDS = Thresholds(figures=5, comments=10)


async def _matrix(
    database: Database, content: Content, scope: AnswerScope, **options: object
) -> Matrix:
    async with database.transaction() as session:
        return await build(session, content, THRESHOLDS, scope, **options)  # type: ignore[arg-type]


def _row(matrix: Matrix, question: str, group: str | None = None) -> Row:
    return next(row for row in matrix.rows if row.question_id == question and row.group == group)


def _cell(row: Row, theme: str) -> Cell:
    return next(cell for cell in row.cells if cell.theme_id == theme)


async def test_counts_percentages_split_and_change(any_db: Database, content: Content) -> None:
    org = await seed_known_answers(any_db)
    matrix = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL), quotes=True)

    joy = _row(matrix, "joy-more")
    assert joy.respondents == 21
    staffing = _cell(joy, "staffing")
    # 18 people, one of them twice; s0's person code (enabler) beats the coder's barrier.
    assert (staffing.mentions, staffing.respondents, staffing.percent) == (19, 18, 85.7)
    assert (staffing.barrier, staffing.enabler) == (13, 5)
    # The period before: 5 of 10 (50%).
    assert staffing.change == 35.7
    teamwork = _cell(joy, "teamwork")
    assert (teamwork.respondents, teamwork.percent, teamwork.barrier, teamwork.enabler) == (
        6,
        28.6,
        0,
        6,
    )
    assert _cell(joy, "autonomy") == Cell("autonomy", 0, 0, 0.0, 0, 0, change=0.0)
    # Answers to an anonymous occurrence count one respondent each, whatever their key.
    engaged = _row(matrix, "engaged")
    assert (engaged.respondents, _cell(engaged, "autonomy").respondents) == (7, 7)
    # Questions in the bank's order.
    assert [row.question_id for row in matrix.rows] == ["joy-more", "engaged"]


async def test_quotes_only_from_cells_of_at_least_ten(any_db: Database, content: Content) -> None:
    org = await seed_known_answers(any_db)
    matrix = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL), quotes=True)

    joy = _row(matrix, "joy-more")
    # A person's code first, then the coder's surest.
    assert _cell(joy, "staffing").quotes == ("south corrected", "north answer 9", "north answer 8")
    assert _cell(joy, "teamwork").quotes == ()  # 6 people
    assert _cell(_row(matrix, "engaged"), "autonomy").quotes == ()  # 7
    without = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL))
    assert not without.quotes_shown


async def test_by_site_a_site_of_three_is_hidden_and_so_is_the_next_smallest(
    any_db: Database, content: Content
) -> None:
    org = await seed_known_answers(any_db)
    matrix = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL), by="site")

    assert _row(matrix, "joy-more").respondents == 21
    assert _row(matrix, "joy-more", "East").respondents is None  # 3
    assert _row(matrix, "joy-more", "South").respondents is None  # 6, but 21 - 12 would be East
    north = _row(matrix, "joy-more", "North")
    assert north.respondents == 12
    assert (_cell(north, "staffing").respondents, _cell(north, "staffing").percent) == (10, 83.3)
    # The anonymous answers have no site: one group of 7, the whole question.
    assert _row(matrix, "engaged", "").respondents == 7


async def test_a_filter_leaving_fewer_than_five_out_is_refused(
    any_db: Database, content: Content
) -> None:
    org = await seed_known_answers(any_db)
    period = AnswerScope(org, since=SINCE, until=UNTIL)

    # Clinicians are 18 of joy-more's 21: the other 3 would be everyone minus them.
    with pytest.raises(NotEnoughResponses):
        await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL, role="clinician"))
    # North (12 of 21) leaves 9 out: shown.
    north = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL, site="North"))
    assert _row(north, "joy-more").respondents == 12
    # East alone is too small to show, and nothing can be subtracted from a hidden row.
    east = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL, site="East"))
    assert _row(east, "joy-more").respondents is None
    # South (6) is hidden in the breakdown by site (the next smallest after East), so its
    # filter shows nothing either: whole minus North minus South would be East.
    south = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL, site="South"))
    assert _row(south, "joy-more").respondents is None
    assert (await _matrix(any_db, content, period)).rows


async def test_organisations_never_mix(any_db: Database, content: Content) -> None:
    org = await seed_known_answers(any_db)
    async with any_db.transaction() as session:
        other = await organisation(session, "slack", "T-OTHER")
        answers = Answers(session, other)
        for n in range(30):
            await answers.answer(f"o{n}", f"other {n}", coder("staffing", "barrier"), site="North")

    ours = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL))
    theirs = await _matrix(
        any_db, content, AnswerScope(other, since=SINCE, until=UNTIL), quotes=True
    )

    assert _cell(_row(ours, "joy-more"), "staffing").respondents == 18
    assert [(row.question_id, row.respondents) for row in theirs.rows] == [("joy-more", 30)]
    staffing = _cell(_row(theirs, "joy-more"), "staffing")
    assert (staffing.respondents, staffing.barrier) == (30, 30)
    assert all(quote.startswith("other") for quote in staffing.quotes)


async def test_an_organisation_with_no_answers_has_an_empty_matrix(
    any_db: Database, content: Content
) -> None:
    async with any_db.transaction() as session:
        org = await organisation(session, "local", "local")
    assert (await _matrix(any_db, content, AnswerScope(org))).empty


async def test_one_pulses_answers(any_db: Database, content: Content) -> None:
    org = await seed_known_answers(any_db)
    async with any_db.transaction() as session:
        pulse = await PulseRepository(session).add(
            Pulse(organisation_id=org, name="Anonymous check", created_at=SINCE)
        )
        occurrence = await session.scalar(
            select(Occurrence).where(Occurrence.anonymity == Anonymity.ANONYMOUS)
        )
        assert occurrence is not None
        occurrence.pulse_id = pulse.id

    matrix = await _matrix(any_db, content, AnswerScope(org, pulse_id=pulse.id))

    assert [(row.question_id, row.respondents) for row in matrix.rows] == [("engaged", 7)]
    assert _cell(matrix.rows[0], "autonomy").barrier == 7


async def test_an_answer_the_safety_net_flagged_is_counted_but_never_quoted(
    any_db: Database, content: Content
) -> None:
    org = await seed_known_answers(any_db)
    async with any_db.transaction() as session:
        flagged = await session.scalar(select(Response).where(Response.text == "north answer 9"))
        assert flagged is not None
        flagged.distress = True

    matrix = await _matrix(any_db, content, AnswerScope(org, since=SINCE, until=UNTIL), quotes=True)

    staffing = _cell(_row(matrix, "joy-more"), "staffing")
    assert staffing.respondents == 18  # its codes still count
    assert "north answer 9" not in staffing.quotes
    assert staffing.quotes == ("south corrected", "north answer 8", "north answer 7")


async def test_an_answer_a_person_said_fits_no_theme_counts_for_none(
    any_db: Database, content: Content
) -> None:
    org = await seed_known_answers(any_db)
    scope = AnswerScope(org, since=SINCE, until=UNTIL)
    async with any_db.transaction() as session:
        [n1] = (
            await session.scalars(select(Response.id).where(Response.text == "north answer 1"))
        ).all()
        # n1 spoke of staffing and teamwork, said the coder; a person said: neither.
        await CodingRepository(session).set_person_codes(n1, [], SINCE)

    matrix = await _matrix(any_db, content, scope, quotes=True)

    joy = _row(matrix, "joy-more")
    assert joy.respondents == 21  # still a respondent to the question
    staffing, teamwork = _cell(joy, "staffing"), _cell(joy, "teamwork")
    assert (staffing.mentions, staffing.respondents, staffing.barrier) == (18, 17, 12)
    assert (teamwork.respondents, teamwork.enabler) == (5, 5)
    assert "north answer 1" not in staffing.quotes
    # A recode leaves the person's answer be: still no theme.
    async with any_db.transaction() as session:
        await CodingRepository(session).replace_coder_codes(
            {n1: [NewCode("staffing", "barrier", 0.9)]}, SINCE
        )
    again = _row(await _matrix(any_db, content, scope), "joy-more")
    assert _cell(again, "staffing").respondents == 17
