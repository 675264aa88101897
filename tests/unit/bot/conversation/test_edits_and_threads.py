"""Edits of the message that carried an answer, and replies in a prompt's thread."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.events import MessageEdited, MessageReceived, MessageRef
from tests.unit.bot.dispatch_harness import (
    LOCAL,
    ChatHarness,
    conversation_ref,
    person_ref,
    texts,
)


def _said(user_id: str, text: str, message_id: str) -> MessageReceived:
    return MessageReceived(
        person_ref(user_id),
        conversation_ref(user_id),
        None,
        text=text,
        message_ref=MessageRef(LOCAL, f"dm-{user_id}", message_id),
    )


def _edited(user_id: str, text: str, message_id: str) -> MessageEdited:
    return MessageEdited(
        person_ref(user_id),
        conversation_ref(user_id),
        None,
        message_ref=MessageRef(LOCAL, f"dm-{user_id}", message_id),
        text=text,
    )


async def test_an_edit_changes_the_answer_redacted_again(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.handle(_said("ana", "Teaching", "m1"))

    outcome = await chat.handle(_edited("ana", "Teaching, and patient Jones's thanks", "m1"))

    [response] = await chat.responses()
    assert response.text == "Teaching, and patient [removed] thanks"
    assert texts(outcome.replies)[0].startswith("Updated your answer:")
    assert outcome.replies[0].notices  # the person is told what was removed


async def test_an_edit_to_a_scale_answer_must_still_fit_the_scale(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["autonomy-vital"])
    await chat.handle(_said("ana", "4", "m1"))

    outcome = await chat.handle(_edited("ana", "banana", "m1"))

    assert texts(outcome.replies)[0].startswith("Please pick a number from 1 to 5")
    [response] = await chat.responses()
    assert response.scale_value == 4


async def test_an_edit_after_the_question_closed_changes_nothing(
    chat: ChatHarness, clock: FixedClock
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.handle(_said("ana", "Teaching", "m1"))
    clock.advance(timedelta(days=8))

    outcome = await chat.handle(_edited("ana", "Something else", "m1"))

    assert texts(outcome.replies) == [
        "That question has closed, so your earlier answer stays as it was."
    ]
    assert [r.text for r in await chat.responses()] == ["Teaching"]


async def test_an_anonymous_answer_cannot_be_found_by_its_message(chat: ChatHarness) -> None:
    """No pointer from an anonymous answer to the person's chat is kept, so edits can't
    reach it (Undo still can)."""
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"], anonymity="anonymous")
    await chat.handle(_said("ana", "Teaching", "m1"))

    outcome = await chat.handle(_edited("ana", "Something else", "m1"))

    assert outcome.replies == []
    [response] = await chat.responses()
    assert (response.text, response.source_message_key) == ("Teaching", None)


async def test_an_edit_of_someone_elses_message_key_changes_nothing(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.join("ben")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.handle(_said("ana", "Teaching", "m1"))

    # Ben claims Ana's message (same conversation id and message id).
    forged = MessageEdited(
        person_ref("ben"),
        conversation_ref("ben"),
        None,
        message_ref=MessageRef(LOCAL, "dm-ana", "m1"),
        text="Hijacked",
    )
    outcome = await chat.handle(forged)

    assert outcome.replies == []
    assert [r.text for r in await chat.responses()] == ["Teaching"]


async def test_a_thread_reply_answers_the_prompt_it_replies_to(chat: ChatHarness) -> None:
    """Two prompts open: a reply in the older one's thread answers that one."""
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.open_prompts(["ana"], ["valued"])
    older = MessageRef(LOCAL, "dm-ana", "1")  # the outbox's first message ref

    await chat.handle(
        MessageReceived(
            person_ref("ana"), conversation_ref("ana"), None, text="Teaching", in_reply_to=older
        )
    )

    [response] = await chat.responses()
    assert response.prompt_id == "joy-more"


async def test_a_reply_in_someone_elses_prompt_thread_is_not_theirs(chat: ChatHarness) -> None:
    await chat.join("ana")
    await chat.join("ben")
    await chat.open_prompts(["ana"], ["joy-more"])
    await chat.open_prompts(["ben"], ["valued"])
    anas_prompt = MessageRef(LOCAL, "dm-ana", "1")

    await chat.handle(
        MessageReceived(
            person_ref("ben"), conversation_ref("ben"), None, text="Thanks", in_reply_to=anas_prompt
        )
    )

    [response] = await chat.responses()
    assert response.prompt_id == "valued"  # Ben's own open prompt, not Ana's
