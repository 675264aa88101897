"""Teams activities -> the core's neutral events. Pure functions: no I/O, easy to test.

Mapped so far: a personal-chat `message` with text (MessageReceived) and an Adaptive
Card Action.Submit, i.e. a `message` with a `value` object and no text (ActionInvoked).
Channel @mentions, Execute invokes and installs are later work (issue 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from adapters.teams.card_forms import parse_submission
from bot.events import ActionInvoked, ConversationRef, MessageReceived, MessageRef, PersonRef

log = structlog.get_logger(__name__)

TEAMS_PLATFORM = "teams"
# A tenant-less activity (the Emulator) still needs a workspace to file people under.
NO_TENANT = "no-tenant"
# An action id no handler has: the core answers it with its polite "that no longer
# works" (copy.yaml), and stores nothing.
UNREADABLE_SUBMISSION = "teams.unreadable_submission"


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
    conversation = conversation_ref(activity, tenant)
    activity_id = activity.get("id")
    return MessageReceived(
        person=_person(activity, tenant),
        conversation=conversation,
        event_id=_event_id(activity),
        text=text.strip(),
        message_ref=(
            MessageRef(TEAMS_PLATFORM, conversation.conversation_id, str(activity_id))
            if activity_id
            else None
        ),
    )


def is_submission(activity: Mapping[str, Any]) -> bool:
    """An Adaptive Card Action.Submit: a message carrying `value` and no typed text."""
    text = activity.get("text")
    return (
        activity.get("type") == "message"
        and activity.get("value") is not None
        and not (isinstance(text, str) and text.strip())
    )


def action_invoked(activity: Mapping[str, Any], tenant: str) -> ActionInvoked | None:
    """A card press as ActionInvoked; a value that is not one of our cards becomes the
    UNREADABLE_SUBMISSION action, so the person still hears back. None if not a submit."""
    if not is_submission(activity):
        return None
    try:
        action_id, value, fields = parse_submission(activity["value"])
    except ValueError as problem:
        log.info("teams.unreadable_submission", reason=str(problem))
        action_id, value, fields = UNREADABLE_SUBMISSION, "", {}
    conversation = conversation_ref(activity, tenant)
    # Teams sets replyToId to the card's activity id: the message to replace once answered.
    pressed_on = activity.get("replyToId")
    return ActionInvoked(
        person=_person(activity, tenant),
        conversation=conversation,
        event_id=_event_id(activity),
        action_id=action_id,
        value=value,
        fields=fields,
        message_ref=(
            MessageRef(TEAMS_PLATFORM, conversation.conversation_id, str(pressed_on))
            if isinstance(pressed_on, str) and pressed_on
            else None
        ),
    )


def _person(activity: Mapping[str, Any], tenant: str) -> PersonRef:
    sender = activity["from"]
    return PersonRef(
        platform=TEAMS_PLATFORM,
        workspace=tenant,
        user_id=sender["id"],
        display_name=str(sender.get("name") or ""),
        timezone=activity.get("localTimezone") or None,
    )


def _event_id(activity: Mapping[str, Any]) -> str | None:
    activity_id = activity.get("id")
    return f"teams:{activity_id}" if activity_id else None
