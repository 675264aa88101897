"""A second vote and a second mailing of a period are no-ops, on SQLite and PostgreSQL:
the repository reports False and the transaction it ran in goes on (a savepoint)."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.digests import MailingRepository
from storage.engine import Database
from storage.ideas import IdeaRepository
from storage.models import Idea, IdeaVote, PathwayMailing
from tests.storage.storage_rows import NOW, add_person, local_organisation


async def test_a_second_vote_is_a_no_op_and_the_transaction_carries_on(any_db: Database) -> None:
    async with any_db.transaction() as session:
        person = await add_person(session, "ana")
        organisation = await local_organisation(session)
        idea = Idea(
            organisation_id=organisation,
            workspace_id=person.workspace_id,
            text="scribes",
            source="command",
            submitter_id=person.id,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(idea)
        await session.flush()
        ideas = IdeaRepository(session)

        def vote() -> IdeaVote:
            return IdeaVote(
                organisation_id=organisation, idea_id=idea.id, voter_key="k1", created_at=NOW
            )

        assert await ideas.add_vote(vote()) is True
        assert await ideas.add_vote(vote()) is False
        assert await ideas.vote_count(idea.id) == 1  # still usable after the refusal

    async with any_db.transaction() as session:
        mailings = MailingRepository(session)
        assert await mailings.claim(organisation, "digest", "2026-03-09", None, NOW) is True
        assert await mailings.claim(organisation, "digest", "2026-03-09", None, NOW) is False
        assert await mailings.claim(organisation, "nudge", "2026-W11", None, NOW) is True
    async with any_db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(PathwayMailing))
    assert count == 2
