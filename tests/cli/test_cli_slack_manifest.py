"""`thrive slack manifest`: what an admin pastes into Slack's "Create app from a manifest"."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.thrive_process import clean_env, thrive


def test_the_manifest_is_yaml_slack_accepts_with_every_url_on_the_public_host(
    tmp_path: Path,
) -> None:
    done = thrive("slack", "manifest", "--public-url", "https://thrive.example.org", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    manifest = yaml.safe_load(done.stdout)
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == (
        "https://thrive.example.org/slack/events"
    )
    assert settings["interactivity"]["request_url"] == "https://thrive.example.org/slack/events"
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/thrive"]
    assert "chat:write" in manifest["oauth_config"]["scopes"]["bot"]


def test_the_public_url_can_come_from_the_environment(tmp_path: Path) -> None:
    done = thrive(
        "slack",
        "manifest",
        cwd=tmp_path,
        env=clean_env(THRIVE_PUBLIC_URL="https://bot.example.com"),
    )

    assert done.returncode == 0, done.stderr
    assert "https://bot.example.com/slack/events" in done.stdout


def test_without_a_usable_public_url_it_says_what_is_missing(tmp_path: Path) -> None:
    missing = thrive("slack", "manifest", cwd=tmp_path, env=clean_env())
    plain_http = thrive("slack", "manifest", "--public-url", "http://example.org", cwd=tmp_path)

    assert missing.returncode == 2 and "--public-url" in missing.stderr
    assert plain_http.returncode == 2 and "https" in plain_http.stderr
