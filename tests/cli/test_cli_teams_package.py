"""`thrive teams package`: the zip an admin uploads to Teams, or exit 1 and the reason."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from adapters.teams.package import validate_manifest
from tests.cli.thrive_process import clean_env, thrive

BOT_ID = "6f1b2d1e-3c4a-4b5e-9f00-123456789abc"
PUBLIC_URL = "https://thrive.example.org"


def test_it_writes_a_zip_teams_accepts(tmp_path: Path) -> None:
    done = thrive(
        "teams",
        "package",
        "--out",
        "app.zip",
        "--app-id",
        BOT_ID,
        "--public-url",
        PUBLIC_URL,
        "--name",
        "Thrive Riverside",
        "--version",
        "1.2.3",
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert "Wrote app.zip" in done.stdout
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        icons = {name: package.read(name) for name in ("color.png", "outline.png")}
    assert validate_manifest(manifest, icons) == []
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["name"]["short"] == "Thrive Riverside"
    assert manifest["version"] == "1.2.3"
    assert manifest["validDomains"] == ["thrive.example.org"]


def test_the_app_id_and_public_url_can_come_from_the_environment(tmp_path: Path) -> None:
    env = clean_env(THRIVE_TEAMS_APP_ID=BOT_ID, THRIVE_PUBLIC_URL="https://bot.example.com")
    done = thrive("teams", "package", "--out", "thrive.zip", cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "thrive.zip") as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["developer"]["privacyUrl"] == "https://bot.example.com/privacy"


def test_a_bad_app_id_exits_1_with_the_reason_and_writes_nothing(tmp_path: Path) -> None:
    done = thrive(
        "teams",
        "package",
        "--out",
        "app.zip",
        "--app-id",
        "thrive-bot",
        "--public-url",
        PUBLIC_URL,
        cwd=tmp_path,
    )

    assert done.returncode == 1
    assert "bots[0].botId 'thrive-bot' is not a GUID" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_public_url_exits_1_and_says_what_to_give(tmp_path: Path) -> None:
    done = thrive("teams", "package", "--out", "app.zip", "--app-id", BOT_ID, cwd=tmp_path)

    assert done.returncode == 1
    assert "No public URL: give --public-url (or set THRIVE_PUBLIC_URL)" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_app_id_and_an_http_url_are_each_reported(tmp_path: Path) -> None:
    missing = thrive(
        "teams", "package", "--out", "app.zip", "--public-url", PUBLIC_URL, cwd=tmp_path
    )
    plain_http = thrive(
        "teams",
        "package",
        "--out",
        "app.zip",
        "--app-id",
        BOT_ID,
        "--public-url",
        "http://thrive.example.org",
        cwd=tmp_path,
    )

    assert missing.returncode == 1
    assert "No bot app id: give --app-id (or set THRIVE_TEAMS_APP_ID)" in missing.stderr
    assert plain_http.returncode == 1
    assert plain_http.stderr.count("must be an https URL") == 3
    assert list(tmp_path.iterdir()) == []
