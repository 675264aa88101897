"""Answering prompts end to end: events in, replies out, answers in a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.context import BotContext
from bot.events import ActionInvoked, MessageReceived
from bot.messages import OutboundMessage, summary
from tests.unit.bot.dispatch_harness import (
    THREE_PROMPTS,
    ChatHarness,
    button,
    conversation_ref,
    person_ref,
    question,
    texts,
)

AUTONOMY = "Do you agree that autonomy is a vital component of work to buffer against burnout?"
JOY = "What parts of your job bring you joy that you wish you could experience more?"


async def _first_prompt(chat: ChatHarness, user_id: str, prompt_ids: list[str]) -> OutboundMessage:
    await chat.join(user_id)
    await chat.open_prompts([user_id], prompt_ids)
    sent = chat.sender.messages_to(user_id)
    assert len(sent) == 1
    return sent[0]


async def test_a_plain_message_answers_the_open_prompt_and_asks_the_next(
    chat: ChatHarness, ctx: BotContext
) -> None:
    prompt = await _first_prompt(chat, "ana", THREE_PROMPTS)
    assert prompt.question is not None and prompt.question.prompt_id == "joy-more"

    replies = await chat.say("ana", "Seeing the same families over years")

    [response] = await chat.responses()
    assert (response.prompt_id, response.text) == (
        "joy-more",
        "Seeing the same families over years",
    )
    assert response.person_id == (await chat.person("ana")).id
    # The prompt itself becomes a plain "answered" line, so it cannot be pressed again;
    # the answer shows once, in the person's own message, so no reply repeats it.
    answered = [reply for reply in replies if reply.replaces == chat.ref_of(prompt)]
    assert len(answered) == 1 and answered[0].text.endswith("✓ Answered")
    assert answered[0].buttons == ()
    assert not any("Seeing the same families" in text for text in texts(replies))
    # A confirmation with Undo, then the next question.
    confirmation = next(reply for reply in replies if reply.text == "Thanks, saved.")
    assert button([confirmation], "answer.undo").label == ctx.say("button.undo")
    asked = question(replies)
    assert asked.question is not None and asked.question.prompt_id == "autonomy-vital"
    assert asked.question is not None and asked.question.progress == "(2 of 3)"


async def test_each_answered_question_is_marked_answered_where_it_was_shown(
    chat: ChatHarness,
) -> None:
    first = await _first_prompt(chat, "ana", THREE_PROMPTS)
    after_first = await chat.say("ana", "Procedures")
    second = question(after_first)

    after_second = await chat.say("ana", "5 - absolutely")

    marked = [reply for reply in after_second if reply.replaces is not None]
    assert [reply.replaces for reply in marked] == [chat.ref_of(second)]
    assert marked[0].replaces != chat.ref_of(first)
    assert marked[0].text == f"{AUTONOMY}\n✓ Answered"
    # The confirmation names the point by its words.
    assert "Thanks, saved: 5 \u2013 Strongly agree (absolutely)" in texts(after_second)


async def test_a_plain_message_answers_the_question_seen_first_then_the_newer_one(
    chat: ChatHarness, clock: FixedClock, ctx: BotContext
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    clock.advance(timedelta(hours=1))
    await chat.open_prompts(["ana"], ["valued"])
    valued = ctx.content.prompt("valued").text

    first = await chat.say("ana", "Seeing the same families over years")

    [response] = await chat.responses()
    assert (response.prompt_id, response.text) == (
        "joy-more",
        "Seeing the same families over years",
    )
    # Not "that's all": the newer pulse's question still waits, and is named.
    assert not any("That's all for now" in text for text in texts(first))
    assert any("Thank you, this pulse is done." in t and valued in t for t in texts(first))

    last = await chat.say("ana", "A thank-you note from the director")

    assert [r.prompt_id for r in await chat.responses()] == ["joy-more", "valued"]
    assert any(text.startswith("That's all for now, thank you.") for text in texts(last))


async def test_skipping_one_question_does_not_say_all_done_while_another_waits(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    clock.advance(timedelta(hours=1))
    await chat.open_prompts(["ana"], ["valued"])
    newer = chat.sender.messages_to("ana")[1]

    replies = await chat.press_button("ana", button([newer], "prompt.skip"), on=newer)

    assert not any("That's all for now" in text for text in texts(replies))
    assert any("One more question is still waiting for you" in t for t in texts(replies))


async def test_a_scale_answer_by_button_is_stored_as_a_number(chat: ChatHarness) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital", "break-the-rules"])
    assert prompt.question is not None
    assert [option.value for option in prompt.question.options] == ["1", "2", "3", "4", "5"]

    replies = await chat.pick("ana", prompt, "4")

    [response] = await chat.responses()
    assert (response.prompt_id, response.scale_value, response.text) == ("autonomy-vital", 4, None)
    assert "Thanks, saved: 4 \u2013 Agree" in texts(replies)
    marked = [reply for reply in replies if reply.replaces == chat.ref_of(prompt)]
    assert [reply.text for reply in marked] == [f"{AUTONOMY}\n✓ Answered"]
    # The question's follow-up opens right there, as an optional comment.
    [comment] = [reply.form for reply in marked]
    assert comment is not None and comment.fields[0].label == "What makes you say that?"
    assert not comment.fields[0].required
    asked = question(replies)
    assert asked.question is not None and asked.question.prompt_id == "break-the-rules"


async def test_words_typed_after_a_pressed_point_are_its_comment_not_the_next_answer(
    chat: ChatHarness, clock: FixedClock
) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital", "break-the-rules"])
    pressed = await chat.pick("ana", prompt, "4")
    next_question = question(pressed)
    clock.advance(timedelta(minutes=1))

    replies = await chat.say("ana", "Because when I can set my own schedule I burn out less")

    [response] = await chat.responses()
    assert (response.prompt_id, response.scale_value, response.text) == (
        "autonomy-vital",
        4,
        "Because when I can set my own schedule I burn out less",
    )
    assert texts(replies) == ["Added your comment to 4 \u2013 Agree."]
    assert await chat.ideas() == []
    # The next question is still open: the following message answers it.
    await chat.say("ana", "Let nurses swap shifts directly")
    assert [r.prompt_id for r in await chat.responses()] == ["autonomy-vital", "break-the-rules"]
    assert next_question.question is not None


async def test_a_message_long_after_a_pressed_point_answers_the_next_question(
    chat: ChatHarness, clock: FixedClock
) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital", "break-the-rules"])
    await chat.pick("ana", prompt, "4")
    clock.advance(timedelta(minutes=10))

    await chat.say("ana", "Let nurses swap shifts directly")

    answers = [(r.prompt_id, r.text) for r in await chat.responses()]
    assert answers == [
        ("autonomy-vital", None),
        ("break-the-rules", "Let nurses swap shifts directly"),
    ]


async def test_a_number_after_a_pressed_point_answers_the_next_scale_question(
    chat: ChatHarness,
) -> None:
    prompt = await _first_prompt(chat, "ana", ["scope-happy", "autonomy-vital"])
    assert prompt.question is not None
    await chat.pick("ana", prompt, prompt.question.options[0].value)

    await chat.say("ana", "2")

    answers = [(r.prompt_id, r.text, r.scale_value) for r in await chat.responses()]
    assert answers[1:] == [("autonomy-vital", None, 2)]


@pytest.mark.parametrize(
    ("typed", "value", "comment"),
    [
        ("4", 4, None),
        ("4.", 4, None),
        ("4 - very", 4, "very"),
        (" 2, depends on the clinic ", 2, "depends on the clinic"),
    ],
)
async def test_a_scale_answer_can_be_typed(
    chat: ChatHarness, typed: str, value: int, comment: str | None
) -> None:
    await _first_prompt(chat, "ana", ["autonomy-vital"])

    replies = await chat.say("ana", typed)

    [response] = await chat.responses()
    assert (response.scale_value, response.text) == (value, comment)
    assert any(text.startswith(f"Thanks, saved: {value}") for text in texts(replies))


async def test_a_typed_scale_answer_that_is_not_on_the_scale_asks_for_a_number(
    chat: ChatHarness,
) -> None:
    await _first_prompt(chat, "ana", ["autonomy-vital"])

    for typed in ("banana", "7", "0", "-1", "four", "4.5", "4-5"):
        replies = await chat.say("ana", typed)
        assert texts(replies) == [
            "Please pick a number from 1 to 5: press a button or type the number."
        ], typed

    assert await chat.responses() == []
    # The question is still open: a valid number afterwards is recorded.
    await chat.say("ana", "5")
    assert [response.scale_value for response in await chat.responses()] == [5]


async def test_the_idea_prompts_answer_becomes_a_submitted_idea(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["break-the-rules"])

    replies = await chat.say("ana", "Protected admin time every Friday afternoon")

    [idea] = await chat.ideas()
    [response] = await chat.responses()
    assert idea.state == "submitted"
    assert idea.text == "Protected admin time every Friday afternoon"
    assert idea.source == "prompt"
    assert idea.response_id == response.id
    assert idea.submitter_id == (await chat.person("ana")).id
    assert f"Your idea #{idea.id} is with your leaders" in " ".join(texts(replies))


async def test_idea_command_submits_an_idea_any_time(chat: ChatHarness) -> None:
    await chat.join("ana")

    replies = await chat.say("ana", "idea: a shared scribe for the afternoon clinic")

    [idea] = await chat.ideas()
    assert (idea.text, idea.state, idea.source) == (
        "a shared scribe for the afternoon clinic",
        "submitted",
        "command",
    )
    assert texts(replies) == [
        f"Thanks! Your idea #{idea.id} is with your leaders, with your name on it "
        "(`idea anon` and your idea sends one without). "
        "I'll tell you every time its status changes."
    ]


async def test_idea_colon_while_a_prompt_is_open_is_an_idea_not_an_answer(
    chat: ChatHarness,
) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    await chat.say("ana", "idea: scribes for everyone")

    assert [idea.text for idea in await chat.ideas()] == ["scribes for everyone"]
    assert await chat.responses() == []
    await chat.say("ana", "Teaching residents")
    assert [response.text for response in await chat.responses()] == ["Teaching residents"]


async def test_an_answer_starting_with_idea_is_asked_about_not_guessed(
    chat: ChatHarness,
) -> None:
    """'Idea sharing over lunch' answering a teamwork question is an answer, not an idea."""
    await _first_prompt(chat, "ana", ["teamwork-support"])

    replies = await chat.say("ana", "Idea sharing with my colleagues over lunch")

    [asked] = replies
    assert asked.text.startswith("Is that an idea for your leaders, or your answer to")
    assert await chat.responses() == [] and await chat.ideas() == []
    answered = await chat.press_button("ana", button(replies, "answer.text"), on=asked)
    [response] = await chat.responses()
    assert response.text == "Idea sharing with my colleagues over lunch"
    assert await chat.ideas() == []
    assert "Taken as your answer." in texts(answered)


async def test_asked_about_idea_can_be_sent_as_an_idea(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["teamwork-support"])
    replies = await chat.say("ana", "idea a monthly team lunch, patient Jane Doe loved it")

    await chat.press_button("ana", button(replies, "idea.from_message"), on=replies[0])

    [idea] = await chat.ideas()
    assert idea.text == "a monthly team lunch, patient [removed] loved it"
    assert await chat.responses() == []
    # The buttons carried only the redacted words.
    assert all("Jane" not in b.value for b in replies[0].buttons)


async def test_idea_typed_at_the_idea_prompt_answers_it(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["break-the-rules"])

    await chat.say("ana", "idea protected admin time")

    [idea] = await chat.ideas()
    assert idea.text == "protected admin time"
    [delivery] = await chat.deliveries()
    assert delivery.state == "answered"


@pytest.mark.parametrize("typed", ["idea", "Idea:", "idea -"])
async def test_idea_without_text_explains_how_to_send_one(chat: ChatHarness, typed: str) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    replies = await chat.say("ana", typed)

    assert texts(replies) == [
        "Type `idea` followed by your idea, for example: `idea protected admin time on Fridays`."
    ]
    assert await chat.ideas() == []
    assert await chat.responses() == []


async def test_undo_removes_the_answer_and_asks_again(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", THREE_PROMPTS)
    replies = await chat.say("ana", "Procedures")
    confirmation = next(reply for reply in replies if reply.buttons)

    undone = await chat.press_button("ana", button(replies, "answer.undo"), on=confirmation)

    assert await chat.responses() == []
    assert undone[0].text == "Undone: your answer was removed. You can answer again below."
    assert undone[0].replaces == chat.ref_of(confirmation)
    asked = question(undone)
    assert asked.question is not None and asked.question.prompt_id == "joy-more"
    assert summary(asked).startswith(f"(1 of 3) {JOY}")
    # The next plain message answers the same question again.
    await chat.say("ana", "Procedures and teaching")
    [response] = await chat.responses()
    assert (response.prompt_id, response.text) == ("joy-more", "Procedures and teaching")


async def test_undoing_the_idea_prompts_answer_withdraws_the_idea(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["break-the-rules"])
    replies = await chat.say("ana", "Four-day clinic weeks")
    assert len(await chat.ideas()) == 1

    await chat.press_button("ana", button(replies, "answer.undo"))

    assert await chat.ideas() == []
    assert await chat.responses() == []


async def test_a_forged_undo_token_is_refused_and_the_answer_stays(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])
    replies = await chat.say("ana", "Procedures")
    undo = button(replies, "answer.undo")
    delivery, prompt_id, response_id, token = undo.value.split(":")
    made_up = "f" * len(token)

    forged = await chat.press(
        "ana", "answer.undo", f"{delivery}:{prompt_id}:{response_id}:{made_up}"
    )
    truncated = await chat.press(
        "ana", "answer.undo", f"{delivery}:{prompt_id}:{response_id}:{token[:-1]}"
    )

    assert texts(forged) == [ctx.say("error.bad_action")]
    assert texts(truncated) == [ctx.say("error.bad_action")]
    assert [response.text for response in await chat.responses()] == ["Procedures"]


async def test_answering_an_answered_prompt_by_its_button_changes_nothing(
    chat: ChatHarness,
) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital", "joy-more"])
    await chat.pick("ana", prompt, "4")

    replies = await chat.pick("ana", prompt, "2")

    assert texts(replies) == [
        "You've already answered that one. Use Undo on the confirmation if you want to change it."
    ]
    [response] = await chat.responses()
    assert response.scale_value == 4


async def test_answering_the_last_prompt_again_after_finishing_changes_nothing(
    chat: ChatHarness,
) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital"])
    await chat.pick("ana", prompt, "5")

    replies = await chat.pick("ana", prompt, "1")

    assert "already answered" in replies[0].text
    assert [response.scale_value for response in await chat.responses()] == [5]


async def test_answering_after_the_occurrence_closed_is_refused(
    chat: ChatHarness, clock: FixedClock
) -> None:
    prompt = await _first_prompt(chat, "ana", ["autonomy-vital"])
    clock.advance(timedelta(days=7, minutes=1))

    by_button = await chat.pick("ana", prompt, "3")
    by_text = await chat.say("ana", "3")

    assert texts(by_button) == [
        "That question has closed, so I can't record an answer to it now. Thanks all the same."
    ]
    # A typed answer is not filed against the closed question, and the person is told why.
    assert by_text[0].text.startswith("Thanks! The question you were sent has closed")
    assert await chat.responses() == []


async def test_an_anonymous_answer_is_not_linked_to_the_person(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"], anonymity="anonymous")

    await chat.say("ana", "Working with my MA")

    [response] = await chat.responses()
    assert response.text == "Working with my MA"
    assert response.person_id is None
    assert response.respondent_key is None


async def test_only_the_answerer_can_undo_an_anonymous_answer(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.join("ana")
    await chat.join("ben")
    await chat.open_prompts(["ana", "ben"], ["joy-more"], anonymity="anonymous")
    replies = await chat.say("ana", "Working with my MA")
    undo = button(replies, "answer.undo")

    stolen = await chat.press_button("ben", undo)

    assert texts(stolen) == [ctx.say("error.bad_action")]
    assert len(await chat.responses()) == 1

    undone = await chat.press_button("ana", undo)

    assert undone[0].text.startswith("Undone")
    assert await chat.responses() == []


async def test_an_overlong_message_is_refused_and_nothing_is_stored(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    replies = await chat.say("ana", "x" * 4001)

    assert texts(replies) == [ctx.say("error.too_long", limit=4000)]
    assert "4000" in replies[0].text
    assert await chat.responses() == []


async def test_a_message_of_exactly_the_limit_is_accepted(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    await chat.say("ana", "y" * 4000)

    [response] = await chat.responses()
    assert response.text == "y" * 4000


async def test_a_repeated_event_id_is_handled_once(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["joy-more", "valued"])
    event = MessageReceived(
        person_ref("ana"), conversation_ref("ana"), "slack-retry-1", text="Teaching students"
    )

    first = await chat.handle(event)
    second = await chat.handle(event)

    assert not first.duplicate and first.replies
    assert second.duplicate
    assert second.replies == []
    [response] = await chat.responses()
    assert response.prompt_id == "joy-more"


async def test_patient_identifiers_are_removed_before_the_answer_is_stored(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    replies = await chat.say(
        "ana", "When patient John Smith (MRN 12345678) calls 555-123-4567 to say thanks"
    )

    [response] = await chat.responses()
    assert response.text == "When patient [removed] ([removed]) calls [removed] to say thanks"
    assert response.redactions == ["medical record number", "phone number", "patient name"]
    confirmation = next(reply for reply in replies if reply.text.startswith("Thanks, saved"))
    assert confirmation.notices == (
        ctx.say("privacy.redacted", kinds="medical record number, phone number, patient name"),
    )
    shown = " ".join(texts(replies))
    for secret in ("John Smith", "12345678", "555-123-4567"):
        assert secret not in shown


async def test_an_idea_with_patient_details_is_stored_redacted(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["break-the-rules"])

    replies = await chat.say("ana", "Let patient Jones email me at jones@example.com directly")

    [idea] = await chat.ideas()
    assert idea.text == "Let patient [removed] email me at [removed] directly"
    assert any(reply.notices for reply in replies)


async def test_ordinary_answers_get_no_privacy_notice(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    replies = await chat.say("ana", "We saw 20 patients today and patient care felt good")

    [response] = await chat.responses()
    assert response.text == "We saw 20 patients today and patient care felt good"
    assert response.redactions == []
    assert all(reply.notices == () for reply in replies)


async def test_a_choice_answer_by_button_or_by_typing_its_label(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.join("ben")
    await chat.open_prompts(["ana", "ben"], ["scope-happy"])
    [anas_prompt] = chat.sender.messages_to("ana")
    assert anas_prompt.question is not None
    assert [option.label for option in anas_prompt.question.options] == ["Yes", "Mostly", "No"]

    by_button = await chat.pick("ana", anas_prompt, "mostly")
    by_text = await chat.say("ben", "no")

    assert [response.choice for response in await chat.responses()] == ["mostly", "no"]
    assert "Thanks, saved: Mostly" in texts(by_button)
    assert "Thanks, saved: No" in texts(by_text)


async def test_a_typed_choice_that_is_not_an_option_lists_the_options(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["scope-happy"])

    replies = await chat.say("ana", "sometimes")

    assert texts(replies) == ["Please pick one of: Yes, Mostly, No."]
    assert await chat.responses() == []


async def test_answer_button_opens_a_form_whose_submission_is_the_answer(
    chat: ChatHarness,
) -> None:
    prompt = await _first_prompt(chat, "ana", ["joy-more"])

    opened = await chat.press_button("ana", button([prompt], "answer.open"), on=prompt)

    [form_message] = opened
    assert form_message.form is not None
    [field] = form_message.form.fields
    submitted = await chat.press(
        "ana",
        form_message.form.submit.action_id,
        form_message.form.submit.value,
        fields={field.name: "Continuity with my patients"},
    )

    [response] = await chat.responses()
    assert (response.prompt_id, response.text) == ("joy-more", "Continuity with my patients")
    # No message of the person's shows a form's words: the answered question does, once.
    assert texts(submitted)[:2] == [
        "What parts of your job bring you joy that you wish you could experience more?\n"
        "✓ Answered: Continuity with my patients",
        "Thanks, saved.",
    ]


async def test_after_pressing_answer_on_a_newer_prompt_a_message_answers_that_prompt(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    clock.advance(timedelta(hours=1))
    await chat.open_prompts(["ana"], ["valued"])
    newer = chat.sender.messages_to("ana")[1]

    await chat.press_button("ana", button([newer], "answer.open"), on=newer)
    await chat.say("ana", "Being asked for my opinion")
    await chat.say("ana", "Procedures")

    answers = [(response.prompt_id, response.text) for response in await chat.responses()]
    assert answers == [("valued", "Being asked for my opinion"), ("joy-more", "Procedures")]


async def test_only_the_most_recent_answer_can_be_undone(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", THREE_PROMPTS)
    first = await chat.say("ana", "Procedures")
    await chat.say("ana", "4")

    replies = await chat.press_button("ana", button(first, "answer.undo"))

    assert texts(replies) == ["Only your most recent answer can be undone."]
    assert len(await chat.responses()) == 2


async def test_an_empty_message_stores_nothing(chat: ChatHarness) -> None:
    await _first_prompt(chat, "ana", ["joy-more"])

    replies = await chat.say("ana", "   \n ")

    assert texts(replies) == ["That message was empty, so there was nothing to save."]
    assert await chat.responses() == []


async def test_an_anonymous_idea_prompt_creates_an_anonymous_idea_and_no_linked_answer(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["break-the-rules"], anonymity="anonymous")

    replies = await chat.say("ana", "No meetings before clinic")

    [idea] = await chat.ideas()
    assert (idea.text, idea.anonymous, idea.state) == (
        "No meetings before clinic",
        True,
        "submitted",
    )
    # The idea keeps its (hidden) submitter so the bot can tell them what happens to it;
    # so no answer row may sit beside it with the same words, nor point at it.
    assert idea.response_id is None
    assert await chat.responses() == []
    [delivery] = await chat.deliveries()
    assert delivery.state == "answered" and delivery.answered_at is None
    assert f"#{idea.id}" in " ".join(texts(replies))

    # Undo still works for the person who sent it, and withdraws the idea.
    undo = button(replies, "answer.undo")
    undone = await chat.press_button("ana", undo)
    assert texts(undone)[0].startswith("Undone")
    assert await chat.ideas() == []


async def test_the_same_answer_sent_twice_at_once_is_stored_once(chat: ChatHarness) -> None:
    """A double-press of Enter (two messages, two event ids) races two transactions."""
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more", "valued"])

    # No event ids (as from a client that sends none): only the delivery row can tell.
    message = MessageReceived(person_ref("ana"), conversation_ref("ana"), None, text="Teaching")
    await asyncio.gather(chat.handle(message), chat.handle(message), chat.handle(message))

    responses = await chat.responses()
    # One is recorded against joy-more; the other either answers the next prompt
    # (it is a new message, after all) or is told it was already answered: never two
    # answers to the same prompt.
    prompts = [r.prompt_id for r in responses]
    assert len(prompts) == len(set(prompts))
    assert prompts.count("joy-more") == 1


async def test_a_button_pressed_twice_at_once_records_one_answer(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["autonomy-vital", "valued"])
    [asked] = chat.sender.messages_to("ana")

    assert asked.question is not None
    presses = [
        ActionInvoked(
            person_ref("ana"),
            conversation_ref("ana"),
            None,  # no event ids: only the delivery row can tell the presses apart
            action_id=asked.question.option_action_id,
            value=asked.question.option_value_prefix + option,
        )
        for option in ("4", "5")
    ]
    outcomes = await asyncio.gather(*(chat.handle(press) for press in presses))
    results = [outcome.replies for outcome in outcomes]

    responses = await chat.responses()
    assert [(r.prompt_id, r.scale_value in (4, 5)) for r in responses] == [("autonomy-vital", True)]
    all_texts = [text for replies in results for text in texts(replies)]
    assert sum(text.startswith("Thanks, saved") for text in all_texts) == 1
    assert any("already answered" in text for text in all_texts)
    [delivery] = await chat.deliveries()
    assert delivery.next_index == 1


async def test_a_new_idea_is_announced_to_the_leaders_through_the_outbox(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.say("ana", "idea: scribes for every clinic")
    assert chat.sender.announced == []  # queued, not sent from the handler

    await chat.outbox.dispatch_due()

    [(_workspace, audience, card)] = chat.sender.announced
    assert audience == "leaders"
    assert card.idea is not None
    assert (card.idea.text, card.idea.facts[0]) == ("scribes for every clinic", "From Ana")


async def test_an_anonymous_ideas_card_names_nobody(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["break-the-rules"], anonymity="anonymous")
    await chat.say("ana", "No meetings before clinic")

    await chat.outbox.dispatch_due()

    [(_workspace, _audience, card)] = chat.sender.announced
    assert card.idea is not None and card.idea.facts[0] == "Anonymous"
    assert "Ana" not in card.text and "Ana" not in str(card.idea)
