"""Teams activities -> the core's neutral events. Pure functions: no I/O, easy to test.

For now only a personal-chat `message` with text is mapped (to MessageReceived); the
rest (channel @mentions, card submits, invokes, installs) is later work (issue 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.events import ConversationRef, MessageReceived, MessageRef, PersonRef

TEAMS_PLATFORM = "teams"
# A tenant-less activity (the Emulator) still needs a workspace to file people under.
NO_TENANT = "no-tenant"


class UnusableActivity(ValueError):
    """An activity missing what a reply needs (serviceUrl, conversation, from): a 400."""


def check_activity(body: object) -> Mapping[str, Any]:
    """The parsed JSON body, if it is an activity we could answer at all."""
    if not isinstance(body, Mapping):
        raise UnusableActivity("body is not a JSON object")
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise UnusableActivity("activity has no type")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        raise UnusableActivity("activity has no serviceUrl")
    for part in ("conversation", "from"):
        value = body.get(part)
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
            raise UnusableActivity(f"activity has no {part} id")
    return body


def tenant_of(activity: Mapping[str, Any], default: str | None) -> str:
    conversation = activity.get("conversation") or {}
    tenant = conversation.get("tenantId") or (
        ((activity.get("channelData") or {}).get("tenant") or {}).get("id")
    )
    return str(tenant or default or NO_TENANT)


def conversation_ref(activity: Mapping[str, Any], tenant: str) -> ConversationRef:
    """What a proactive send needs later: botbuilder's ConversationReference fields."""
    recipient = activity.get("recipient") or {}
    data = {
        "service_url": activity["serviceUrl"],
        "channel_id": activity.get("channelId") or "msteams",
        "bot_id": recipient.get("id", ""),
        "bot_name": recipient.get("name", ""),
        "user_id": activity["from"]["id"],
        "conversation_type": activity["conversation"].get("conversationType") or "personal",
    }
    return ConversationRef(TEAMS_PLATFORM, tenant, activity["conversation"]["id"], data)


def message_received(activity: Mapping[str, Any], tenant: str) -> MessageReceived | None:
    """A personal-chat text message; None for anything not (yet) mapped."""
    if activity.get("type") != "message":
        return None
    if (activity["conversation"].get("conversationType") or "personal") != "personal":
        return None
    text = activity.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    sender = activity["from"]
    person = PersonRef(
        platform=TEAMS_PLATFORM,
        workspace=tenant,
        user_id=sender["id"],
        display_name=str(sender.get("name") or ""),
        timezone=activity.get("localTimezone") or None,
    )
    conversation = conversation_ref(activity, tenant)
    activity_id = activity.get("id")
    return MessageReceived(
        person=person,
        conversation=conversation,
        event_id=f"teams:{activity_id}" if activity_id else None,
        text=text.strip(),
        message_ref=(
            MessageRef(TEAMS_PLATFORM, conversation.conversation_id, str(activity_id))
            if activity_id
            else None
        ),
    )
