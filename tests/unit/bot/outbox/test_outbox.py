"""The delivery outbox: every due prompt sent once, at a time the person can take it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.context import BotContext
from bot.errors import FatalError, RateLimited, RecipientGone, TransientError
from bot.messages import summary
from bot.outbox.delivery import Outbox
from bot.outbox.rows import MAX_ATTEMPTS, MAX_BACKOFF_SECONDS
from bot.pulses.runs import ask_now
from prompts import load_content
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.models import Delivery, Person
from storage.people import PeopleRepository
from tests.unit.bot.dispatch_harness import LOCAL, ChatHarness, RecordingSender, update_person

NEW_YORK = ZoneInfo("America/New_York")


async def _only_delivery(chat: ChatHarness) -> Delivery:
    [delivery] = await chat.deliveries()
    return delivery


async def test_each_due_delivery_is_sent_once_and_its_ref_recorded(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    ben = await chat.join("ben")

    opened = await ask_now(
        chat.database, chat.ctx, chat.outbox, [ana, ben], ["joy-more", "autonomy-vital"]
    )
    handled = await chat.outbox.dispatch_due()

    assert opened.queued == 2
    assert handled == 2
    assert [to.conversation_id for to, _message in sender.sent] == ["dm-ana", "dm-ben"]
    first = sender.sent[0][1]
    assert first.question is not None and first.question.prompt_id == "joy-more"
    assert summary(first).startswith("(1 of 2) What parts of your job bring you joy")
    deliveries = await chat.deliveries()
    assert [(d.state, d.sent_at, d.attempts) for d in deliveries] == [("sent", clock.now(), 1)] * 2
    assert [d.message_ref for d in deliveries] == [
        {"platform": LOCAL, "conversation_id": "dm-ana", "message_id": "1"},
        {"platform": LOCAL, "conversation_id": "dm-ben", "message_id": "2"},
    ]

    # Nothing is due any more: dispatching again sends nothing.
    clock.advance(timedelta(hours=1))
    assert await chat.outbox.dispatch_due() == 0
    assert len(sender.sent) == 2


async def test_the_same_person_cannot_be_queued_twice_for_one_occurrence(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    opened = await ask_now(chat.database, chat.ctx, chat.outbox, [ana, ana], ["joy-more"])
    assert opened.queued == 1

    async with sqlite_db.transaction() as session:
        again = await DeliveryRepository(session).enqueue(
            opened.occurrence_id, ana.id, due_at=clock.now()
        )
    assert again is False

    await chat.outbox.dispatch_due()
    assert len(await chat.deliveries()) == 1
    assert len(sender.messages_to("ana")) == 1


async def test_a_paused_person_is_not_sent_the_prompt(
    chat: ChatHarness, sender: RecordingSender
) -> None:
    await chat.join("ana")
    await chat.say("ana", "pause")

    await chat.open_prompts(["ana"], ["joy-more"])

    assert (await _only_delivery(chat)).state == "withheld"
    assert sender.sent == []


async def test_a_snoozed_prompt_waits_until_the_snooze_ends(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    await chat.say("ana", "snooze 3 days")
    until = clock.now() + timedelta(days=3)

    await chat.open_prompts(["ana"], ["joy-more"])

    delivery = await _only_delivery(chat)
    assert (delivery.state, delivery.due_at) == ("pending", until)
    assert sender.sent == []

    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert await chat.outbox.dispatch_due() == 0
    clock.advance(timedelta(seconds=1))
    await chat.outbox.dispatch_due()

    assert len(sender.messages_to("ana")) == 1
    assert (await _only_delivery(chat)).state == "sent"


async def test_quiet_hours_defer_the_prompt_to_their_end_in_the_persons_zone(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    await update_person(sqlite_db, ana.id, quiet_hours_start="22:00", quiet_hours_end="07:00")
    # 03:30 UTC on Tuesday is 22:30 on Monday in New York.
    clock.advance(timedelta(hours=9, minutes=30))

    await chat.open_prompts(["ana"], ["joy-more"])

    seven_am = datetime(2026, 3, 3, 7, 0, tzinfo=NEW_YORK).astimezone(UTC)
    delivery = await _only_delivery(chat)
    assert (delivery.state, delivery.due_at) == ("pending", seven_am)
    assert sender.sent == []

    clock.advance(seven_am - clock.now())
    await chat.outbox.dispatch_due()
    assert len(sender.messages_to("ana")) == 1


async def test_quiet_hours_follow_the_persons_own_time_zone(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender
) -> None:
    # 18:00 UTC is 13:00 in New York but 03:00 in Tokyo.
    ana = await chat.join("ana")
    await update_person(
        sqlite_db,
        ana.id,
        timezone="Asia/Tokyo",
        quiet_hours_start="22:00",
        quiet_hours_end="07:00",
    )

    await chat.open_prompts(["ana"], ["joy-more"])

    delivery = await _only_delivery(chat)
    tokyo_seven = datetime(2026, 3, 3, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)
    assert delivery.due_at == tokyo_seven
    assert sender.sent == []


async def test_outside_quiet_hours_the_prompt_goes_now(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender
) -> None:
    ana = await chat.join("ana")
    await update_person(sqlite_db, ana.id, quiet_hours_start="22:00", quiet_hours_end="07:00")

    await chat.open_prompts(["ana"], ["joy-more"])  # 13:00 in New York

    assert len(sender.messages_to("ana")) == 1


async def test_rate_limited_waits_as_told_then_sends(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    sender.fail_next(RateLimited(retry_after=30))

    await chat.open_prompts(["ana"], ["joy-more"])

    delivery = await _only_delivery(chat)
    assert (delivery.state, delivery.due_at) == ("pending", clock.now() + timedelta(seconds=30))
    assert delivery.last_error is not None and "rate limited" in delivery.last_error
    assert sender.sent == []

    clock.advance(timedelta(seconds=29))
    assert await chat.outbox.dispatch_due() == 0
    clock.advance(timedelta(seconds=1))
    await chat.outbox.dispatch_due()

    delivery = await _only_delivery(chat)
    assert delivery.state == "sent"
    assert delivery.last_error is None
    assert len(sender.messages_to("ana")) == 1


async def test_transient_errors_back_off_then_give_up(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    sender.fail_next(*(TransientError("502 from the platform") for _ in range(MAX_ATTEMPTS)))
    await ask_now(chat.database, chat.ctx, chat.outbox, [await chat.person("ana")], ["joy-more"])

    waits: list[timedelta] = []
    for attempt in range(1, MAX_ATTEMPTS):
        assert await chat.outbox.dispatch_due() == 1
        delivery = await _only_delivery(chat)
        assert (delivery.state, delivery.attempts) == ("pending", attempt)
        waits.append(delivery.due_at - clock.now())
        clock.advance(delivery.due_at - clock.now())

    assert await chat.outbox.dispatch_due() == 1

    delivery = await _only_delivery(chat)
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery.last_error is not None and "502 from the platform" in delivery.last_error
    assert sender.sent == []
    assert all(timedelta(0) < wait <= timedelta(seconds=MAX_BACKOFF_SECONDS) for wait in waits)
    # The backoff grows: the last wait is longer than the first could ever be.
    assert waits[-1] > timedelta(seconds=2)
    clock.advance(timedelta(days=1))
    assert await chat.outbox.dispatch_due() == 0


async def test_a_transient_error_then_success_is_sent_once(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    sender.fail_next(TransientError("timeout"))

    await chat.open_prompts(["ana"], ["joy-more"])
    clock.advance(timedelta(seconds=MAX_BACKOFF_SECONDS))
    await chat.outbox.dispatch_due()

    delivery = await _only_delivery(chat)
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(sender.messages_to("ana")) == 1


async def test_a_fatal_error_fails_the_delivery_without_retrying(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    sender.fail_next(FatalError("invalid_blocks"))

    await chat.open_prompts(["ana"], ["joy-more"])
    clock.advance(timedelta(hours=1))
    await chat.outbox.dispatch_due()

    delivery = await _only_delivery(chat)
    assert delivery.state == "failed"
    assert delivery.last_error is not None and "invalid_blocks" in delivery.last_error
    assert sender.sent == []


async def test_a_recipient_gone_is_not_messaged_again(
    chat: ChatHarness, sender: RecordingSender
) -> None:
    await chat.join("ana")
    await chat.join("ben")
    sender.fail_next(RecipientGone("account_inactive"))

    await chat.open_prompts(["ana", "ben"], ["joy-more"])

    assert (await chat.person("ana")).gone
    assert [d.state for d in await chat.deliveries()] == ["failed", "sent"]
    assert len(sender.messages_to("ben")) == 1

    await chat.open_prompts(["ana", "ben"], ["valued"])

    later = (await chat.deliveries())[2:]
    assert [d.state for d in later] == ["failed", "sent"]
    assert sender.messages_to("ana") == []
    assert len(sender.messages_to("ben")) == 2


async def test_a_gone_person_who_writes_again_gets_prompts_again(
    chat: ChatHarness, sender: RecordingSender
) -> None:
    await chat.join("ana")
    sender.fail_next(RecipientGone("channel_not_found"))
    await chat.open_prompts(["ana"], ["joy-more"])
    assert (await chat.person("ana")).gone

    await chat.say("ana", "help")  # reinstalled the app and said hello
    await chat.open_prompts(["ana"], ["valued"])

    assert not (await chat.person("ana")).gone
    [prompt] = sender.messages_to("ana")
    assert prompt.question is not None and prompt.question.prompt_id == "valued"


async def test_a_closed_occurrence_is_not_sent(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    await chat.join("ana")
    await chat.say("ana", "snooze 2 weeks")
    await chat.open_prompts(["ana"], ["joy-more"])  # closes after 7 days, before the snooze ends

    # No moment before it closes suits the person: skipped at once, with the reason.
    delivery = await _only_delivery(chat)
    assert delivery.state == "skipped"
    assert delivery.reason is not None and "before the pulse closes" in delivery.reason

    clock.advance(timedelta(weeks=2))
    await chat.outbox.dispatch_due()
    assert (await _only_delivery(chat)).state == "skipped"
    assert sender.sent == []


async def test_without_a_sender_for_the_platform_the_delivery_waits(
    sqlite_db: Database, ctx: BotContext, chat: ChatHarness, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    slack_only = Outbox(sqlite_db, ctx, {"slack": RecordingSender()})

    await ask_now(sqlite_db, ctx, slack_only, [ana], ["joy-more"])
    await slack_only.dispatch_due()

    delivery = await _only_delivery(chat)
    assert delivery.state == "pending"
    assert delivery.due_at > clock.now()
    assert delivery.last_error == "no adapter running for local"

    # Once the platform's adapter runs, the prompt goes out.
    clock.advance(delivery.due_at - clock.now())
    await chat.outbox.dispatch_due()
    assert (await _only_delivery(chat)).state == "sent"


async def test_a_person_without_a_stored_conversation_cannot_be_sent_to(
    chat: ChatHarness, sqlite_db: Database, sender: RecordingSender
) -> None:
    async with sqlite_db.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace(LOCAL, LOCAL, now=chat.ctx.clock.now())
        imported = await people.add(
            Person(
                workspace_id=workspace.id,
                platform_user_id="imported",
                display_name="Imported from the roster",
                tags=[],
                created_at=chat.ctx.clock.now(),
            )
        )

    await ask_now(chat.database, chat.ctx, chat.outbox, [imported], ["joy-more"])
    await chat.outbox.dispatch_due()

    delivery = await _only_delivery(chat)
    assert delivery.state == "failed"
    assert sender.sent == []


async def test_one_broken_delivery_does_not_hold_up_the_others(
    chat: ChatHarness, sender: RecordingSender, ctx: BotContext, tmp_path: Path
) -> None:
    """A prompt removed from a custom bank after its pulse opened fails alone."""
    ana = await chat.join("ana")
    ben = await chat.join("ben")
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])  # due first
    custom = tmp_path / "content"
    custom.mkdir()
    (custom / "guide.yaml").write_text(
        "kind: bank\nid: guide\nname: Slim guide\nprompts:\n"
        '  - {id: going-well-2, text: "What went well this week?", kind: free_text}\n'
        '  - {id: idea-2, text: "What one thing would you change?", kind: idea}\n'
    )
    slim = replace(ctx, content=load_content(custom))
    outbox = Outbox(chat.database, slim, {LOCAL: sender})
    await ask_now(chat.database, slim, outbox, [ben], ["going-well-2"])

    assert await outbox.dispatch_due() == 2

    states = {d.person_id: (d.state, d.last_error) for d in await chat.deliveries()}
    assert states[ana.id] == ("failed", "internal error: KeyError")
    assert states[ben.id] == ("sent", None)
    assert [to.conversation_id for to, _ in sender.sent] == ["dm-ben"]


async def test_resume_sends_what_was_held_back_while_paused(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    await chat.say("ana", "pause")
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()
    assert (await _only_delivery(chat)).state == "withheld"
    assert sender.messages_to("ana") == []

    clock.advance(timedelta(hours=2))
    await chat.say("ana", "resume")
    await chat.outbox.dispatch_due()

    assert (await _only_delivery(chat)).state == "sent"
    [prompt] = sender.messages_to("ana")
    assert prompt.question is not None and prompt.question.prompt_id == "joy-more"


async def test_resume_after_the_pulse_closed_sends_nothing(
    chat: ChatHarness, sender: RecordingSender, clock: FixedClock
) -> None:
    ana = await chat.join("ana")
    await chat.say("ana", "pause")
    await ask_now(chat.database, chat.ctx, chat.outbox, [ana], ["joy-more"])
    await chat.outbox.dispatch_due()

    clock.advance(timedelta(days=8))
    await chat.say("ana", "resume")
    await chat.outbox.dispatch_due()

    assert (await _only_delivery(chat)).state == "closed"
    assert sender.messages_to("ana") == []
