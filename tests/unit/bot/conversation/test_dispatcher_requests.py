"""What clinicians ask of the bot besides answering: their data, snooze and pause, bad input."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.context import BotContext
from bot.conversation.dispatcher import Dispatcher
from bot.events import MessageReceived
from bot.people.roles import Role
from prompts import load_content
from storage.engine import Database
from storage.models import Person
from tests.unit.bot.dispatch_harness import (
    ChatHarness,
    RecordingSender,
    button,
    conversation_ref,
    person_ref,
    texts,
)


async def _answered(chat: ChatHarness, user_id: str, *answers: str) -> None:
    """The person answers one open prompt per text (joy-more, then valued, ...)."""
    await chat.join(user_id)
    prompt_ids = ["joy-more", "valued", "engaged"][: len(answers)]
    await chat.open_prompts([user_id], prompt_ids)
    for text in answers:
        await chat.say(user_id, text)


async def test_help_lists_what_can_be_typed(chat: ChatHarness, ctx: BotContext) -> None:
    for typed in ("help", "?"):
        replies = await chat.say("ana", typed)
        assert texts(replies) == [ctx.say("help")]
        assert "`snooze <time>`" in replies[0].text


async def test_help_names_every_command_each_role_can_use(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.grant("wen", Role.WELLNESS_LEAD)

    [clinician] = texts(await chat.say("ana", "help"))
    [leader] = texts(await chat.say("lee", "help"))
    [lead] = texts(await chat.say("wen", "help"))

    for command in ("`idea anon <your idea>`", "`ideas`", "`vote <number>`", "`digest off`"):
        assert command in clinician
    assert "`merge <number> into <number>`" in leader and "`merge" not in clinician
    assert "`digest schedule monthly`" in lead and "`digest schedule" not in leader


async def test_a_sentence_starting_with_pause_is_an_answer_not_a_command(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["effective-support"])

    await chat.say("ana", "pause between patients would help")

    assert [response.text for response in await chat.responses()] == [
        "pause between patients would help"
    ]
    assert not (await chat.person("ana")).paused


async def test_my_answers_lists_the_answers_and_is_audited(chat: ChatHarness) -> None:
    await _answered(chat, "ana", "Teaching residents", "A thank-you from my director")
    ana = await chat.person("ana")

    replies = await chat.say("ana", "my answers")

    [listing] = texts(replies)
    assert listing.startswith("Your 2 most recent answers:")
    assert "What would make you feel more valued at work? → A thank-you from my director" in listing
    assert "→ Teaching residents" in listing
    assert "02 Mar" in listing  # the date in the person's own time zone
    [entry] = await chat.audit()
    assert (entry.action, entry.actor_id, entry.detail) == (
        "answers.view_own",
        ana.id,
        {"shown": 2, "limit": 10, "via": "chat"},
    )
    assert entry.organisation_id == ana.workspace.organisation_id


async def test_my_answers_with_none_says_so_and_is_still_audited(chat: ChatHarness) -> None:
    replies = await chat.say("ana", "my answers")

    assert replies[0].text.startswith("You have no saved answers")
    assert [entry.action for entry in await chat.audit()] == ["answers.view_own"]


async def test_forget_me_asks_before_deleting(chat: ChatHarness) -> None:
    await _answered(chat, "ana", "Teaching residents", "Being thanked")

    replies = await chat.say("ana", "forget me")

    assert replies[0].text.startswith("Delete all 2 of your saved answers?")
    assert button(replies, "forget.confirm").label == "Yes, delete them"
    assert button(replies, "forget.cancel").label == "Cancel"
    assert len(await chat.responses()) == 2


async def test_forget_confirmed_deletes_only_that_persons_answers_and_is_audited(
    chat: ChatHarness,
) -> None:
    await _answered(chat, "ana", "Teaching residents", "Being thanked")
    await _answered(chat, "ben", "Procedures")
    ana = await chat.person("ana")
    asked = await chat.say("ana", "forget me")

    replies = await chat.press_button("ana", button(asked, "forget.confirm"))

    assert texts(replies) == [
        "Done. Answers deleted: 2. This chat's history went with them where I could remove it."
    ]
    assert [response.text for response in await chat.responses()] == ["Procedures"]
    forget = [entry for entry in await chat.audit() if entry.action == "answers.forget"]
    assert [(entry.actor_id, entry.detail) for entry in forget] == [
        (ana.id, {"removed": 2, "via": "chat"})
    ]
    # Pressing it again finds nothing left to delete.
    again = await chat.press_button("ana", button(asked, "forget.confirm"))
    assert texts(again) == ["You have no saved answers to delete."]


async def test_an_old_forget_confirmation_does_not_delete_newer_answers(
    chat: ChatHarness,
) -> None:
    await _answered(chat, "ana", "Teaching residents")
    asked = await chat.say("ana", "forget me")  # agrees to delete 1 answer...
    await chat.open_prompts(["ana"], ["engaged"])
    await chat.say("ana", "Good colleagues")  # ...but now there are 2

    replies = await chat.press_button("ana", button(asked, "forget.confirm"))

    assert texts(replies)[0] == (
        "That confirmation is out of date: you have given more answers since."
    )
    assert texts(replies)[1].startswith("Delete all 2 of your saved answers?")
    assert len(await chat.responses()) == 2


async def test_forget_cancelled_deletes_nothing(chat: ChatHarness) -> None:
    await _answered(chat, "ana", "Teaching residents")
    asked = await chat.say("ana", "forget me")

    replies = await chat.press_button("ana", button(asked, "forget.cancel"))

    assert texts(replies) == ["OK, nothing was deleted."]
    assert len(await chat.responses()) == 1


async def test_snooze_sets_when_prompts_may_resume(chat: ChatHarness, clock: FixedClock) -> None:
    replies = await chat.say("ana", "snooze 2h")

    ana = await chat.person("ana")
    assert ana.snoozed_until == clock.now() + timedelta(hours=2)
    # 20:00 UTC is 15:00 in New York, the default zone.
    assert texts(replies) == [
        "Snoozed. No questions until Mon 02 Mar, 15:00. Type `resume` to end it early."
    ]


@pytest.mark.parametrize("typed", ["snooze", "snooze soon", "snooze 5m", "snooze 200 days"])
async def test_snooze_without_a_sensible_duration_explains_itself(
    chat: ChatHarness, typed: str
) -> None:
    replies = await chat.say("ana", typed)

    assert replies[0].text.startswith("Tell me how long")
    assert (await chat.person("ana")).snoozed_until is None


async def test_pause_and_resume(chat: ChatHarness) -> None:
    paused = await chat.say("ana", "pause")

    assert (await chat.person("ana")).paused
    assert paused[0].text.startswith("Paused.")

    await chat.say("ana", "snooze 3 days")
    resumed = await chat.say("ana", "resume")

    ana = await chat.person("ana")
    assert not ana.paused
    assert ana.snoozed_until is None
    assert texts(resumed) == ["Welcome back! Questions are on again."]


async def test_not_now_button_snoozes_for_a_day(chat: ChatHarness, clock: FixedClock) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    [prompt] = chat.sender.messages_to("ana")

    replies = await chat.press_button("ana", button([prompt], "prompt.snooze"), on=prompt)

    assert (await chat.person("ana")).snoozed_until == clock.now() + timedelta(days=1)
    assert replies[0].text.startswith("Snoozed. No questions until Tue 03 Mar, 13:00.")


async def test_stop_these_button_pauses_prompts(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    [prompt] = chat.sender.messages_to("ana")

    replies = await chat.press_button("ana", button([prompt], "prompt.stop"), on=prompt)

    assert (await chat.person("ana")).paused
    assert replies[0].text.startswith("Paused.")


async def test_skip_moves_on_without_storing_an_answer(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more", "valued"])
    [prompt] = chat.sender.messages_to("ana")

    replies = await chat.press_button("ana", button([prompt], "prompt.skip"), on=prompt)

    assert await chat.responses() == []
    asked = [reply for reply in replies if reply.question is not None]
    assert [reply.question.prompt_id for reply in asked if reply.question] == ["valued"]


async def test_an_unknown_action_gets_a_polite_reply(chat: ChatHarness, ctx: BotContext) -> None:
    replies = await chat.press("ana", "launch.rockets", "now")

    assert texts(replies) == [ctx.say("error.bad_action")]


MALFORMED_ACTIONS = [
    ("answer.option", "not-a-target"),
    ("answer.option", "1:autonomy-vital"),  # no option
    ("answer.option", "1:autonomy-vital:9"),  # off the scale
    ("answer.option", "1:autonomy-vital:4:extra"),
    ("answer.option", "x:autonomy-vital:4"),
    ("answer.option", "999:autonomy-vital:4"),  # no such delivery
    ("answer.option", "1:joy-more:4"),  # a prompt not in this delivery
    ("answer.undo", "1:autonomy-vital"),
    ("answer.undo", "1:autonomy-vital:x:abc"),
    ("answer.open", ""),
    ("prompt.skip", ":"),
    ("answer.submit", "1"),
]


async def test_malformed_action_values_get_a_polite_reply_and_change_nothing(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["autonomy-vital"])
    [prompt] = chat.sender.messages_to("ana")

    for action_id, value in MALFORMED_ACTIONS:
        replies = await chat.press("ana", action_id, value)
        assert texts(replies) == [ctx.say("error.bad_action")], (action_id, value)

    assert await chat.responses() == []
    # The prompt is still there to be answered properly.
    await chat.pick("ana", prompt, "3")
    assert [response.scale_value for response in await chat.responses()] == [3]


async def test_a_button_from_someone_elses_prompt_is_refused(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.join("ana")
    await chat.join("ben")
    await chat.open_prompts(["ana", "ben"], ["autonomy-vital"])
    [anas_prompt] = chat.sender.messages_to("ana")
    assert anas_prompt.question is not None

    replies = await chat.press(
        "ben", "answer.option", anas_prompt.question.option_value_prefix + "1"
    )

    assert texts(replies) == [ctx.say("error.bad_action")]
    assert await chat.responses() == []


async def test_a_message_with_nothing_open_offers_to_send_it_as_an_idea(
    chat: ChatHarness,
) -> None:
    replies = await chat.say("ana", "Could we have a nap room?")

    assert replies[0].text.startswith("Thanks! There's no open question for you right now.")
    offer = button(replies, "idea.from_message")
    sent = await chat.press_button("ana", offer)

    [idea] = await chat.ideas()
    assert (idea.text, idea.source) == ("Could we have a nap room?", "message")
    assert f"#{idea.id}" in sent[0].text


async def test_my_answers_shows_a_choice_as_its_label(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["scope-happy"])
    await chat.say("ana", "mostly")

    [listing] = texts(await chat.say("ana", "my answers"))

    assert "Are you currently happy with your scope of practice? → Mostly" in listing


async def test_a_sentence_about_snoozing_is_an_answer_not_a_command(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])

    replies = await chat.say("ana", "snooze buttons in the EHR drive me mad")

    assert "Thanks, saved." in texts(replies)
    assert [r.text for r in await chat.responses()] == ["snooze buttons in the EHR drive me mad"]
    assert (await chat.person("ana")).snoozed_until is None


async def test_the_same_new_person_arriving_three_times_at_once_is_stored_once(
    chat: ChatHarness,
) -> None:
    """First contact from a new workspace and person, raced: no unique-key failure."""
    hello = MessageReceived(person_ref("new"), conversation_ref("new"), None, text="help")

    outcomes = await asyncio.gather(*(chat.handle(hello) for _ in range(3)))

    assert all(texts(o.replies)[0].startswith("Here's what you can type") for o in outcomes)
    async with chat.database.transaction() as session:
        people = await session.scalars(select(Person).where(Person.platform_user_id == "new"))
        [person] = people.all()
        assert [grant.role for grant in person.roles] == ["clinician"]


async def test_an_unexpected_failure_still_gets_a_sentence_and_stores_nothing(
    chat: ChatHarness, ctx: BotContext, tmp_path: Path
) -> None:
    """A prompt removed from a custom bank while its question was open: a real bug path."""
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    custom = tmp_path / "content"
    custom.mkdir()
    (custom / "guide.yaml").write_text(
        "kind: bank\nid: guide\nname: Slim\nprompts:\n"
        '  - {id: only-one, text: "What went well?", kind: free_text}\n'
        '  - {id: idea-2, text: "What would you change?", kind: idea}\n'
    )
    slim = Dispatcher(chat.database, replace(ctx, content=load_content(custom)))

    outcome = await slim.handle(
        MessageReceived(person_ref("ana"), conversation_ref("ana"), None, text="Teaching")
    )

    assert texts(outcome.replies) == [
        "Sorry, something went wrong on my side. Please try again in a minute."
    ]
    assert await chat.responses() == []


async def test_an_answer_waits_out_a_locked_sqlite_file_instead_of_being_lost(
    sqlite_db: Database, ctx: BotContext, sender: RecordingSender
) -> None:
    """Another writer holds SQLite past the busy timeout: the event is tried again (it was
    rolled back whole), so the answer is stored once and the person never sees an error."""
    impatient = Database(sqlite_db.url, busy_timeout_ms=50)
    chat = ChatHarness(impatient, ctx, sender)
    try:
        await chat.join("ana")
        await chat.open_prompts(["ana"], ["joy-more"])
        path = sqlite_db.url.split("///", 1)[1]
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a busy writer would hold it

        answering = asyncio.create_task(chat.say("ana", "Teaching the residents"))
        await asyncio.sleep(0.3)  # longer than the busy timeout: the first try fails
        holder.execute("COMMIT")
        holder.close()
        replies = await answering
    finally:
        await impatient.dispose()

    shown = texts(replies)
    assert "Thanks, saved." in shown
    assert not any(text.startswith("Sorry") for text in shown)
    assert [r.text for r in await chat.responses()] == ["Teaching the residents"]
