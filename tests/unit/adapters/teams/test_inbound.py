"""Teams activities -> neutral events (the first slice: personal-chat messages)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.inbound import UnusableActivity, check_activity, message_received, tenant_of


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
