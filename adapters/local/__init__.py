"""The local web chat: the embedded default platform, no Slack or Teams account needed."""

from adapters.local.adapter import LOCAL_PLATFORM, LOCAL_WORKSPACE, LocalChatAdapter

__all__ = ["LOCAL_PLATFORM", "LOCAL_WORKSPACE", "LocalChatAdapter"]
