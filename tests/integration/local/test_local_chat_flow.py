"""A clinician's pulse through the local chat API: what they see, and what is stored."""

from __future__ import annotations

from sqlalchemy import and_

from storage.models import Delivery, Idea, Response
from storage.states import DeliveryState
from tests.integration.live_chat import LiveChat

JOY = "What parts of your job bring you joy that you wish you could experience more?"


async def test_a_pulse_answered_by_text_button_and_idea_with_undo(live_chat: LiveChat) -> None:
    chat = live_chat
    amara = await chat.person_pk("amara")

    # The outbox delivered the first prompt, with its inline Answer button.
    first = await chat.wait_for_question("amara", "joy-more")
    assert first["from"] == "bot"
    assert first["question"]["text"] == JOY
    assert first["question"]["progress"] == "(1 of 3)"
    assert chat.button(first, "Answer")["action_id"] == "answer.open"

    # A plain reply answers it: confirmation with Undo, the prompt turns "Answered",
    # and the scale question comes next.
    result = await chat.say("amara", "Seeing the same patients over years")
    mine, confirmation, scale = result["messages"]
    assert (mine["from"], mine["text"]) == ("person", "Seeing the same patients over years")
    # The answer shows once: in her own message, not again in any reply.
    assert confirmation["text"] == "Thanks, saved."
    assert chat.button(confirmation, "Undo")["action_id"] == "answer.undo"
    assert scale["question"]["prompt_id"] == "autonomy-vital"
    assert [o["label"].split(" ")[0] for o in scale["question"]["options"]] == list("12345")
    [answered] = result["updated"]
    assert answered["id"] == first["id"]
    assert answered["text"].endswith("✓ Answered")
    assert answered["buttons"] == [] and answered["question"] is None
    # ... and the conversation (as a page reload would show it) agrees.
    reloaded = {m["id"]: m for m in await chat.conversation("amara")}
    assert "✓ Answered" in reloaded[first["id"]]["text"]

    [joy] = await chat.rows(Response, Response.person_id == amara)
    assert (joy.prompt_id, joy.text, joy.scale_value) == (
        "joy-more",
        "Seeing the same patients over years",
        None,
    )

    # The scale is answered by pressing "4" on that message.
    result = await chat.press("amara", chat.question_option(scale, "4"), scale)
    [confirmation] = [m for m in chat.from_bot(result) if m["text"].startswith("Thanks, saved")]
    assert confirmation["text"] == "Thanks, saved: 4 \u2013 Agree"
    idea_prompt = chat.asking(result, "break-the-rules")
    assert [m["id"] for m in result["updated"]] == [scale["id"]]
    # The question turns answered and opens its follow-up, optional, right there.
    assert result["updated"][0]["text"].endswith("✓ Answered")
    assert result["updated"][0]["form"]["fields"][0]["label"] == "What makes you say that?"
    scale_rows = await chat.rows(Response, Response.prompt_id == "autonomy-vital")
    assert [(r.person_id, r.scale_value) for r in scale_rows] == [(amara, 4)]

    # Undo on that confirmation removes the answer and asks the scale again.
    result = await chat.press("amara", chat.button(confirmation, "Undo"), confirmation)
    [undone] = result["updated"]
    assert undone["id"] == confirmation["id"]
    assert undone["text"].startswith("Undone: your answer was removed.")
    asked_again = chat.asking(result, "autonomy-vital")
    assert await chat.count(Response, Response.prompt_id == "autonomy-vital") == 0
    [delivery] = await chat.rows(Delivery, Delivery.person_id == amara)
    assert delivery.next_index == 1

    # The idea prompt that was showing is no longer the open one: the re-asked scale is.
    result = await chat.press("amara", chat.question_option(asked_again, "5"), asked_again)
    assert any(m["text"] == "Thanks, saved: 5 \u2013 Strongly agree" for m in chat.from_bot(result))
    idea_prompt = chat.asking(result, "break-the-rules")
    assert idea_prompt["question"]["kind"] == "idea"

    # Words typed right after the press are the point's comment; the idea question waits.
    result = await chat.say("amara", "I set my own clinic hours")
    assert [m["text"] for m in chat.from_bot(result)] == [
        "Added your comment to 5 \u2013 Strongly agree."
    ]
    assert await chat.count(Idea, Idea.submitter_id == amara) == 0

    # Answering the idea prompt files an idea and names its number.
    result = await chat.say("amara", "Protected admin time every Friday afternoon")
    [idea] = await chat.rows(Idea, Idea.submitter_id == amara)
    assert (idea.state, idea.source, idea.text) == (
        "submitted",
        "prompt",
        "Protected admin time every Friday afternoon",
    )
    assert any(f"idea #{idea.id} " in m["text"] for m in chat.from_bot(result))
    [delivery] = await chat.rows(Delivery, Delivery.person_id == amara)
    assert delivery.state == DeliveryState.ANSWERED
    assert await chat.count(Response, Response.person_id == amara) == 3

    # With nothing open, `idea <text>` still works at any time.
    result = await chat.say("amara", "idea a shared lunch table for the whole team")
    [reply] = chat.from_bot(result)
    command_ideas = await chat.rows(Idea, and_(Idea.submitter_id == amara, Idea.id != idea.id))
    assert [(i.source, i.state, i.text) for i in command_ideas] == [
        ("command", "submitted", "a shared lunch table for the whole team")
    ]
    assert f"idea #{command_ideas[0].id} " in reply["text"]
    assert await chat.count(Response, Response.person_id == amara) == 3

    # `my answers` lists what was saved, newest first.
    [listing] = chat.from_bot(await chat.say("amara", "my answers"))
    lines = listing["text"].splitlines()
    assert lines[0] == "Your 3 most recent answers:"
    assert "→ Protected admin time every Friday afternoon" in lines[1]
    assert "autonomy" in lines[2] and lines[2].endswith("→ 5 I set my own clinic hours")
    assert lines[3].endswith(f"{JOY} → Seeing the same patients over years")


