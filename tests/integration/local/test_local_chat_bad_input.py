"""Bad requests to the local chat API: a clear JSON error, and nothing stored."""

from __future__ import annotations

from typing import Any

from storage.models import Delivery, Idea, LocalChatMessage, ProcessedEvent, Response
from tests.integration.live_chat import API, LiveChat


async def stored(chat: LiveChat) -> tuple[int, ...]:
    """Row counts of everything a request could have written."""
    return (
        await chat.count(LocalChatMessage),
        await chat.count(Response),
        await chat.count(Idea),
        await chat.count(ProcessedEvent),
    )


def fields_named(body: dict[str, Any]) -> set[str]:
    return {problem["field"] for problem in body["detail"]}


async def test_malformed_json_is_a_400_json_error(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("amara", "joy-more")
    before = await stored(live_chat)

    for path in (f"{API}/amara/messages", f"{API}/amara/actions", API):
        status, body = await live_chat.request(
            "POST", path, data=b'{"text": "hi"', headers={"Content-Type": "application/json"}
        )
        assert status == 400, path
        assert body["error"] == "malformed_json"

    assert await stored(live_chat) == before


async def test_unknown_person_is_a_404_json_error(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("amara", "joy-more")
    before = await stored(live_chat)

    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"{API}/nobody/messages", {"text": "hello"}),
        ("POST", f"{API}/nobody/actions", {"action_id": "forget.confirm"}),
        ("GET", f"{API}/nobody/conversation", None),
        ("GET", f"{API}/nobody/ws", None),
    ]
    for method, path, json_body in requests:
        status, body = await live_chat.request(method, path, json=json_body)
        assert status == 404, path
        assert body["error"] == "unknown_person"

    assert await stored(live_chat) == before


# (endpoint, body, the field the error must name)
WRONG_BODIES: list[tuple[str, Any, str]] = [
    ("messages", {"text": "hi", "mood": "great"}, "mood"),
    ("messages", {"text": 42}, "text"),
    ("messages", {}, "text"),
    ("messages", {"text": "hi", "client_message_id": ""}, "client_message_id"),
    ("messages", {"text": "x" * 100_001}, "text"),
    ("actions", {"action_id": "answer.option", "message_id": "first"}, "message_id"),
    ("actions", {"action_id": "answer.option", "fields": {"answer": 3}}, "fields.answer"),
    ("actions", {"value": "1:joy-more"}, "action_id"),
]


async def test_unknown_field_or_wrong_type_is_a_400_naming_the_field(
    live_chat: LiveChat,
) -> None:
    before = await stored(live_chat)

    for path, body, field in WRONG_BODIES:
        status, error = await live_chat.request("POST", f"{API}/amara/{path}", json=body)
        assert status == 400, (path, field)
        assert error["error"] == "invalid_body", (path, field)
        assert field in fields_named(error), (path, field, error)

    assert await stored(live_chat) == before


async def test_a_body_that_is_not_an_object_is_a_400(live_chat: LiveChat) -> None:
    status, error = await live_chat.request("POST", f"{API}/amara/messages", json=["hi"])

    assert status == 400
    assert error["error"] == "invalid_body"


async def test_pressing_a_button_on_another_persons_message_is_refused(
    live_chat: LiveChat,
) -> None:
    jordans = await live_chat.wait_for_question("jordan", "joy-more")
    await live_chat.wait_for_question("amara", "joy-more")
    before = await stored(live_chat)

    status, error = await live_chat.request(
        "POST",
        f"{API}/amara/actions",
        json={
            "action_id": "answer.open",
            "value": live_chat.button(jordans, "Answer")["value"],
            "message_id": jordans["id"],
        },
    )

    assert status == 400
    assert error["error"] == "unknown_message"
    assert await stored(live_chat) == before


async def test_another_persons_delivery_in_a_button_value_is_refused(live_chat: LiveChat) -> None:
    # The button value names Jordan's delivery; Amara presses it on her own message.
    jordans = await live_chat.wait_for_question("jordan", "joy-more")
    amaras = await live_chat.wait_for_question("amara", "joy-more")
    jordan_value = live_chat.button(jordans, "Skip")["value"]

    result = await live_chat.press(
        "amara", {"action_id": "prompt.skip", "value": jordan_value}, amaras
    )

    [reply] = result["messages"]
    assert reply["text"] == "That button no longer works. Type `help` if you're stuck."
    [delivery] = await live_chat.rows(
        Delivery, Delivery.person_id == await live_chat.person_pk("jordan")
    )
    assert delivery.next_index == 0


async def test_text_over_4000_characters_gets_a_polite_reply_and_is_not_saved(
    live_chat: LiveChat,
) -> None:
    await live_chat.wait_for_question("amara", "joy-more")

    result = await live_chat.say("amara", "a" * 4001)

    [reply] = live_chat.from_bot(result)
    assert reply["text"] == "That's longer than I can take (4000 characters). Could you shorten it?"
    assert await live_chat.count(Response) == 0
    # The chat keeps a note of it, not the refused text itself.
    [mine] = [m for m in result["messages"] if m["from"] == "person"]
    assert mine["text"] == "[a message of 4,001 characters, too long to keep]"
    [delivery] = await live_chat.rows(
        Delivery, Delivery.person_id == await live_chat.person_pk("amara")
    )
    assert delivery.next_index == 0
    # Exactly 4,000 characters is fine.
    await live_chat.say("amara", "b" * 4000)
    assert await live_chat.count(Response) == 1


