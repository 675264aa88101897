"""Teams activities -> the core's neutral events. Pure functions: no I/O, easy to test.

- a personal-chat `message` with text -> MessageReceived;
- a channel (or group chat) `message` that @mentions the bot -> CommandInvoked, its
  mention stripped; the adapter decides where the person hears back (their 1:1 chat);
- an Adaptive Card Action.Submit (a `message` with `value`, no text) and an
  Action.Execute (`invoke` named adaptiveCard/action) -> ActionInvoked;
- a personal-chat message edited (`messageUpdate`) -> MessageEdited, so the answer it
  carried follows the edit, redacted again;
- the bot added to a personal chat (`conversationUpdate`) -> MemberAdded, the welcome;
  removed from it -> ProfileChanged(deactivated), so nobody is prompted into an
  uninstalled app.
Everything else (reactions, typing, other people joining a team) maps to nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import structlog

from adapters.json_guard import BadJson, NoneType, Shape, check_shape
from adapters.teams.card_forms import parse_execute, parse_submission
from bot.events import (
    ActionInvoked,
    CommandInvoked,
    ConversationRef,
    MemberAdded,
    MessageEdited,
    MessageReceived,
    MessageRef,
    PersonRef,
    ProfileChanged,
)

log = structlog.get_logger(__name__)

TEAMS_PLATFORM = "teams"
# A tenant-less activity (the Emulator) still needs a workspace to file people under.
NO_TENANT = "no-tenant"
# An action id no handler has: the core answers it with its polite "that no longer
# works" (copy.yaml), and stores nothing.
UNREADABLE_SUBMISSION = "teams.unreadable_submission"
PERSONAL = "personal"
EXECUTE_INVOKE = "adaptiveCard/action"
# The person edited a message they sent (Teams: activity type and channelData.eventType).
MESSAGE_UPDATE = "messageUpdate"
EDIT_MESSAGE = "editMessage"
# A channel thread's conversation id is the channel's plus ";messageid=<root>".
THREAD_SUFFIX = ";messageid="
_AT = re.compile(r"</?at>")


class UnusableActivity(ValueError):
    """An activity missing what a reply needs (serviceUrl, conversation, from): a 400."""


_ACCOUNT: Shape = {
    "id": (str,),
    "name": (str, NoneType),
    "aadObjectId": (str, NoneType),
    "email": (str, NoneType),
    "userPrincipalName": (str, NoneType),
    "role": (str, NoneType),
}
_CONVERSATION: Shape = {
    "id": (str,),
    "conversationType": (str, NoneType),
    "tenantId": (str, NoneType),
    "isGroup": (bool, NoneType),
    "name": (str, NoneType),
}
_CHANNEL_DATA: Shape = {"tenant": ({"id": (str, NoneType)}, NoneType)}
_ENTITY: Shape = {"type": (str,), "text": (str, NoneType), "mentioned": (_ACCOUNT, NoneType)}
# The fields mapping and botbuilder read; present ones must have these types.
ACTIVITY: Shape = {
    "type": (str,),
    "id": (str, NoneType),
    "name": (str, NoneType),
    "serviceUrl": (str,),
    "channelId": (str, NoneType),
    "timestamp": (str, NoneType),
    "localTimestamp": (str, NoneType),
    "localTimezone": (str, NoneType),
    "locale": (str, NoneType),
    "text": (str, NoneType),
    "textFormat": (str, NoneType),
    "replyToId": (str, NoneType),
    "from": (_ACCOUNT,),
    "recipient": (_ACCOUNT, NoneType),
    "conversation": (_CONVERSATION,),
    "channelData": (_CHANNEL_DATA, NoneType),
    "entities": ([_ENTITY], NoneType),
    "membersAdded": ([_ACCOUNT], NoneType),
    "membersRemoved": ([_ACCOUNT], NoneType),
    "attachments": (list, NoneType),
}


def check_activity(body: object) -> Mapping[str, Any]:
    """The parsed JSON body, if it is an activity we could answer at all."""
    if not isinstance(body, Mapping):
        raise UnusableActivity("body is not a JSON object")
    try:
        check_shape(body, ACTIVITY, "activity")
    except BadJson as problem:
        raise UnusableActivity(problem.detail) from None
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
    tenant = _field(activity, "conversation", "tenantId") or _field(
        activity, "channelData", "tenant", "id"
    )
    return str(tenant or default or NO_TENANT)


def _field(data: object, *path: str) -> object:
    """data[path[0]][path[1]]..., or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def conversation_type(activity: Mapping[str, Any]) -> str:
    """As Teams says; when it says nothing (the Emulator), a team channel's id still
    gives it away, so a channel is never taken for someone's private chat."""
    stated = activity["conversation"].get("conversationType")
    if isinstance(stated, str) and stated:
        return stated
    return "channel" if str(activity["conversation"]["id"]).startswith("19:") else PERSONAL