async def test_idea_command_works_while_a_question_is_open(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("jordan", "joy-more")
    jordan = await live_chat.person_pk("jordan")

    result = await live_chat.say("jordan", "idea: scribes for the Monday clinic")

    [reply] = live_chat.from_bot(result)
    [idea] = await live_chat.rows(Idea, Idea.submitter_id == jordan)
    assert (idea.source, idea.text) == ("command", "scribes for the Monday clinic")
    assert f"#{idea.id}" in reply["text"]
    # The open question was not answered by the command.
    assert await live_chat.count(Response, Response.person_id == jordan) == 0
    [delivery] = await live_chat.rows(Delivery, Delivery.person_id == jordan)
    assert delivery.next_index == 0


async def test_answer_button_opens_a_form_whose_submission_is_the_answer(
    live_chat: LiveChat,
) -> None:
    first = await live_chat.wait_for_question("maria", "joy-more")

    result = await live_chat.press("maria", live_chat.button(first, "Answer"), first)
    # The form is shown inline: as a new message, or in place of the question.
    [form_message] = [m for m in result["messages"] + result["updated"] if m.get("form")]
    form = form_message["form"]
    assert [field["name"] for field in form["fields"]] == ["answer"]
    assert form["intro"] == JOY
    assert await live_chat.count(Response) == 0

    submit = form["submit"]
    async with live_chat.http.post(
        live_chat.url("/chat/api/people/maria/actions"),
        json={
            "action_id": submit["action_id"],
            "value": submit["value"],
            "message_id": form_message["id"],
            "fields": {"answer": "Teaching residents"},
        },
    ) as response:
        assert response.status == 200
        result = await response.json()

    assert any(m["text"] == "Thanks, saved." for m in result["messages"])
    assert any("✓ Answered: Teaching residents" in m["text"] for m in result["updated"])
    live_chat.asking(result, "autonomy-vital")
    maria = await live_chat.person_pk("maria")
    [row] = await live_chat.rows(Response, Response.person_id == maria)
    assert (row.prompt_id, row.text) == ("joy-more", "Teaching residents")


async def test_forget_me_removes_only_that_persons_answers(live_chat: LiveChat) -> None:
    chat = live_chat
    await chat.wait_for_question("amara", "joy-more")
    await chat.wait_for_question("jordan", "joy-more")
    scale = chat.asking(await chat.say("amara", "Procedures"), "autonomy-vital")
    await chat.press("amara", chat.question_option(scale, "3"), scale)
    await chat.say("jordan", "Time with my team")
    amara, jordan = await chat.person_pk("amara"), await chat.person_pk("jordan")
    assert await chat.count(Response, Response.person_id == amara) == 2

    [question] = chat.from_bot(await chat.say("amara", "forget me"))
    assert question["text"].startswith("Delete all 2 of your saved answers?")
    # Asking is not deleting.
    assert await chat.count(Response, Response.person_id == amara) == 2

    result = await chat.press("amara", chat.button(question, "Yes, delete them"), question)

    assert [m["text"] for m in chat.from_bot(result)] == [
        "Done. Answers deleted: 2. This chat's history went with them where I could remove it."
    ]
    # The chat's own copy of what she wrote is gone too: only the confirmation remains.
    assert result["erased"] is True
    assert [m["text"] for m in await chat.conversation("amara")] == [
        "Done. Answers deleted: 2. This chat's history went with them where I could remove it."
    ]
    assert await chat.count(Response, Response.person_id == amara) == 0
    [kept] = await chat.rows(Response, Response.person_id == jordan)
    assert kept.text == "Time with my team"
    [listing] = chat.from_bot(await chat.say("amara", "my answers"))
    assert listing["text"].startswith("You have no saved answers")


async def test_forget_me_cancel_keeps_everything(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("sam", "joy-more")
    await live_chat.say("sam", "Helping patients get their questions answered")
    sam = await live_chat.person_pk("sam")

    [question] = live_chat.from_bot(await live_chat.say("sam", "forget me"))
    result = await live_chat.press("sam", live_chat.button(question, "Cancel"), question)

    # The confirmation itself turns into the answer, so its buttons cannot be pressed later.
    assert [m["text"] for m in result["updated"]] == ["OK, nothing was deleted."]
    assert result["updated"][0]["buttons"] == []
    assert await live_chat.count(Response, Response.person_id == sam) == 1
