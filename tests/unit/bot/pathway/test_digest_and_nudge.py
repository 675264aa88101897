""" "You said, we did" goes to clinicians who want it, once per period; ideas left waiting
come back to leaders in a weekly nudge, once a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import actions
from bot.clock import FixedClock
from bot.pathway.nudges import pathway_mailings
from bot.people.roles import Role
from tests.unit.bot.dispatch_harness import ChatHarness, texts


def _digests(chat: ChatHarness) -> list[tuple[str, str]]:
    return [
        (to.conversation_id, message.text)
        for to, message in chat.sender.sent
        if "You said, we did" in message.text
    ]


async def test_the_scheduled_digest_reaches_clinicians_once_and_respects_digest_off(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.grant("wendy", Role.WELLNESS_LEAD)
    await chat.grant("lee", Role.LEADER)
    for person in ("ana", "ben", "cai"):
        await chat.join(person)
    [scheduled] = texts(await chat.say("wendy", "digest schedule weekly"))
    assert "every 7 days" in scheduled
    await chat.say("ana", "idea a float nurse on Mondays")
    await chat.say("ben", "idea: free parking for night staff")
    first, second = (idea.id for idea in await chat.ideas())
    for move in ("submitted:accepted", "accepted:in_progress", "in_progress:implemented"):
        await chat.press("lee", actions.IDEA_MOVE, f"{first}:{move}")
    await chat.press(
        "lee",
        actions.IDEA_NOTE_SUBMIT,
        f"{second}:submitted:declined",
        fields={actions.NOTE_FIELD: "The car park belongs to the hospital."},
    )
    [off] = texts(await chat.say("cai", "digest off"))
    assert "no more" in off
    [refused] = texts(await chat.say("ana", "digest schedule monthly"))
    assert "wellness lead" in refused

    clock.advance(timedelta(days=7, minutes=1))
    result = await pathway_mailings(chat.database, chat.ctx)
    assert result["digests"] == 1
    again = await pathway_mailings(chat.database, chat.ctx)  # the job fires twice
    assert again["digests"] == 0
    await chat.outbox.dispatch_due()
    got = _digests(chat)
    readers = [who for who, _ in got]
    assert "dm-cai" not in readers  # digest off
    assert {"dm-ana", "dm-ben"} <= set(readers) and len(readers) == len(set(readers))
    text = got[0][1]
    implemented = text.split("Implemented:")[1].split("In progress:")[0]
    assert f"#{first}: a float nurse on Mondays (led by" in implemented
    assert "2 received, 1 accepted, 1 declined" in text
    assert "“The car park belongs to the hospital.”" in text
    assert "Ana" not in text and "Ben" not in text  # no submitter is ever named


async def test_ideas_left_untriaged_come_back_to_leaders_once_a_week(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.say("ana", "idea quiet room for charting")
    await chat.outbox.dispatch_due()
    assert (await pathway_mailings(chat.database, chat.ctx))["nudges"] == 0  # not yet 14 days

    clock.advance(timedelta(days=15))
    assert (await pathway_mailings(chat.database, chat.ctx))["nudges"] == 1
    assert (await pathway_mailings(chat.database, chat.ctx))["nudges"] == 0  # same week
    await chat.outbox.dispatch_due()
    _workspace, audience, nudge = chat.sender.announced[-1]
    assert audience == "leaders"
    assert "waited more than 14 days" in nudge.text and "quiet room for charting" in nudge.text
    assert "15 days old" in nudge.text and "Ana" not in nudge.text

    clock.advance(timedelta(days=7))
    assert (await pathway_mailings(chat.database, chat.ctx))["nudges"] == 1  # next week


async def test_a_digest_due_at_night_waits_for_the_morning(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.grant("wendy", Role.WELLNESS_LEAD)
    await chat.join("ana")
    await chat.say("wendy", "digest schedule weekly")
    # A week on, at 02:00 in New York (the organisation's zone): inside quiet hours.
    clock.set(datetime(2026, 3, 10, 7, 0, tzinfo=UTC))
    assert (await pathway_mailings(chat.database, chat.ctx))["digests"] == 1
    await chat.outbox.dispatch_due()
    assert _digests(chat) == []  # queued, not sent in the night
    clock.set(datetime(2026, 3, 10, 12, 30, tzinfo=UTC))  # 08:30 in New York
    await chat.outbox.dispatch_due()
    assert "dm-ana" in [who for who, _ in _digests(chat)]