def is_personal(activity: Mapping[str, Any]) -> bool:
    return conversation_type(activity) == PERSONAL


def conversation_id(activity: Mapping[str, Any]) -> str:
    """The conversation as the bot posts and updates in it: a channel, not one thread."""
    raw = str(activity["conversation"]["id"])
    return raw if is_personal(activity) else raw.split(THREAD_SUFFIX, 1)[0]


def conversation_ref(activity: Mapping[str, Any], tenant: str) -> ConversationRef:
    """What a proactive send needs later: botbuilder's ConversationReference fields."""
    recipient = activity.get("recipient") or {}
    data = {
        "service_url": activity["serviceUrl"],
        "channel_id": activity.get("channelId") or "msteams",
        "bot_id": recipient.get("id", ""),
        "bot_name": recipient.get("name", ""),
        "conversation_type": conversation_type(activity),
    }
    if is_personal(activity):  # whose 1:1 chat: the other member is the person
        data["user_id"] = activity["from"]["id"]
    return ConversationRef(TEAMS_PLATFORM, tenant, conversation_id(activity), data)


def personal_ref(service_ref: ConversationRef, conversation: str, user_id: str) -> ConversationRef:
    """A person's 1:1 chat, opened by the bot, on the same service as `service_ref`."""
    data = {**service_ref.data, "conversation_type": PERSONAL, "user_id": user_id}
    return ConversationRef(TEAMS_PLATFORM, service_ref.workspace, conversation, data)


def message_received(activity: Mapping[str, Any], tenant: str) -> MessageReceived | None:
    """A personal-chat text message; None for anything else."""
    if activity.get("type") != "message" or not is_personal(activity):
        return None
    text = activity.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    conversation = conversation_ref(activity, tenant)
    activity_id = activity.get("id")
    words, mentions = people_mentioned(activity, tenant, text.strip())
    return MessageReceived(
        person=_person(activity, tenant),
        conversation=conversation,
        event_id=_event_id(activity),
        text=words,
        mentions=mentions,
        message_ref=(
            MessageRef(TEAMS_PLATFORM, conversation.conversation_id, str(activity_id))
            if activity_id
            else None
        ),
    )


def edited_message(activity: Mapping[str, Any], tenant: str) -> MessageEdited | None:
    """A personal-chat message the person edited (`messageUpdate`, event type
    `editMessage`): the core changes the answer it carried, redacted again. None for
    anything else (an undelete, a channel, no words)."""
    if activity.get("type") != MESSAGE_UPDATE or not is_personal(activity):
        return None
    if _field(activity, "channelData", "eventType") not in (None, EDIT_MESSAGE):
        return None
    text, message_id = activity.get("text"), activity.get("id")
    if not isinstance(text, str) or not text.strip() or not message_id:
        return None
    conversation = conversation_ref(activity, tenant)
    words, _mentions = people_mentioned(activity, tenant, text.strip())
    # The edit keeps the message's id: the ledger tells edits apart by their time.
    stamp = activity.get("timestamp") or activity.get("localTimestamp")
    return MessageEdited(
        person=_person(activity, tenant),
        conversation=conversation,
        event_id=f"teams:{message_id}:edited:{stamp}" if isinstance(stamp, str) else None,
        message_ref=MessageRef(TEAMS_PLATFORM, conversation.conversation_id, str(message_id)),
        text=words,
    )


