"""Slack payloads -> the core's neutral events. Pure functions: no I/O, easy to test.

A person's stored conversation is always their DM with the bot (conversation
id = their user id; the DM channel id, once known, rides in `data`), so a
mention in a channel or a slash command never redirects later prompts there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.blocks import decode_action_id
from bot.events import (
    ActionInvoked,
    CommandInvoked,
    ConversationRef,
    MessageEdited,
    MessageReceived,
    MessageRef,
    PersonRef,
)

SLACK_PLATFORM = "slack"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_PERSON_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")


class UnusablePayload(ValueError):
    """A payload missing what the core needs (a user, a team): answered 400 and logged."""


@dataclass(frozen=True)
class Profile:
    """What users.info told us about a person, cached per process."""

    timezone: str | None
    display_name: str
    email: str | None = None  # only with the users:read.email scope


def profile_of(user: Mapping[str, Any]) -> Profile:
    """A users.info `user` (or a user_change event's) as the Profile we keep."""
    details = user.get("profile")
    email = details.get("email") if isinstance(details, Mapping) else None
    return Profile(
        timezone=user.get("tz"),
        display_name=str(user.get("real_name") or user.get("name") or ""),
        email=email if isinstance(email, str) and email else None,
    )


def person_ref(team_id: str, user_id: str, profile: Profile | None = None) -> PersonRef:
    if not team_id or not user_id:
        raise UnusablePayload("payload has no team or user")
    return PersonRef(
        platform=SLACK_PLATFORM,
        workspace=team_id,
        user_id=user_id,
        display_name=profile.display_name if profile else "",
        timezone=profile.timezone if profile else None,
        email=profile.email if profile else None,
    )


def people_mentioned(
    team_id: str, text: str, bot_user_id: str | None = None
) -> tuple[str, tuple[PersonRef, ...]]:
    """The text with each person's `<@U123>` (or `<@U123|name>`) written "@name" (or
    "@U123"), and those people in order; the bot's own mention is left alone."""
    found: dict[str, PersonRef] = {}

    def plain(match: re.Match[str]) -> str:
        user_id, name = match.group(1), match.group(2) or ""
        if user_id == bot_user_id:
            return match.group(0)
        found.setdefault(user_id, PersonRef(SLACK_PLATFORM, team_id, user_id, display_name=name))
        return f"@{name or user_id}"

    return _PERSON_MENTION.sub(plain, text), tuple(found.values())


def dm_ref(team_id: str, user_id: str, dm_channel: str | None = None) -> ConversationRef:
    data = {"channel": dm_channel} if dm_channel else {}
    return ConversationRef(SLACK_PLATFORM, team_id, user_id, data)


def channel_ref(team_id: str, channel: str, thread_ts: str | None = None) -> ConversationRef:
    """Where replies to a channel mention go: that channel, in the mention's thread."""
    data: dict[str, Any] = {"channel": channel}
    if thread_ts:
        data["thread_ts"] = thread_ts
    return ConversationRef(SLACK_PLATFORM, team_id, f"channel:{channel}", data)


def is_own_message(event: Mapping[str, Any], bot_user_id: str | None, bot_id: str | None) -> bool:
    """The bot's own posts come back as events: never treat them as a person talking.

    Checked on bot_id / app_id / the bot user, not only the subtype, because
    messages posted with a bot token carry no `bot_message` subtype.
    """
    inner = event.get("message") if event.get("subtype") == "message_changed" else event
    if not isinstance(inner, Mapping):
        return False
    if inner.get("bot_id") or inner.get("subtype") == "bot_message":
        return True
    if bot_id and inner.get("bot_id") == bot_id:
        return True
    return bool(bot_user_id and inner.get("user") == bot_user_id)


def strip_mention(text: str, bot_user_id: str | None = None) -> str:
    """Remove the @-mention of the bot (and only that); keep every other word as written."""
    if bot_user_id:
        bot = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>")
        return bot.sub("", text, count=1).strip()
    return _MENTION.sub("", text, count=1).strip()


def direct_message(
    team_id: str,
    event: Mapping[str, Any],
    event_id: str | None,
    profile: Profile | None,
    bot_user_id: str | None = None,
) -> MessageReceived:
    user = str(event.get("user") or "")
    channel = str(event.get("channel") or "")
    thread_ts = event.get("thread_ts")
    reply_to = (
        MessageRef(SLACK_PLATFORM, channel, str(thread_ts))
        if thread_ts and thread_ts != event.get("ts")
        else None
    )
    text, mentions = people_mentioned(team_id, str(event.get("text") or ""), bot_user_id)
    return MessageReceived(
        person=person_ref(team_id, user, profile),
        conversation=dm_ref(team_id, user, channel),
        event_id=event_id,
        text=text,
        message_ref=MessageRef(SLACK_PLATFORM, channel, str(event.get("ts") or "")),
        in_reply_to=reply_to,
        mentions=mentions,
    )


def edited_message(
    team_id: str, event: Mapping[str, Any], event_id: str | None
) -> MessageEdited | None:
    inner = event.get("message")
    if not isinstance(inner, Mapping) or not inner.get("user"):
        return None
    previous = event.get("previous_message")
    previous_text = previous.get("text") if isinstance(previous, Mapping) else None
    # Slack also sends message_changed for link unfurls and attachments: only a real edit
    # (marked `edited`, with new words) changes an answer.
    if not inner.get("edited") or inner.get("text") == previous_text:
        return None
    channel = str(event.get("channel") or "")
    user = str(inner["user"])
    return MessageEdited(
        person=person_ref(team_id, user),
        conversation=dm_ref(team_id, user, channel),
        event_id=event_id,
        message_ref=MessageRef(SLACK_PLATFORM, channel, str(inner.get("ts") or "")),
        text=str(inner.get("text") or ""),
    )


def mention_command(
    team_id: str,
    event: Mapping[str, Any],
    event_id: str | None,
    profile: Profile | None,
    bot_user_id: str | None = None,
) -> CommandInvoked:
    user = str(event.get("user") or "")
    words = strip_mention(str(event.get("text") or ""), bot_user_id)
    text, mentions = people_mentioned(team_id, words, bot_user_id)
    return CommandInvoked(
        person=person_ref(team_id, user, profile),
        conversation=dm_ref(team_id, user),
        event_id=event_id,
        text=text,
        mentions=mentions,
    )


def block_action(body: Mapping[str, Any], profile: Profile | None) -> ActionInvoked:
    actions = body.get("actions") or []
    if not actions or not isinstance(actions[0], Mapping):
        raise UnusablePayload("block_actions without an action")
    action = actions[0]
    value = action.get("value")
    if value is None and isinstance(action.get("selected_option"), Mapping):
        value = action["selected_option"].get("value")
    team_id, user_id = team_and_user(body)
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    message_ts = container.get("message_ts")
    in_dm = channel.startswith("D")
    return ActionInvoked(
        person=person_ref(team_id, user_id, profile),
        conversation=dm_ref(team_id, user_id, channel if in_dm else None),
        event_id=_press_id(user_id, action),
        action_id=decode_action_id(str(action.get("action_id") or "")),
        value=str(value or ""),
        message_ref=(
            MessageRef(SLACK_PLATFORM, channel, str(message_ts)) if channel and message_ts else None
        ),
    )


def form_submission(
    body: Mapping[str, Any], action_id: str, value: str, fields: Mapping[str, str]
) -> ActionInvoked:
    team_id, user_id = team_and_user(body)
    return ActionInvoked(
        person=person_ref(team_id, user_id),
        conversation=dm_ref(team_id, user_id),
        event_id=None,
        action_id=action_id,
        value=value,
        fields=dict(fields),
    )


def slash_command(body: Mapping[str, Any], profile: Profile | None) -> CommandInvoked:
    team_id = str(body.get("team_id") or "")
    user_id = str(body.get("user_id") or "")
    channel = str(body.get("channel_id") or "")
    text, mentions = people_mentioned(team_id, str(body.get("text") or ""))
    return CommandInvoked(
        person=person_ref(team_id, user_id, profile),
        conversation=dm_ref(team_id, user_id, channel if channel.startswith("D") else None),
        event_id=None,
        text=text,
        mentions=mentions,
    )


def team_and_user(body: Mapping[str, Any]) -> tuple[str, str]:
    """The workspace and person of an interaction (button, modal, shortcut)."""
    user = body.get("user") or {}
    team = body.get("team") or {}
    team_id = str(team.get("id") or user.get("team_id") or "")
    user_id = str(user.get("id") or "")
    if not team_id or not user_id:
        raise UnusablePayload("interaction without a team or user")
    return team_id, user_id


def _press_id(user_id: str, action: Mapping[str, Any]) -> str | None:
    # Slack sends no event id with interactions; a press is identified by its own time,
    # so a retried delivery of the same press is recognised.
    action_ts = action.get("action_ts")
    return f"action:{user_id}:{action_ts}" if action_ts else None
