"""The outbox respects clinicians' time: the organisation's quiet hours and weekends, the
pulse's window, the fatigue cap, one reminder; it closes pulses, waits out 429s for the
whole workspace (a busy conversation for itself only), and a crash mid-send loses nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.errors import ConversationBusy, RateLimited
from bot.events import ConversationRef, MessageRef
from bot.messages import OutboundMessage
from bot.outbox.delivery import Outbox
from bot.pulses.runs import ask_now
from storage.engine import Database
from storage.models import Delivery, Occurrence, Person, Pulse
from storage.people import PeopleRepository
from tests.unit.bot.dispatch_harness import LOCAL, ChatHarness, RecordingSender, update_person

NEW_YORK = ZoneInfo("America/New_York")


def at_new_york(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in New York in March 2026 (the 2nd is a Monday), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


async def _pulse(database: Database, clock: FixedClock, **values: object) -> int:
    fields: dict[str, object] = {
        "name": "Lunchtime check-in",
        "prompt_ids": ["joy-more"],
        "audience": {"everyone": True},
        "schedule": "weekly",
        "send_window_start": "12:00",
        "send_window_end": "13:00",
        "days_of_week": "mon,tue,wed,thu,fri",
        "reminder_after_hours": 24,
        "close_after_days": 7,
        "created_at": clock.now(),
    }
    fields.update(values)
    async with database.transaction() as session:
        workspace = await PeopleRepository(session).workspace(LOCAL, LOCAL, now=clock.now())
        pulse = Pulse(organisation_id=workspace.organisation_id, **fields)
        session.add(pulse)
        await session.flush()
        return pulse.id


async def _deliveries(chat: ChatHarness) -> list[Delivery]:
    return await chat.deliveries()


async def test_at_night_the_organisations_quiet_hours_hold_the_prompt_till_seven(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")  # no quiet hours of her own: the org's 19:00-07:00
    clock.set(at_new_york(2, 21, 30))

    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()

    [delivery] = await _deliveries(chat)
    assert sender.sent == []
    assert (delivery.state, delivery.due_at) == ("pending", at_new_york(3, 7))
    assert delivery.reason == "quiet hours"


async def test_on_a_saturday_the_prompt_waits_for_monday_morning(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    clock.set(at_new_york(7, 11))  # Saturday, late morning

    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()

    [delivery] = await _deliveries(chat)
    assert delivery.due_at == at_new_york(9, 7)
    assert delivery.reason is not None and "weekend" in delivery.reason
    clock.set(at_new_york(9, 7))
    await chat.outbox.dispatch_due()
    assert len(sender.messages_to("ana")) == 1


async def test_a_person_who_dropped_quiet_weekends_gets_it_on_saturday(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    await update_person(sqlite_db, ana.id, quiet_weekends=False)
    clock.set(at_new_york(7, 11))

    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()

    assert len(sender.messages_to("ana")) == 1


async def test_the_fatigue_cap_holds_a_third_prompt_in_a_week_until_the_first_ages_out(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    first_sent = clock.now()
    for _ in range(2):
        await ask_now(
            chat.database,
            chat.ctx,
            chat.outbox,
            [ana],
            ["joy-more"],
            close_after=timedelta(days=14),
        )
        await chat.outbox.dispatch_due()
        clock.advance(timedelta(hours=1))

    await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"], close_after=timedelta(days=14)
    )
    await chat.outbox.dispatch_due()

    assert len(sender.messages_to("ana")) == 2
    third = (await _deliveries(chat))[2]
    assert third.state == "pending"
    assert third.reason is not None and "fatigue cap" in third.reason
    assert third.due_at == first_sent + timedelta(days=7)
    clock.set(third.due_at)
    await chat.outbox.dispatch_due()
    assert len(sender.messages_to("ana")) == 3


async def test_one_batch_never_sends_one_person_more_than_the_cap(
    chat: ChatHarness, sender: RecordingSender
) -> None:
    ana = await chat.join("ana")
    for _ in range(3):  # three occurrences due at once, claimed in one batch
        await ask_now(
            chat.database,
            chat.ctx,
            chat.outbox,
            [ana],
            ["joy-more"],
            close_after=timedelta(days=14),
        )

    await chat.outbox.dispatch_due()

    assert len(sender.messages_to("ana")) == 2


async def test_a_pulse_prompt_waits_for_its_send_window_in_the_persons_zone(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    pulse_id = await _pulse(sqlite_db, clock)
    clock.set(at_new_york(3, 9))  # Tuesday 09:00: before the 12:00-13:00 window

    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"], pulse_id=pulse_id)
    await chat.outbox.dispatch_due()

    [delivery] = await _deliveries(chat)
    assert sender.sent == []
    assert (delivery.due_at, delivery.reason) == (at_new_york(3, 12), "outside the send window")


async def test_one_reminder_goes_to_a_non_responder_only_and_counts_toward_the_cap(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    ben = await chat.join("ben")
    pulse_id = await _pulse(sqlite_db, clock)
    clock.set(at_new_york(3, 12, 15))
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana, ben], ["joy-more"], pulse_id=pulse_id)
    await chat.outbox.dispatch_due()
    await chat.say("ben", "The patients who say thank you")  # Ben answers; Ana doesn't

    ana_delivery = next(d for d in await _deliveries(chat) if d.person_id == ana.id)
    assert ana_delivery.reminder_due_at == at_new_york(4, 12, 15)
    clock.set(at_new_york(4, 12, 15))
    await chat.outbox.dispatch_due()
    clock.advance(timedelta(days=2))
    await chat.outbox.dispatch_due()  # never a second reminder

    reminders = [m for m in sender.messages_to("ana") if m.text.startswith("A gentle reminder")]
    assert len(reminders) == 1 and reminders[0].question is not None
    assert not [m for m in sender.messages_to("ben") if m.text.startswith("A gentle reminder")]
    ana_delivery = next(d for d in await _deliveries(chat) if d.person_id == ana.id)
    assert ana_delivery.reminded_at == at_new_york(4, 12, 15)

    # Prompt + reminder make two this week: a second pulse waits for the cap.
    await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana], ["autonomy-vital"], pulse_id=pulse_id
    )
    await chat.outbox.dispatch_due()
    latest = (await _deliveries(chat))[-1]
    assert latest.state == "pending" and "fatigue cap" in (latest.reason or "")


async def test_a_pulse_closes_on_time_and_what_was_not_sent_never_goes(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    await chat.say("ana", "pause")
    opened = await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"], close_after=timedelta(days=1)
    )
    await chat.outbox.dispatch_due()

    clock.advance(timedelta(days=1))
    await chat.outbox.dispatch_due()

    async with sqlite_db.transaction() as session:
        occurrence = await session.get(Occurrence, opened.occurrence_id)
        assert occurrence is not None and occurrence.closed_at == clock.now()
    [delivery] = await _deliveries(chat)
    assert (delivery.state, delivery.reason) == ("closed", "the pulse closed")
    await chat.say("ana", "resume")
    await chat.outbox.dispatch_due()
    assert sender.messages_to("ana") == []


async def test_an_unknown_time_zone_falls_back_to_the_organisations_and_says_so(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender
) -> None:
    ana = await chat.join("ana")
    await update_person(sqlite_db, ana.id, timezone="Mars/Olympus_Mons")

    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()

    [delivery] = await _deliveries(chat)
    assert delivery.state == "sent"
    assert delivery.reason == "time zone unknown, used America/New_York"


async def test_a_429_pauses_the_whole_workspace_until_retry_after(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    people = [await chat.join(name) for name in ("ana", "ben", "cat")]
    sender.fail_next(RateLimited(30))
    outbox = Outbox(chat.database, chat.ctx, {LOCAL: sender}, concurrency=1)

    await ask_now(chat.database, chat.ctx, outbox, people, ["joy-more"])
    await outbox.dispatch_due()

    assert sender.sent == []  # the others were not tried while the workspace waits
    assert {d.due_at for d in await _deliveries(chat)} == {clock.now() + timedelta(seconds=30)}
    clock.advance(timedelta(seconds=30))
    await outbox.dispatch_due()
    assert len(sender.sent) == 3


async def test_a_busy_conversation_holds_only_its_own_prompt(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    people = [await chat.join(name) for name in ("ana", "ben", "cat")]
    sender.fail_next(ConversationBusy(5))  # one chat at its platform's limit, not the workspace
    outbox = Outbox(chat.database, chat.ctx, {LOCAL: sender}, concurrency=1)

    await ask_now(chat.database, chat.ctx, outbox, people, ["joy-more"])
    await outbox.dispatch_due()

    assert len(sender.sent) == 2  # the others went at once
    [held] = [d for d in await _deliveries(chat) if d.state != "sent"]
    assert held.due_at == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    await outbox.dispatch_due()
    assert len(sender.sent) == 3


class StallingSender(RecordingSender):
    """A platform that never answers: the process dies while prompts are in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = asyncio.Event()

    async def send(
        self, to: ConversationRef, message: OutboundMessage, *, paced: bool = False
    ) -> MessageRef:
        self.in_flight.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_crash_mid_send_loses_nothing_and_resends_only_what_was_in_flight(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    people: list[Person] = [await chat.join(name) for name in ("ana", "ben", "cat")]
    stalling = StallingSender()
    doomed = Outbox(chat.database, chat.ctx, {LOCAL: stalling}, batch_size=2)
    await ask_now(chat.database, chat.ctx, doomed, people, ["joy-more"])

    crash = asyncio.create_task(doomed.dispatch_due(limit=2))
    await stalling.in_flight.wait()
    crash.cancel()  # the process dies with two prompts claimed and in flight, one unclaimed

    restarted = Outbox(chat.database, chat.ctx, {LOCAL: sender})
    await restarted.dispatch_due()
    assert len(sender.sent) == 1  # the one never claimed goes at once
    clock.advance(restarted.lease)
    await restarted.dispatch_due()  # the lease ran out: the two in flight go again

    assert sorted(to.conversation_id for to, _ in sender.sent) == ["dm-ana", "dm-ben", "dm-cat"]
    assert {d.state for d in await _deliveries(chat)} == {"sent"}
    await doomed.close()  # what the dead process held goes with it


async def test_a_dead_dispatcher_holds_back_at_most_three_batches_beyond_what_was_in_flight(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    """Nothing paces the local chat, so the next claim starts while two batches still
    wait to be sent (up to three wait once it is in); after a crash those wait for their
    lease, and no more."""
    people: list[Person] = [await chat.join(f"nurse-{n}") for n in range(12)]
    stalling = StallingSender()
    doomed = Outbox(chat.database, chat.ctx, {LOCAL: stalling}, batch_size=2, concurrency=1)
    await ask_now(chat.database, chat.ctx, doomed, people, ["joy-more"])

    crash = asyncio.create_task(doomed.dispatch_due())
    await stalling.in_flight.wait()
    await asyncio.sleep(0.3)  # time to claim all it would while the send hangs
    crash.cancel()

    restarted = Outbox(chat.database, chat.ctx, {LOCAL: sender})
    await restarted.dispatch_due()
    held_back = len(people) - len(sender.sent)
    assert 1 <= held_back <= 1 + 3 * 2  # the one in flight, three batches of two
    clock.advance(restarted.lease)
    await restarted.dispatch_due()
    assert sorted(to.conversation_id for to, _ in sender.sent) == sorted(
        f"dm-nurse-{n}" for n in range(12)
    )
    await doomed.close()  # what the dead process held goes with it


async def test_a_person_sets_their_own_quiet_hours_and_the_outbox_keeps_them(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")

    [shown] = await chat.say("ana", "quiet hours")
    assert "between 19:00 and 07:00" in shown.text and "none at weekends" in shown.text
    [changed] = await chat.say("ana", "quiet hours 12:00-14:00")
    assert "between 12:00 and 14:00" in changed.text
    [odd] = await chat.say("ana", "quiet hours after lunch")
    assert "quiet hours 21:00-07:00" in odd.text  # how to write it; nothing changed

    clock.set(at_new_york(3, 12, 30))  # inside her own quiet hours, fine for the org's
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()
    [delivery] = await _deliveries(chat)
    assert (sender.sent, delivery.due_at) == ([], at_new_york(3, 14))

    [off] = await chat.say("ana", "quiet hours off")
    assert "at any hour" in off.text
    await chat.say("ana", "quiet weekends off")
    clock.set(at_new_york(7, 23))  # Saturday, 23:00
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["valued"])
    await chat.outbox.dispatch_due()
    assert [m.question.prompt_id for m in sender.messages_to("ana") if m.question] == [
        "joy-more",
        "valued",
    ]


async def test_quiet_hours_in_an_answer_are_not_a_command(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])

    await chat.say("ana", "quiet days on the ward")

    [response] = await chat.responses()
    assert response.text == "quiet days on the ward"


async def test_a_prompt_a_dead_dispatcher_left_sending_does_not_count_against_itself(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    """A dispatcher that died after claiming left the prompt "sending" with a time: the
    one that takes it over must not read that time as a prompt already sent (with one
    prompt this week, the fatigue cap of two would hold it back for a week)."""
    ana = await chat.join("ana")
    await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"], close_after=timedelta(days=14)
    )
    await chat.outbox.dispatch_due()
    clock.advance(timedelta(hours=1))
    await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"], close_after=timedelta(days=14)
    )
    second = (await _deliveries(chat))[1]
    async with chat.database.transaction() as session:
        row = await session.get(Delivery, second.id)
        assert row is not None
        row.state, row.sent_at, row.due_at = "sending", clock.now(), clock.now()
    clock.advance(timedelta(minutes=1))  # its lease has run out

    await chat.outbox.dispatch_due()

    assert len(sender.messages_to("ana")) == 2
    assert (await _deliveries(chat))[1].state == "sent"
