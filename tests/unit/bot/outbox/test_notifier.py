"""Notifications are sent with no transaction open: a platform that is slow to answer
holds up nobody else's work, and a crash mid-send sends the notification again once
its lease ends, never losing it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FixedClock
from bot.events import MessageRef
from bot.messages import OutboundMessage
from bot.outbox.delivery import Outbox
from bot.outbox.notifier import NOTIFICATION_LEASE
from storage.models import Notification
from tests.unit.bot.dispatch_harness import LOCAL, ChatHarness, RecordingSender


class SlowAnnouncer(RecordingSender):
    """A platform that takes its time to post the leaders' card."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = asyncio.Event()
        self.answer = asyncio.Event()

    async def announce(
        self, workspace: str, audience: str, message: OutboundMessage
    ) -> MessageRef | None:
        self.in_flight.set()
        await self.answer.wait()
        return await super().announce(workspace, audience, message)


async def _card_on_the_wire(chat: ChatHarness) -> tuple[SlowAnnouncer, asyncio.Task[int]]:
    """Ana's idea; an outbox starts announcing its card to a platform that has not
    answered yet."""
    await chat.join("ana")
    await chat.say("ana", "idea: scribes for every clinic")
    slow = SlowAnnouncer()
    outbox = Outbox(chat.database, chat.ctx, {LOCAL: slow})
    sending = asyncio.create_task(outbox.dispatch_due())
    await slow.in_flight.wait()
    return slow, sending


async def test_a_slow_platform_holds_up_no_one_else(chat: ChatHarness) -> None:
    slow, sending = await _card_on_the_wire(chat)

    # While the card is on the wire, a clinician's turn still goes through.
    replies = await asyncio.wait_for(chat.say("ana", "help"), timeout=2)
    assert replies

    slow.answer.set()
    await sending
    [note] = await _notifications(chat)
    assert note.state == "sent" and note.message_ref is not None


async def test_a_crash_mid_send_sends_the_notification_again_after_its_lease(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    _slow, crash = await _card_on_the_wire(chat)
    crash.cancel()  # the process dies with the card on the wire

    restarted = Outbox(chat.database, chat.ctx, {LOCAL: sender})
    await restarted.dispatch_due()
    assert sender.announced == []  # leased: perhaps it did arrive

    clock.advance(NOTIFICATION_LEASE + timedelta(seconds=1))
    await restarted.dispatch_due()
    assert len(sender.announced) == 1
    [note] = await _notifications(chat)
    assert note.state == "sent"


async def _notifications(chat: ChatHarness) -> list[Notification]:
    async with chat.database.transaction() as session:
        return list((await session.scalars(select(Notification))).all())


async def test_a_card_queued_unworded_by_an_older_version_goes_out_worded(
    chat: ChatHarness, sender: RecordingSender
) -> None:
    """Before cards were worded in the core, a queued card kept raw facts (votes, names,
    the note) for each renderer to word; one still waiting at an upgrade is worded now."""
    await chat.join("ana")
    await chat.say("ana", "idea: scribes for every clinic")
    async with chat.database.transaction() as session:
        note = (await session.scalars(select(Notification))).one()
        idea_id = note.body["idea"]["idea_id"]
        note.body = {
            **note.body,
            "idea": {
                "idea_id": idea_id,
                "text": "scribes for every clinic",
                "state": "declined",
                "votes": 1,
                "submitted_by": "Ana",
                "owner": None,
                "note": "No budget this year",
            },
        }

    await Outbox(chat.database, chat.ctx, {LOCAL: sender}).dispatch_due()

    [(_workspace, _audience, card)] = sender.announced
    assert card.idea is not None
    assert (card.idea.title, card.idea.state) == (f"Idea #{idea_id}", "declined")
    assert card.idea.facts == ("From Ana", "1 vote")
    assert [(n.label, n.text) for n in card.idea.notes] == [("Reason", "No budget this year")]
