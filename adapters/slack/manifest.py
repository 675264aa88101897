"""The Slack app manifest: paste `manifest_yaml(...)` into "Create app from manifest".

It asks for only the scopes the adapter uses:
- chat:write: post and update messages, in DMs and in a leaders' channel the bot was
  invited to (so neither channels:read nor chat:write.public);
- im:history, im:read, im:write: read and open the direct messages people have with it;
- app_mentions:read: "@Thrive ..." in a channel;
- commands: /thrive and the two shortcuts;
- users:read: users.info for a person's time zone, and the user_change event.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.messages import Say

SLASH_COMMAND = "/thrive"
SHARE_IDEA_CALLBACK = "thrive.share_idea"
MESSAGE_TO_IDEA_CALLBACK = "thrive.message_to_idea"
EVENTS_PATH = "/slack/events"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"

BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
)
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im", "user_change")

MAX_APP_NAME = 35
MAX_BOT_DISPLAY_NAME = 80
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DISPLAY_NAME_DISALLOWED = re.compile(r"[^a-z0-9._-]+")

BACKGROUND_COLOR = "#2e6f5e"


def build_manifest(public_url: str, app_name: str = "Thrive", *, say: Say) -> dict[str, Any]:
    """The manifest for an app served at `public_url` (Slack posts to {public_url}/slack/...).
    Its descriptions are the copy's (`slack.app.*`), so an organisation can reword them."""
    base = _base_url(public_url)
    name = app_name.strip()
    if not name or len(name) > MAX_APP_NAME:
        raise ValueError(f"app name must be 1 to {MAX_APP_NAME} characters, got {app_name!r}")
    events_url = base + EVENTS_PATH
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": say("slack.app.description"),
            "background_color": BACKGROUND_COLOR,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": _bot_display_name(name), "always_online": False},
            "slash_commands": [
                {
                    "command": SLASH_COMMAND,
                    "url": events_url,
                    "description": say("slack.app.command", name=name),
                    "usage_hint": say("slack.app.usage_hint"),
                    "should_escape": False,
                }
            ],
            "shortcuts": [
                {
                    "name": say("slack.app.share_idea"),
                    "type": "global",
                    "callback_id": SHARE_IDEA_CALLBACK,
                    "description": say("slack.app.share_idea_description"),
                },
                {
                    "name": say("slack.app.message_to_idea", name=name),
                    "type": "message",
                    "callback_id": MESSAGE_TO_IDEA_CALLBACK,
                    "description": say("slack.app.message_to_idea_description"),
                },
            ],
        },
        "oauth_config": {
            "redirect_urls": [base + OAUTH_REDIRECT_PATH],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": events_url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": events_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(public_url: str, app_name: str = "Thrive", *, say: Say) -> str:
    """`build_manifest` as YAML, in the manifest's own key order."""
    return yaml.safe_dump(
        build_manifest(public_url, app_name, say=say),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def _base_url(public_url: str) -> str:
    """`public_url` without trailing slashes; ValueError unless https (or http on localhost)
    with a host and no query, fragment or credentials."""
    url = public_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError as error:
        raise ValueError(f"public URL {public_url!r} is not a valid URL: {error}") from error
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(
            f"public URL {public_url!r} must look like https://thrive.example.org "
            "(Slack only calls https URLs)"
        )
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise ValueError(
            f"public URL {public_url!r} must use https; http is allowed only for "
            "localhost or 127.0.0.1"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"public URL {public_url!r} must not have a query, fragment or credentials"
        )
    if any(char.isspace() for char in url):
        raise ValueError(f"public URL {public_url!r} must not contain spaces")
    if parts.path.endswith((EVENTS_PATH, OAUTH_REDIRECT_PATH)):
        raise ValueError(
            f"public URL {public_url!r} should be the server's base URL, without "
            f"{parts.path!r}: the manifest adds the /slack/... paths itself"
        )
    return url


def _bot_display_name(app_name: str) -> str:
    """Slack allows a-z, 0-9, '-', '_' and '.' in a bot user's display name."""
    slug = _DISPLAY_NAME_DISALLOWED.sub("-", app_name.lower()).strip("-._")
    return slug[:MAX_BOT_DISPLAY_NAME] or "thrive"