def mention_text(activity: Mapping[str, Any]) -> str | None:
    """The words of a channel or group message addressed to the bot, its @mention taken
    out; None if the bot is not mentioned (channel chatter is not for us)."""
    if activity.get("type") != "message" or is_personal(activity):
        return None
    bot_id = (activity.get("recipient") or {}).get("id")
    text = activity.get("text")
    if not bot_id or not isinstance(text, str):
        return None
    ours = [
        entity
        for entity in activity.get("entities") or ()
        if isinstance(entity, Mapping)
        and entity.get("type") == "mention"
        and isinstance(entity.get("mentioned"), Mapping)
        and entity["mentioned"].get("id") == bot_id
    ]
    if not ours:
        return None
    for entity in ours:  # only the bot's mention: other people's names stay as written
        mention = entity.get("text")
        if isinstance(mention, str) and mention:
            text = text.replace(mention, " ")
    # Channel messages arrive as HTML-ish text ("&nbsp;", "&amp;").
    return " ".join(html.unescape(text).split())


def channel_command(
    activity: Mapping[str, Any], tenant: str, words: str, reply_to: ConversationRef
) -> CommandInvoked:
    """A mention as a command, answered in `reply_to` (the person's 1:1 chat), so a
    channel never becomes the place the person is prompted."""
    text, mentions = people_mentioned(activity, tenant, words)
    return CommandInvoked(
        person=_person(activity, tenant),
        conversation=reply_to,
        event_id=_event_id(activity),
        text=text,
        mentions=mentions,
    )


def people_mentioned(
    activity: Mapping[str, Any], tenant: str, text: str
) -> tuple[str, tuple[PersonRef, ...]]:
    """`text` with each person's `<at>Name</at>` written "@Name", and those people in
    order, from the activity's mention entities (the bot's own is not a person's)."""
    bot_id = (activity.get("recipient") or {}).get("id")
    found: dict[str, PersonRef] = {}
    for entity in activity.get("entities") or ():
        if not isinstance(entity, Mapping) or entity.get("type") != "mention":
            continue
        mentioned, markup = entity.get("mentioned"), entity.get("text")
        if not isinstance(mentioned, Mapping) or not isinstance(markup, str) or not markup:
            continue
        user_id = mentioned.get("id")
        if not isinstance(user_id, str) or not user_id or user_id == bot_id:
            continue
        if markup not in text:
            continue
        name = str(mentioned.get("name") or _AT.sub("", markup)).strip()
        text = text.replace(markup, f"@{name}")
        found.setdefault(user_id, PersonRef(TEAMS_PLATFORM, tenant, user_id, display_name=name))
    return text, tuple(found.values())


def installation(activity: Mapping[str, Any], tenant: str) -> MemberAdded | ProfileChanged | None:
    """The bot added to (MemberAdded) or removed from (ProfileChanged) a person's 1:1
    chat. A team install is not a person's: the adapter only saves where it is."""
    if activity.get("type") != "conversationUpdate" or not is_personal(activity):
        return None
    bot_id = (activity.get("recipient") or {}).get("id")
    added = _member_ids(activity.get("membersAdded"))
    removed = _member_ids(activity.get("membersRemoved"))
    person = _person(activity, tenant)
    if bot_id in added:
        return MemberAdded(
            person=person,
            conversation=conversation_ref(activity, tenant),
            event_id=_event_id(activity),
        )
    if bot_id in removed:
        return ProfileChanged(
            person=person,
            conversation=conversation_ref(activity, tenant),
            event_id=_event_id(activity),
            deactivated=True,
        )
    return None


