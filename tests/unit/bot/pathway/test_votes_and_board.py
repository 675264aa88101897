"""Votes (one per person, never listed, anonymous ideas too) and the `ideas` board."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import actions
from bot.clock import FixedClock
from bot.people.roles import Role
from storage.models import IdeaVote
from tests.unit.bot.dispatch_harness import ChatHarness, texts


async def _accepted_idea(chat: ChatHarness, text: str = "idea scribes for every clinic") -> int:
    """Ana sends an idea and Lee (a leader) accepts it from the CLI's way in: the card."""
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.say("ana", text)
    await chat.outbox.dispatch_due()
    [idea] = await chat.ideas()
    await chat.press("lee", actions.IDEA_MOVE, f"{idea.id}:submitted:accepted")
    await chat.outbox.dispatch_due()
    return idea.id


async def test_a_vote_counts_once_and_a_second_says_so(chat: ChatHarness) -> None:
    idea_id = await _accepted_idea(chat)
    await chat.join("ben")

    [first] = texts(await chat.say("ben", f"vote #{idea_id}"))
    assert first == f"Your vote for idea #{idea_id} is counted. It now has 1 vote."
    [again] = texts(await chat.press("ben", actions.IDEA_VOTE, str(idea_id)))
    assert "already voted" in again and "nothing changed" in again and "1 vote" in again
    async with chat.database.transaction() as session:
        votes = list(await session.scalars(select(IdeaVote)))
    assert len(votes) == 1
    # A pseudonym (32 hex characters), not who voted: no column of it names a person.
    assert len(votes[0].voter_key) == 32 and not hasattr(votes[0], "person_id")
    # The leaders' card shows the count; nothing on it (or anywhere) lists the voter.
    await chat.outbox.dispatch_due()
    _ref, card = chat.sender.updated[-1]
    assert card.idea is not None and "1 vote" in card.idea.facts
    assert "ben" not in str(card).lower()


async def test_own_idea_and_another_organisations_idea_are_refused_politely(
    chat: ChatHarness,
) -> None:
    idea_id = await _accepted_idea(chat)
    [own] = texts(await chat.say("ana", f"vote {idea_id}"))
    assert "your own" in own
    [unknown] = texts(await chat.say("ana", "vote 999"))
    assert "can't find idea #999" in unknown


async def test_an_anonymous_idea_is_votable_without_naming_its_author(chat: ChatHarness) -> None:
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.join("ben")
    await chat.say("ana", "idea quiet room for charting")
    [idea] = await chat.ideas()
    async with chat.database.transaction() as session:
        stored = await session.get(type(idea), idea.id)
        assert stored is not None
        stored.anonymous = True
    [counted] = texts(await chat.say("ben", f"vote {idea.id}"))
    assert "counted" in counted and "ana" not in counted.lower()


async def test_the_board_shows_what_is_under_way_and_leaders_see_the_queue_first(
    chat: ChatHarness, clock: FixedClock
) -> None:
    accepted = await _accepted_idea(chat)
    await chat.say("ana", "idea: walking rounds on Fridays")
    clock.advance(timedelta(days=3))
    await chat.join("ben")
    await chat.say("ben", f"vote {accepted}")

    [board] = await chat.say("ben", "ideas")
    assert "Waiting for leaders" not in board.text  # a clinician sees no triage queue
    assert f"#{accepted} (accepted · 1 vote · 3 days old): scribes for every clinic" in board.text
    assert [b.label for b in board.buttons] == [f"Vote for #{accepted}"]
    assert "Ana" not in board.text  # the board is about ideas, never who sent them

    [leaders] = await chat.say("lee", "ideas")
    queue, under_way = leaders.text.index("Waiting for leaders"), leaders.text.index("Under way")
    assert queue < under_way and "walking rounds" in leaders.text[queue:under_way]
    # `my ideas` stays.
    [mine] = await chat.say("ana", "my ideas")
    assert "walking rounds" in mine.text and "scribes" in mine.text


async def test_an_idea_the_safety_net_held_back_is_unknown_to_leaders_and_voters(
    chat: ChatHarness,
) -> None:
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.join("ben")
    await chat.say("ana", "idea a float nurse on Mondays")
    await chat.say("ben", "idea I love my team but honestly I don't want to be alive anymore")
    first, held = (idea.id for idea in await chat.ideas())
    assert (await chat.idea(held)).distress
    unknown = f"I can't find idea #{held}"  # as if it did not exist: nobody learns it does
    for who, words in (
        ("ana", f"vote {held}"),
        ("lee", f"vote {held}"),
        ("lee", f"merge #{held} into #{first}"),
        ("lee", f"merge #{first} into #{held}"),
    ):
        assert any(unknown in text for text in texts(await chat.say(who, words))), words
    for move in ("submitted:accepted", "submitted:declined"):  # a forged card press
        replies = await chat.press("lee", actions.IDEA_MOVE, f"{held}:{move}")
        assert any(unknown in text for text in texts(replies)), move
    board = " ".join(texts(await chat.say("lee", "ideas")))
    assert "alive" not in board and f"#{held}" not in board
    assert (await chat.idea(held)).state == "submitted"
    assert (await chat.idea(first)).state == "submitted"  # nothing merged into it
    assert any(f"#{held}" in text for text in texts(await chat.say("ben", "my ideas")))


async def test_a_leader_with_a_queue_is_not_invited_to_send_the_first_idea(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.say("ana", "idea: walking rounds on Fridays")

    [leaders] = await chat.say("lee", "ideas")
    [clinician] = await chat.say("ana", "ideas")

    assert "walking rounds" in leaders.text and "None under way yet." in leaders.text
    assert "Yours could be the first" not in leaders.text
    assert "Yours could be the first" in clinician.text


async def test_details_added_later_keep_every_list_to_one_line_per_idea(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.say("ana", "idea scribes for every clinic")
    [idea] = await chat.ideas()
    await chat.press(
        "lee",
        actions.IDEA_NOTE_SUBMIT,
        f"{idea.id}:submitted:needs_more_info",
        fields={"note": "Which clinics first?"},
    )
    await chat.say("ana", f"idea #{idea.id} Outpatients, then the ward")

    [mine] = await chat.say("ana", "my ideas")
    [leaders] = await chat.say("lee", "ideas")

    for listing in (mine.text, leaders.text):
        [line] = [line for line in listing.splitlines() if f"#{idea.id}" in line]
        assert line.endswith("scribes for every clinic …")
        assert "More from the submitter" not in listing
