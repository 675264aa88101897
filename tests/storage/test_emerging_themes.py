"""Emerging themes on a real database: a theme the codebook lacks (parking), planted
among ordinary coded answers, is proposed with its words and quotes; the wellness lead
accepts, merges or dismisses it, and the organisation's coder learns an accepted one."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.analysis import CodebookCoder, organisation_coder
from bot.analysis.emerging import accept, dismiss, merge, propose, with_quotes
from bot.privacy.audit import at_cli
from prompts import Content
from storage.emerging import EmergingRepository
from storage.engine import Database
from storage.models import AuditEntry, Coding, Theme
from storage.organisations import OrganisationRepository
from tests.storage.emerging_stream import NOW, add_answer, plant_stream
from tests.storage.storage_rows import local_organisation

MINIMUM = 10  # the comments minimum (THRIVE_MIN_GROUP_SIZE_COMMENTS default)


async def test_a_planted_theme_is_proposed_with_its_words_and_quotes(
    any_db: Database, content: Content
) -> None:
    coder = CodebookCoder.from_content(content)
    async with any_db.transaction() as session:
        organisation = await local_organisation(session)
        parking = await plant_stream(session, coder, organisation)
        assert not any(coder.code(r.text or "") for r in parking)  # the codebook lacks it
        first = await propose(session, organisation, minimum=MINIMUM, now=NOW)
    async with any_db.transaction() as session:
        again = await propose(session, organisation, minimum=MINIMUM, now=NOW)
        shown = await with_quotes(
            session, organisation, again, minimum=MINIMUM, now=NOW, by=at_cli("lead")
        )

    assert again == first  # the same answers give the same candidates, ids and all
    proposed = [c for c in shown if "parking" in c.top_terms]
    assert len(proposed) == 1, [c.top_terms for c in shown]
    candidate = proposed[0]
    parking_ids = {r.id for r in parking}
    stored = await _stored(any_db, organisation, candidate.id)
    assert len(set(stored) & parking_ids) >= 20  # most of the planted answers
    assert len(candidate.quotes) == 3
    assert all("park" in quote.lower() for quote in candidate.quotes)
    async with any_db.transaction() as session:
        audits = (await session.scalars(select(AuditEntry))).all()
    assert [a.action for a in audits] == ["quotes.view"]
    assert len(audits[0].detail["responses"]) == 3


async def test_accepting_makes_a_theme_of_that_organisation_only(
    any_db: Database, content: Content
) -> None:
    coder = CodebookCoder.from_content(content)
    async with any_db.transaction() as session:
        organisation = await local_organisation(session)
        await plant_stream(session, coder, organisation)
        candidates = await propose(session, organisation, minimum=MINIMUM, now=NOW)
        parking = next(c for c in candidates if "parking" in c.top_terms)
        theme, coded_now = await accept(
            session, organisation, parking.id, content, label="Parking", now=NOW
        )
    assert (theme.id, theme.label, theme.organisation_id) == ("parking", "Parking", organisation)
    assert "parking" in theme.keywords
    assert coded_now >= 20

    async with any_db.transaction() as session:
        coded = await session.scalar(
            select(func.count()).select_from(Coding).where(Coding.theme_id == "parking")
        )
        again = await propose(session, organisation, minimum=MINIMUM, now=NOW)
        other = await OrganisationRepository(session).add("Elsewhere", now=NOW)
        organisation_codes = (await organisation_coder(session, content, organisation)).code(
            "Parking was awful today"
        )
        other_codes = (await organisation_coder(session, content, other.id)).code(
            "Parking was awful today"
        )
    assert coded is not None and coded >= 20
    assert "parking" not in {t for c in again for t in c.top_terms[:1]}  # now covered
    assert [c.theme for c in organisation_codes] == ["parking"]
    assert other_codes == ()


async def test_merging_codes_the_answers_as_a_person_and_dismissing_hides_them(
    any_db: Database, content: Content
) -> None:
    coder = CodebookCoder.from_content(content)
    async with any_db.transaction() as session:
        organisation = await local_organisation(session)
        await plant_stream(session, coder, organisation)
        parking = next(
            c
            for c in await propose(session, organisation, minimum=MINIMUM, now=NOW)
            if "parking" in c.top_terms
        )
        await merge(session, organisation, parking.id, "work-life", content, now=NOW)
    async with any_db.transaction() as session:
        codes = (
            await session.scalars(
                select(Coding).where(Coding.theme_id == "work-life", Coding.source == "person")
            )
        ).all()
    assert len(codes) == parking.answers
    assert {c.confidence for c in codes} == {None}  # a person's code: it wins

    async with any_db.transaction() as session:
        for text in ["The lifts are out of order again", "lifts broken, stairs only"] * 6:
            await add_answer(session, coder, organisation, "job-difficult", text)
        lifts = next(
            c
            for c in await propose(session, organisation, minimum=MINIMUM, now=NOW)
            if "lifts" in c.top_terms
        )
        await dismiss(session, organisation, lifts.id, now=NOW)
    async with any_db.transaction() as session:
        after = await propose(session, organisation, minimum=MINIMUM, now=NOW)
        themes = await session.scalars(select(Theme.id).where(Theme.organisation_id.is_not(None)))
    assert not any("lifts" in c.top_terms for c in after)
    assert themes.all() == []


async def _stored(database: Database, organisation: int, candidate_id: int) -> list[int]:
    async with database.transaction() as session:
        found = await EmergingRepository(session).get(organisation, candidate_id)
        assert found is not None
        return [int(i) for i in found.response_ids]


async def test_answers_the_safety_net_flagged_are_never_grouped_nor_quoted(
    any_db: Database, content: Content
) -> None:
    coder = CodebookCoder.from_content(content)
    async with any_db.transaction() as session:
        organisation = await local_organisation(session)
        parking = await plant_stream(session, coder, organisation)
        for answer in parking:
            answer.distress = True  # as if each had alarmed the screen
        await session.flush()
        proposed = await propose(session, organisation, minimum=MINIMUM, now=NOW)
        uncovered = await EmergingRepository(session).uncovered_answers(organisation, 1000)

    assert not any("parking" in candidate.top_terms for candidate in proposed)
    assert not {answer.id for answer in parking} & {answer_id for answer_id, _ in uncovered}
