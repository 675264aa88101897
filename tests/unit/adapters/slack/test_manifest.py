"""The Slack app manifest: only the scopes and events the adapter uses, every URL on the
public server, and YAML that Slack's "Create app from manifest" reads back the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from adapters.slack.manifest import build_manifest, manifest_yaml
from prompts import load_content

SAY = load_content().copy.text
PUBLIC_URL = "https://thrive.example.org"


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_asks_for_exactly_the_scopes_it_uses() -> None:
    scopes = build_manifest(PUBLIC_URL, say=SAY)["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}
    assert sorted(scopes["bot"]) == [
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "users:read",
    ]
    assert len(scopes["bot"]) == len(set(scopes["bot"]))


def test_subscribes_to_exactly_the_events_it_handles() -> None:
    events = build_manifest(PUBLIC_URL, say=SAY)["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == ["app_home_opened", "app_mention", "message.im", "user_change"]


def test_every_url_is_on_the_public_server() -> None:
    manifest = build_manifest(PUBLIC_URL, say=SAY)
    urls = [text for text in _strings(manifest) if "://" in text]
    assert len(urls) == 4  # slash command, redirect, events, interactivity
    assert all(url.startswith(PUBLIC_URL + "/slack/") for url in urls)
    events = f"{PUBLIC_URL}/slack/events"
    assert manifest["features"]["slash_commands"][0]["url"] == events
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events
    assert manifest["settings"]["interactivity"]["request_url"] == events
    assert manifest["oauth_config"]["redirect_urls"] == [f"{PUBLIC_URL}/slack/oauth_redirect"]


def test_features_and_settings() -> None:
    manifest = build_manifest(PUBLIC_URL, say=SAY)
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}
    info = manifest["display_information"]
    assert info["name"] == "Thrive"
    assert 0 < len(info["description"]) <= 140
    assert info["background_color"].startswith("#")
    features = manifest["features"]
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert features["bot_user"] == {"display_name": "thrive", "always_online": False}
    (command,) = features["slash_commands"]
    assert command["command"] == "/thrive"
    assert command["usage_hint"] == (
        "help | idea <text> | snooze 2h | pause | resume | my answers | forget me"
    )
    assert command["should_escape"] is False
    assert command["description"]
    shortcuts = {(s["type"], s["callback_id"]): s["name"] for s in features["shortcuts"]}
    assert shortcuts == {
        ("global", "thrive.share_idea"): "Share an idea",
        ("message", "thrive.message_to_idea"): "Send to Thrive as an idea",
    }
    assert all(0 < len(s["description"]) <= 150 for s in features["shortcuts"])
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_yaml_round_trips_to_the_same_manifest() -> None:
    text = manifest_yaml(PUBLIC_URL, say=SAY)
    assert yaml.safe_load(text) == build_manifest(PUBLIC_URL, say=SAY)
    assert text.startswith("_metadata:")


def test_app_name_is_used_and_bot_display_name_is_slack_safe() -> None:
    manifest = build_manifest(PUBLIC_URL, app_name="Thrive (St. Mary's)", say=SAY)
    assert manifest["display_information"]["name"] == "Thrive (St. Mary's)"
    assert manifest["features"]["bot_user"]["display_name"] == "thrive-st.-mary-s"
    assert yaml.safe_load(manifest_yaml(PUBLIC_URL, "Thrive (St. Mary's)", say=SAY)) == manifest


@pytest.mark.parametrize("name", ["", "   ", "x" * 36])
def test_bad_app_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="app name"):
        build_manifest(PUBLIC_URL, app_name=name, say=SAY)


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://thrive.example.org/", "https://thrive.example.org"),
        ("https://thrive.example.org//", "https://thrive.example.org"),
        ("  https://thrive.example.org  ", "https://thrive.example.org"),
        ("https://example.org/thrive/", "https://example.org/thrive"),
        ("https://thrive.example.org:8443", "https://thrive.example.org:8443"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ],
)
def test_public_url_is_normalised(given: str, base: str) -> None:
    manifest = build_manifest(given, say=SAY)
    assert manifest["settings"]["event_subscriptions"]["request_url"] == f"{base}/slack/events"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://thrive.example.org", "must use https"),
        ("http://10.0.0.5:3000", "must use https"),
        ("ftp://thrive.example.org", "must look like https://"),
        ("thrive.example.org", "must look like https://"),
        ("", "must look like https://"),
        ("https://", "must look like https://"),
        ("https://thrive.example.org?team=1", "query"),
        ("https://thrive.example.org/#top", "fragment"),
        ("https://admin:secret@thrive.example.org", "credentials"),
        ("https://thrive.example.org:port", "not a valid URL"),
        ("https://thrive.example.org/a b", "spaces"),
        ("https://thrive.example.org/slack/events", "base URL"),
    ],
)
def test_bad_public_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_manifest(url, say=SAY)