async def test_pressing_a_scale_button_again_after_answering(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("wei", "joy-more")
    scale = live_chat.asking(await live_chat.say("wei", "Mentoring"), "autonomy-vital")
    await live_chat.press("wei", live_chat.question_option(scale, "4"), scale)

    result = await live_chat.press("wei", live_chat.question_option(scale, "2"), scale)

    [reply] = live_chat.from_bot(result)
    assert reply["text"].startswith("You've already answered that one.")
    rows = await live_chat.rows(Response, Response.prompt_id == "autonomy-vital")
    assert [row.scale_value for row in rows] == [4]


async def test_a_scale_value_outside_the_scale_is_refused(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("chris", "joy-more")
    scale = live_chat.asking(await live_chat.say("chris", "Teaching"), "autonomy-vital")
    five = live_chat.question_option(scale, "5")
    forged = {**five, "value": five["value"][:-1] + "9"}

    result = await live_chat.press("chris", forged, scale)

    [reply] = live_chat.from_bot(result)
    assert reply["text"] == "That button no longer works. Type `help` if you're stuck."
    assert await live_chat.count(Response, Response.prompt_id == "autonomy-vital") == 0


async def test_the_same_client_message_id_twice_is_handled_once(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("fatima", "joy-more")

    first = await live_chat.say("fatima", "Home visits", client_message_id="m-1")
    again = await live_chat.say("fatima", "Home visits", client_message_id="m-1")

    assert any(m["text"] == "Thanks, saved." for m in first["messages"])
    assert again["messages"] == []
    fatima = await live_chat.person_pk("fatima")
    assert await live_chat.count(Response, Response.person_id == fatima) == 1
    mine = [m for m in await live_chat.conversation("fatima") if m["from"] == "person"]
    assert [m["text"] for m in mine] == ["Home visits"]


async def test_the_same_client_action_id_twice_is_handled_once(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("tomas", "joy-more")
    scale = live_chat.asking(await live_chat.say("tomas", "Rural medicine"), "autonomy-vital")
    option = live_chat.question_option(scale, "2")
    body = {**{k: option[k] for k in ("action_id", "value")}, "message_id": scale["id"]}
    body["client_action_id"] = "a-1"

    for _ in range(2):
        status, _result = await live_chat.request("POST", f"{API}/tomas/actions", json=body)
        assert status == 200

    rows = await live_chat.rows(Response, Response.prompt_id == "autonomy-vital")
    assert [row.scale_value for row in rows] == [2]
    confirmations = [
        m
        for m in await live_chat.conversation("tomas")
        if m["text"] == "Thanks, saved: 2 \u2013 Disagree"
    ]
    assert len(confirmations) == 1


async def test_a_body_over_the_size_limit_is_a_413_json_error(live_chat: LiveChat) -> None:
    before = await stored(live_chat)

    status, error = await live_chat.request(
        "POST", f"{API}/amara/messages", json={"text": "x" * 2_000_000}
    )

    assert status == 413
    assert error["error"] == "body_too_large"
    assert await stored(live_chat) == before


async def test_a_body_that_is_not_utf8_is_malformed(live_chat: LiveChat) -> None:
    status, error = await live_chat.request(
        "POST",
        f"{API}/amara/messages",
        data=b'{"text": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )

    assert status == 400
    assert error["error"] == "malformed_json"


async def test_a_bad_after_query_is_a_400(live_chat: LiveChat) -> None:
    status, error = await live_chat.request("GET", f"{API}/amara/conversation?after=last")

    assert status == 400
    assert error["error"] == "bad_query"


async def test_an_empty_message_is_not_kept_in_the_chat(live_chat: LiveChat) -> None:
    await live_chat.wait_for_question("amara", "joy-more")
    before = len(await live_chat.conversation("amara"))

    result = await live_chat.say("amara", "   ")

    assert [m["from"] for m in result["messages"]] == ["bot"]
    assert len(await live_chat.conversation("amara")) == before + 1
    assert await live_chat.count(Response) == 0


async def test_patient_details_never_ride_in_a_button(live_chat: LiveChat) -> None:
    """With nothing open, the 'Send this as an idea' button carries the text: redacted."""
    # Ana is the wellness lead: the demo sent her no question, so nothing is open.
    result = await live_chat.say("ana", "Our patient Jane Doe DOB 01/02/1960 waited 3 hours")

    [reply] = live_chat.from_bot(result)
    [idea_button] = reply["buttons"]
    assert "Jane" not in idea_button["value"] and "1960" not in idea_button["value"]
    stored = " ".join(str(m) for m in await live_chat.conversation("ana"))
    assert "Jane" not in stored and "1960" not in stored
