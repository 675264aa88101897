"""Inbound events: what adapters produce from a platform's payloads.

Plain frozen dataclasses, so adapters and tests build them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PersonRef:
    """Who, on which platform: a Slack user in a workspace, a Teams user in a tenant."""

    platform: str
    workspace: str
    user_id: str
    display_name: str = ""
    timezone: str | None = None
    email: str | None = None  # when the platform tells us


@dataclass(frozen=True)
class ConversationRef:
    """Enough to message the person later; `data` holds platform extras (Teams serviceUrl)."""

    platform: str
    workspace: str
    conversation_id: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "workspace": self.workspace,
            "conversation_id": self.conversation_id,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ConversationRef:
        return cls(
            platform=str(raw["platform"]),
            workspace=str(raw["workspace"]),
            conversation_id=str(raw["conversation_id"]),
            data=dict(raw.get("data") or {}),
        )


@dataclass(frozen=True)
class MessageRef:
    """A message as the platform knows it, so it can be updated later."""

    platform: str
    conversation_id: str
    message_id: str

    def to_dict(self) -> dict[str, str]:
        return {
            "platform": self.platform,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> MessageRef:
        return cls(str(raw["platform"]), str(raw["conversation_id"]), str(raw["message_id"]))

    @property
    def key(self) -> str:
        """One string to find this message by (an indexed column, not JSON matching)."""
        return f"{self.platform}|{self.conversation_id}|{self.message_id}"


@dataclass(frozen=True)
class InboundEvent:
    person: PersonRef
    conversation: ConversationRef
    # The platform's id for this event; a repeat of a handled id is ignored.
    event_id: str | None = None


@dataclass(frozen=True)
class MessageReceived(InboundEvent):
    text: str = ""
    message_ref: MessageRef | None = None
    # The bot message this one replies to (a thread reply), if the platform says so.
    in_reply_to: MessageRef | None = None
    # People @mentioned in it (never the bot), in order. The adapter writes each one in
    # `text` as "@" and their name (or user id), whatever the platform's own markup.
    mentions: tuple[PersonRef, ...] = ()


@dataclass(frozen=True)
class MessageEdited(InboundEvent):
    """The person edited a message they sent earlier (an answer, perhaps)."""

    message_ref: MessageRef | None = None
    text: str = ""


@dataclass(frozen=True)
class ProfileChanged(InboundEvent):
    """The platform reports a change to the person: a new time zone, or deactivation."""

    deactivated: bool = False


@dataclass(frozen=True)
class ActionInvoked(InboundEvent):
    """A button press, a select, or a submitted form (`fields`)."""

    action_id: str = ""
    value: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    message_ref: MessageRef | None = None


@dataclass(frozen=True)
class CommandInvoked(InboundEvent):
    """A slash command (or its equivalent); `text` follows the chat command grammar."""

    text: str = ""
    mentions: tuple[PersonRef, ...] = ()  # as in MessageReceived


@dataclass(frozen=True)
class HomeOpened(InboundEvent):
    pass


@dataclass(frozen=True)
class MemberAdded(InboundEvent):
    pass
