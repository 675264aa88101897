"""Teams activities -> neutral events: personal-chat messages and card submits."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.card_forms import field_id, submit_data
from adapters.teams.inbound import (
    UNREADABLE_SUBMISSION,
    UnusableActivity,
    action_invoked,
    check_activity,
    message_received,
    tenant_of,
)


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


def test_channel_messages_and_other_types_are_not_mapped_yet() -> None:
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
