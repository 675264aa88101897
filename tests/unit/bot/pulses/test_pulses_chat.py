"""Pulses in chat: the wellness lead lists, pauses, resumes and sends them (after a
confirmation); everyone else is told, politely, that it is the wellness lead's job."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot import actions
from bot.clock import FixedClock
from bot.context import BotContext
from bot.conversation.commands import CommandName, ParsedCommand, parse_command
from bot.events import ActionInvoked, ConversationRef, MemberAdded, MessageReceived, PersonRef
from bot.people.roles import Role
from storage.models import Delivery, Occurrence, Pulse
from storage.people import PeopleRepository
from tests.unit.bot.dispatch_harness import LOCAL, ChatHarness, button, texts
from tests.unit.bot.pulses.test_pulses import create


async def _setup(chat: ChatHarness, ctx: BotContext) -> None:
    await chat.grant("ana", Role.WELLNESS_LEAD)
    for user_id in ("amara", "jordan"):
        await chat.join(user_id)
    await create(chat.database, ctx, name="Weekly check-in")
    await create(chat.database, ctx, name="Monthly deep dive", schedule="monthly")


async def _occurrence_count(chat: ChatHarness) -> int:
    async with chat.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Occurrence)) or 0)


def test_the_grammar() -> None:
    assert parse_command("pulses") == ParsedCommand(CommandName.PULSES)
    assert parse_command("Pulse SEND Weekly check-in") == ParsedCommand(
        CommandName.PULSE, "send Weekly check-in"
    )
    assert parse_command("pulse pause") == ParsedCommand(CommandName.PULSE, "pause")
    # An answer that starts with the word is still an answer.
    assert parse_command("pulse checks feel rushed") is None
    assert parse_command("pulse") is None


async def test_the_wellness_lead_lists_the_pulses(chat: ChatHarness, ctx: BotContext) -> None:
    await _setup(chat, ctx)

    [listing] = await chat.say("ana", "pulses")

    lines = listing.text.splitlines()
    assert lines[0] == "Pulses (2):"
    assert lines[1] == "• Monthly deep dive (on). Last time: not sent yet"
    assert lines[2] == "• Weekly check-in (on). Last time: not sent yet"


async def test_pause_and_resume_in_chat(chat: ChatHarness, ctx: BotContext) -> None:
    await _setup(chat, ctx)

    [paused] = await chat.say("ana", "pulse pause weekly check-in")
    [listing] = await chat.say("ana", "pulses")
    [resumed] = await chat.say("ana", "pulse resume Weekly check-in")

    assert paused.text.startswith("Paused Weekly check-in")
    assert "• Weekly check-in (paused)" in listing.text
    assert resumed.text.startswith("Weekly check-in is on again")
    async with chat.database.transaction() as session:
        pulse = await session.scalar(select(Pulse).where(Pulse.name == "Weekly check-in"))
    assert pulse is not None and pulse.paused is False


async def test_unknown_names_and_missing_names_get_a_sentence(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)

    assert texts(await chat.say("ana", "pulse pause Daily")) == ["There is no pulse called Daily."]
    assert texts(await chat.say("ana", "pulse send")) == [ctx.say("pulse.usage")]


async def test_send_asks_first_then_queues_once(chat: ChatHarness, ctx: BotContext) -> None:
    await _setup(chat, ctx)

    asked = await chat.say("ana", "pulse send Weekly check-in")

    assert texts(asked) == [
        "Send Weekly check-in to 3 people now? Quiet hours, snoozes and pauses still apply."
    ]
    assert await _occurrence_count(chat) == 0
    send = button(asked, actions.PULSE_SEND_CONFIRM)
    [done] = await chat.press_button("ana", send, on=asked[0])
    # It says when the prompts really arrive, and why they wait (the send window).
    # Nobody can be asked now, so it says "queued", not "sent".
    assert done.text == (
        "Queued Weekly check-in for 3 people. None can be asked now; the first prompts go "
        "Tue 03 Mar 12:00 in New York (3) (outside the send window)."
    )
    assert done.replaces == chat.ref_of(asked[0])
    # Pressed again (a double tap, a second device): nothing more is sent.
    [again] = await chat.press_button("ana", send, on=asked[0])
    assert again.text == ctx.say("pulse.error.already_sent", name="Weekly check-in")
    assert await _occurrence_count(chat) == 1
    assert len(await chat.deliveries()) == 3
    # Sent once, and recorded once: by whom, how many.
    [sent] = [entry for entry in await chat.audit() if entry.action == "pulse.sent"]
    ana = await chat.person("ana")
    assert (sent.actor_id, sent.detail) == (
        ana.id,
        {"pulse": "Weekly check-in", "queued": 3, "via": "chat"},
    )


async def test_send_can_be_cancelled(chat: ChatHarness, ctx: BotContext) -> None:
    await _setup(chat, ctx)
    asked = await chat.say("ana", "pulse send Weekly check-in")

    [cancelled] = await chat.press_button(
        "ana", button(asked, actions.PULSE_SEND_CANCEL), on=asked[0]
    )

    assert cancelled.text == "OK, nothing was sent."
    assert await _occurrence_count(chat) == 0


async def test_a_paused_pulse_is_not_sent(chat: ChatHarness, ctx: BotContext) -> None:
    await _setup(chat, ctx)
    await chat.say("ana", "pulse pause Weekly check-in")

    [refused] = await chat.say("ana", "pulse send Weekly check-in")

    assert refused.text.startswith("Weekly check-in is paused")
    assert not refused.buttons


async def test_the_list_shows_the_last_rate_once_enough_were_sent(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)
    asked = await chat.say("ana", "pulse send Weekly check-in")
    await chat.press_button("ana", button(asked, actions.PULSE_SEND_CONFIRM), on=asked[0])

    [listing] = await chat.say("ana", "pulses")

    # Queued, not yet sent to anyone: no rate, but not "sent to 0" either.
    assert "• Weekly check-in (on). Last time: 3 prompts waiting to go out" in listing.text


async def test_a_clinician_is_told_it_is_for_the_wellness_lead(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)
    expected = [ctx.say("refused.manage_pulses")]

    assert texts(await chat.say("amara", "pulses")) == expected
    assert texts(await chat.say("amara", "pulse send Weekly check-in")) == expected
    assert texts(await chat.say("amara", "pulse pause Weekly check-in")) == expected
    # A forged button press is refused too.
    assert texts(await chat.press("amara", actions.PULSE_SEND_CONFIRM, "1:0")) == expected
    assert await _occurrence_count(chat) == 0
    async with chat.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0
        paused = await session.scalar(select(Pulse.paused).where(Pulse.id == 1))
    assert paused is False


async def test_a_malformed_confirmation_is_a_broken_button(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)

    replies = await chat.press("ana", actions.PULSE_SEND_CONFIRM, "weekly")

    assert texts(replies) == [ctx.say("error.bad_action")]


async def test_help_mentions_pulses_for_the_wellness_lead_only(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)

    [lead_help] = await chat.say("ana", "help")
    [clinician_help] = await chat.say("amara", "help")

    # The wellness lead's own commands first (pulses, roles, emerging themes, what leaders
    # do), then everyone's.
    assert lead_help.text.startswith(ctx.say("pulse.help"))
    for key in ("pulse.help_create", "roles.help", "emerging.help", "help.leader", "help"):
        assert ctx.say(key) in lead_help.text
    assert "`summary`" in lead_help.text and "`pulse new`" in lead_help.text
    assert clinician_help.text == ctx.say("help")


async def test_another_organisations_wellness_lead_sees_and_sends_none_of_ours(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _setup(chat, ctx)
    asked = await chat.say("ana", "pulse send Weekly check-in")
    ours = button(asked, actions.PULSE_SEND_CONFIRM)
    elsewhere = PersonRef(LOCAL, "elsewhere", "eve", "Eve")
    where = ConversationRef(LOCAL, "elsewhere", "dm-eve")
    await chat.handle(MemberAdded(elsewhere, where, "evt-eve"))
    async with chat.database.transaction() as session:
        people = PeopleRepository(session)
        eve = await people.find_by_ref(LOCAL, "elsewhere", "eve")
        assert eve is not None
        await people.grant(eve, Role.WELLNESS_LEAD, now=ctx.clock.now())

    listing = await chat.handle(MessageReceived(elsewhere, where, "evt-eve-1", text="pulses"))
    named = await chat.handle(
        MessageReceived(elsewhere, where, "evt-eve-2", text="pulse pause Weekly check-in")
    )
    # A confirmation of ours, pressed from the other organisation: as if it were gone.
    pressed = await chat.handle(
        ActionInvoked(elsewhere, where, "evt-eve-3", action_id=ours.action_id, value=ours.value)
    )

    assert texts(listing.replies) == [ctx.say("pulse.list_none")]
    assert texts(named.replies) == ["There is no pulse called Weekly check-in."]
    assert texts(pressed.replies) == [ctx.say("pulse.error.pulse_gone")]
    assert await _occurrence_count(chat) == 0


async def test_a_send_on_a_day_the_pulse_does_not_run_names_its_days(
    chat: ChatHarness, ctx: BotContext, clock: FixedClock
) -> None:
    await _setup(chat, ctx)  # weekly, days left blank: Monday to Friday
    clock.set(datetime(2026, 3, 8, 17, 30, tzinfo=UTC))  # Sunday 12:30 in New York

    asked = await chat.say("ana", "pulse send Weekly check-in")
    [done] = await chat.press_button("ana", button(asked, actions.PULSE_SEND_CONFIRM), on=asked[0])

    # Inside the hours but on a Sunday: the reason is the pulse's days, not its window.
    assert done.text.startswith(
        "Queued Weekly check-in for 3 people. None can be asked now; the first prompts go "
        "Mon 09 Mar 12:00 in New York (3) ("
    )
    assert "this pulse runs Mon-Fri" in done.text
    assert "outside the send window" not in done.text