def is_execute(activity: Mapping[str, Any]) -> bool:
    return activity.get("type") == "invoke" and activity.get("name") == EXECUTE_INVOKE


def execute_invoked(
    activity: Mapping[str, Any], tenant: str, reply_to: ConversationRef
) -> ActionInvoked:
    """An Action.Execute press; a card that is not ours becomes UNREADABLE_SUBMISSION."""
    value = activity.get("value")
    action = value.get("action") if isinstance(value, Mapping) else None
    try:
        if not isinstance(action, Mapping) or action.get("type") != "Action.Execute":
            raise ValueError("invoke carries no Action.Execute")
        action_id, chosen, fields = parse_execute(action.get("verb"), action.get("data"))
    except ValueError as problem:
        log.info("teams.unreadable_execute", reason=str(problem))
        action_id, chosen, fields = UNREADABLE_SUBMISSION, "", {}
    return ActionInvoked(
        person=_person(activity, tenant),
        conversation=reply_to,
        event_id=_event_id(activity),
        action_id=action_id,
        value=chosen,
        fields=fields,
        message_ref=pressed_card(activity),
    )


def pressed_card(activity: Mapping[str, Any]) -> MessageRef | None:
    """The card a press was made on: Teams sets replyToId to its activity id."""
    pressed_on = activity.get("replyToId")
    if not isinstance(pressed_on, str) or not pressed_on:
        return None
    return MessageRef(TEAMS_PLATFORM, conversation_id(activity), pressed_on)


def is_submission(activity: Mapping[str, Any]) -> bool:
    """An Adaptive Card Action.Submit: a message carrying `value` and no typed text."""
    text = activity.get("text")
    return (
        activity.get("type") == "message"
        and activity.get("value") is not None
        and not (isinstance(text, str) and text.strip())
    )


def action_invoked(
    activity: Mapping[str, Any], tenant: str, reply_to: ConversationRef | None = None
) -> ActionInvoked | None:
    """A card press as ActionInvoked; a value that is not one of our cards becomes the
    UNREADABLE_SUBMISSION action, so the person still hears back. None if not a submit.
    `reply_to`: where the person hears back, when not where they pressed (a channel)."""
    if not is_submission(activity):
        return None
    try:
        action_id, value, fields = parse_submission(activity["value"])
    except ValueError as problem:
        log.info("teams.unreadable_submission", reason=str(problem))
        action_id, value, fields = UNREADABLE_SUBMISSION, "", {}
    return ActionInvoked(
        person=_person(activity, tenant),
        conversation=reply_to or conversation_ref(activity, tenant),
        event_id=_event_id(activity),
        action_id=action_id,
        value=value,
        fields=fields,
        # The card pressed on: the message to replace once answered.
        message_ref=pressed_card(activity),
    )


def _person(activity: Mapping[str, Any], tenant: str) -> PersonRef:
    sender = activity["from"]
    # Teams rarely puts an address here (TeamsInfo.get_member would); take it when it does.
    email = sender.get("email") or sender.get("userPrincipalName")
    return PersonRef(
        platform=TEAMS_PLATFORM,
        workspace=tenant,
        user_id=sender["id"],
        display_name=str(sender.get("name") or ""),
        timezone=activity.get("localTimezone") or None,
        email=email if isinstance(email, str) and "@" in email else None,
    )


def _member_ids(members: object) -> set[str]:
    if not isinstance(members, list):
        return set()
    return {str(m["id"]) for m in members if isinstance(m, Mapping) and m.get("id")}


def _event_id(activity: Mapping[str, Any]) -> str | None:
    activity_id = activity.get("id")
    return f"teams:{activity_id}" if activity_id else None
