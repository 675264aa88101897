"""Teams activities -> neutral events: personal-chat messages and card submits."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.card_forms import execute_data, field_id, submit_data
from adapters.teams.inbound import (
    UNREADABLE_SUBMISSION,
    UnusableActivity,
    action_invoked,
    channel_command,
    check_activity,
    conversation_ref,
    edited_message,
    execute_invoked,
    installation,
    is_execute,
    mention_text,
    message_received,
    tenant_of,
)
from bot.events import CommandInvoked, MemberAdded, ProfileChanged


def activity(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "message",
        "id": "act-1",
        "channelId": "msteams",
        "serviceUrl": "https://smba.example/",
        "text": " help ",
        "from": {"id": "29:u", "name": "Ada"},
        "recipient": {"id": "28:bot", "name": "Thrive"},
        "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "t1"},
        "localTimezone": "Europe/London",
    }
    base.update(overrides)
    return base


def test_a_personal_message_becomes_message_received() -> None:
    raw = check_activity(activity())
    event = message_received(raw, tenant_of(raw, None))
    assert event is not None
    assert event.event_id == "teams:act-1"
    assert event.text == "help"
    assert (event.person.workspace, event.person.user_id) == ("t1", "29:u")
    assert event.person.timezone == "Europe/London"
    assert event.conversation.data["service_url"] == "https://smba.example/"


def test_channel_messages_and_other_types_are_not_personal_messages() -> None:
    channel = activity(conversation={"id": "19:c", "conversationType": "channel"})
    assert message_received(channel, "t1") is None
    assert message_received(activity(type="conversationUpdate"), "t1") is None
    assert message_received(activity(text=""), "t1") is None


def test_the_tenant_falls_back_to_channel_data_then_the_configured_one() -> None:
    no_tenant = activity(conversation={"id": "a:1"})
    assert tenant_of(no_tenant, "configured") == "configured"
    assert tenant_of({**no_tenant, "channelData": {"tenant": {"id": "t2"}}}, None) == "t2"


@pytest.mark.parametrize(
    "broken",
    [
        [],
        activity(serviceUrl=""),
        activity(conversation=None),
        activity(**{"from": {"name": "no id"}}),
        activity(type=None),
    ],
)
def test_unusable_activities_are_refused(broken: object) -> None:
    with pytest.raises(UnusableActivity):
        check_activity(broken)


def submit(value: object, **overrides: Any) -> dict[str, Any]:
    raw = activity(**{"value": value, "replyToId": "card-1", **overrides})
    del raw["text"]
    return raw


def test_a_card_submit_becomes_action_invoked_on_the_pressed_card() -> None:
    value = {**submit_data("answer.submit", "7:joy"), field_id("answer"): "Teaching"}
    event = action_invoked(submit(value), "t1")
    assert event is not None
    assert (event.action_id, event.value) == ("answer.submit", "7:joy")
    assert event.fields == {"answer": "Teaching"}
    assert event.event_id == "teams:act-1"
    assert event.message_ref is not None and event.message_ref.message_id == "card-1"
    assert event.message_ref.conversation_id == "a:1"


def test_a_submit_that_is_not_ours_becomes_the_unreadable_action() -> None:
    event = action_invoked(submit({"verb": "other-bot"}, replyToId=None), "t1")
    assert event is not None
    assert (event.action_id, event.value, dict(event.fields)) == (UNREADABLE_SUBMISSION, "", {})
    assert event.message_ref is None


def test_typed_text_and_other_activities_are_not_submits() -> None:
    assert action_invoked(activity(value={"x": 1}), "t1") is None  # text wins: a message
    assert action_invoked(activity(), "t1") is None
    assert action_invoked(submit(submit_data("a", "b"), type="invoke"), "t1") is None


# --- channels, installs, Execute ---------------------------------------------------

BOT = {"id": "28:bot", "name": "Thrive"}
MENTION = {"type": "mention", "mentioned": BOT, "text": "<at>Thrive</at>"}


def in_channel(**overrides: Any) -> dict[str, Any]:
    conversation = {
        "id": "19:c@thread.tacv2;messageid=17",
        "conversationType": "channel",
        "tenantId": "t1",
    }
    return activity(conversation=conversation, **overrides)


def test_a_channel_mention_is_the_words_without_the_bots_name() -> None:
    raw = in_channel(
        text="<at>Thrive</at>&nbsp;idea  fix the <b>rota</b> &amp; breaks", entities=[MENTION]
    )
    assert mention_text(raw) == "idea fix the <b>rota</b> & breaks"


def test_other_peoples_mentions_stay_and_chatter_without_ours_is_not_for_us() -> None:
    someone = {"type": "mention", "mentioned": {"id": "29:x"}, "text": "<at>Sam</at>"}
    raw = in_channel(text="<at>Thrive</at> idea ask <at>Sam</at>", entities=[MENTION, someone])
    assert mention_text(raw) == "idea ask <at>Sam</at>"
    assert mention_text(in_channel(text="<at>Sam</at> hi", entities=[someone])) is None
    assert mention_text(in_channel(text="hello all")) is None
    assert mention_text(activity(text="<at>Thrive</at> help", entities=[MENTION])) is None


def test_a_channel_command_is_answered_where_the_adapter_says_not_in_the_channel() -> None:
    raw = in_channel(text="<at>Thrive</at> idea x", entities=[MENTION])
    chat = conversation_ref(activity(), "t1")
    event = channel_command(raw, "t1", "idea x", chat)
    assert isinstance(event, CommandInvoked)
    assert event.conversation == chat and event.text == "idea x"


def test_a_channel_conversation_is_the_channel_not_the_thread() -> None:
    ref = conversation_ref(in_channel(), "t1")
    assert ref.conversation_id == "19:c@thread.tacv2"
    assert ref.data["conversation_type"] == "channel"
    assert "user_id" not in ref.data  # nobody's private chat


def test_the_bot_added_to_a_personal_chat_is_a_welcome_and_removed_is_gone() -> None:
    added = activity(type="conversationUpdate", membersAdded=[{"id": "28:bot"}])
    assert isinstance(installation(added, "t1"), MemberAdded)
    removed = activity(type="conversationUpdate", membersRemoved=[{"id": "28:bot"}])
    event = installation(removed, "t1")
    assert isinstance(event, ProfileChanged) and event.deactivated
    someone_else = activity(type="conversationUpdate", membersAdded=[{"id": "29:other"}])
    assert installation(someone_else, "t1") is None
    team = in_channel(type="conversationUpdate", membersAdded=[{"id": "28:bot"}])
    assert installation(team, "t1") is None


def _execute(verb: object, data: object, **overrides: Any) -> dict[str, Any]:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    return activity(type="invoke", name="adaptiveCard/action", value=value, **overrides)


def test_an_execute_becomes_an_action_on_the_pressed_card() -> None:
    raw = in_channel(
        type="invoke",
        name="adaptiveCard/action",
        replyToId="card-9",
        value={
            "action": {"type": "Action.Execute", "verb": "idea.move", "data": execute_data("1:a:b")}
        },
    )
    assert is_execute(raw)
    chat = conversation_ref(activity(), "t1")
    event = execute_invoked(raw, "t1", chat)
    assert (event.action_id, event.value) == ("idea.move", "1:a:b")
    assert event.message_ref is not None
    assert event.message_ref.key == "teams|19:c@thread.tacv2|card-9"
    assert event.conversation == chat


@pytest.mark.parametrize(
    "raw",
    [
        _execute("idea.move", {"value": "1:a:b"}),  # no Thrive marker
        _execute(None, execute_data("x")),
        _execute("idea.move", "not an object"),
        activity(type="invoke", name="adaptiveCard/action", value={"action": "nope"}),
        activity(type="invoke", name="adaptiveCard/action"),
    ],
    ids=["foreign-data", "no-verb", "data-not-object", "action-not-object", "no-value"],
)
def test_an_execute_that_is_not_ours_is_the_unreadable_action(raw: dict[str, Any]) -> None:
    event = execute_invoked(raw, "t1", conversation_ref(activity(), "t1"))
    assert event.action_id == UNREADABLE_SUBMISSION and event.fields == {}


def test_an_edited_personal_message_becomes_message_edited_of_that_message() -> None:
    raw = activity(
        type="messageUpdate",
        text="Teaching residents",
        timestamp="2026-03-02T18:05:00Z",
        channelData={"eventType": "editMessage"},
    )
    event = edited_message(raw, "t1")

    assert event is not None
    assert event.text == "Teaching residents"
    assert event.message_ref is not None
    # The same key as the message it edits, so the core finds the answer it carried.
    original = message_received(activity(), "t1")
    assert original is not None and original.message_ref is not None
    assert event.message_ref.key == original.message_ref.key
    assert event.event_id == "teams:act-1:edited:2026-03-02T18:05:00Z"  # not the original's


def test_undeletes_channel_edits_and_empty_edits_are_not_edits() -> None:
    edit = {"type": "messageUpdate", "channelData": {"eventType": "editMessage"}}
    undelete = {**edit, "channelData": {"eventType": "undeleteMessage"}}
    assert edited_message(activity(**undelete), "t1") is None
    channel = {"id": "19:c", "conversationType": "channel"}
    assert edited_message(activity(**edit, conversation=channel), "t1") is None
    assert edited_message(activity(**edit, text=" "), "t1") is None
    assert edited_message(activity(), "t1") is None  # a plain message is no edit
