"""The Teams app package: a manifest Teams accepts, every rule it enforces reported with its
reason, icons of the right size and kind, and a zip with the three files at its root."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from adapters.teams.icons import color_icon, outline_icon
from adapters.teams.package import (
    ACCENT_COLOR,
    SCHEMA_URL,
    app_id_for,
    build_icons,
    build_manifest,
    validate_manifest,
    write_package,
)
from prompts import load_content

SAY = load_content().copy.text
BOT_ID = "6f1b2d1e-3c4a-4b5e-9f00-123456789abc"
PUBLIC_URL = "https://thrive.example.org"


def _manifest(**overrides: str) -> dict[str, Any]:
    return build_manifest(
        overrides.get("app_id", BOT_ID),
        overrides.get("public_url", PUBLIC_URL),
        say=SAY,
        name=overrides.get("name", "Thrive"),
        version=overrides.get("version", "1.0.0"),
    )


def _problems(manifest: dict[str, Any], icons: dict[str, bytes] | None = None) -> list[str]:
    return validate_manifest(manifest, build_icons(manifest) if icons is None else icons)


def _png(mode: str, size: int, color: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_built_manifest_passes_validation() -> None:
    assert _problems(_manifest()) == []


def test_the_manifest_names_the_bot_the_scopes_and_the_three_commands() -> None:
    manifest = _manifest()
    assert manifest["$schema"] == SCHEMA_URL
    assert manifest["manifestVersion"] == "1.17"
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert bot["scopes"] == ["personal", "team"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    (command_list,) = bot["commandLists"]
    assert command_list["scopes"] == ["personal", "team"]
    assert [c["title"] for c in command_list["commands"]] == ["help", "idea", "snooze"]
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == ["thrive.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"] == ACCENT_COLOR


def test_every_developer_url_is_https_on_the_public_host() -> None:
    developer = _manifest(public_url=PUBLIC_URL + "/")["developer"]
    assert developer["websiteUrl"] == PUBLIC_URL + "/"
    assert developer["privacyUrl"] == PUBLIC_URL + "/privacy"
    assert developer["termsOfUseUrl"] == PUBLIC_URL + "/terms"


def test_the_app_id_is_stable_per_bot_and_not_the_bot_id() -> None:
    # The same id on every build, so an upload updates the app instead of adding another.
    assert _manifest()["id"] == _manifest(version="2.0.0")["id"] == app_id_for(BOT_ID)
    assert app_id_for(BOT_ID.upper()) == app_id_for(BOT_ID)
    assert _manifest()["id"] != BOT_ID
    assert app_id_for("11111111-2222-3333-4444-555555555555") != app_id_for(BOT_ID)


def test_a_public_url_with_a_port_keeps_it_in_valid_domains() -> None:
    manifest = _manifest(public_url="https://bot.example.com:8443/")
    assert manifest["validDomains"] == ["bot.example.com:8443"]
    assert _problems(manifest) == []


def test_a_bot_id_that_is_not_a_guid_is_refused_with_its_reason() -> None:
    problems = _problems(_manifest(app_id="my-bot"))
    assert len(problems) == 1
    assert "bots[0].botId 'my-bot' is not a GUID" in problems[0]


def test_a_manifest_id_that_is_not_a_guid_is_refused() -> None:
    manifest = _manifest()
    manifest["id"] = "1234"
    assert _problems(manifest) == [
        "id '1234' is not a GUID like 00000000-0000-0000-0000-000000000000"
    ]


def test_a_short_name_over_30_characters_is_refused() -> None:
    problems = _problems(_manifest(name="Thrive for the clinicians of Riverside"))
    assert problems == [
        "name.short is 38 characters; Teams allows at most 30: "
        "'Thrive for the clinicians of Riverside'"
    ]


def test_an_empty_name_is_refused() -> None:
    assert "name.short is empty" in _problems(_manifest(name="  "))


def test_long_descriptions_and_full_name_are_refused() -> None:
    manifest = _manifest()
    manifest["description"]["short"] = "x" * 81
    manifest["description"]["full"] = "x" * 4001
    manifest["name"]["full"] = "x" * 101
    problems = _problems(manifest)
    assert len(problems) == 3
    assert any(p.startswith("description.short is 81 characters") for p in problems)
    assert any(p.startswith("description.full is 4001 characters") for p in problems)
    assert any(p.startswith("name.full is 101 characters") for p in problems)


def test_an_http_public_url_is_refused_for_every_developer_url() -> None:
    problems = _problems(_manifest(public_url="http://thrive.example.org"))
    assert problems == [
        f"developer.{field} {url!r} must be an https URL (Teams refuses http)"
        for field, url in (
            ("websiteUrl", "http://thrive.example.org/"),
            ("privacyUrl", "http://thrive.example.org/privacy"),
            ("termsOfUseUrl", "http://thrive.example.org/terms"),
        )
    ]


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-beta", "01.0.0", ""])
def test_a_version_that_is_not_major_minor_patch_is_refused(version: str) -> None:
    assert _problems(_manifest(version=version)) == [
        f"version {version!r} must be MAJOR.MINOR.PATCH, e.g. 1.0.0"
    ]


def test_a_bad_accent_colour_is_refused() -> None:
    manifest = _manifest()
    manifest["accentColor"] = "green"
    assert _problems(manifest) == [f"accentColor 'green' must be #RRGGBB, e.g. {ACCENT_COLOR}"]


def test_command_limits_are_enforced() -> None:
    manifest = _manifest()
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    commands[0]["title"] = "t" * 33
    commands[1]["description"] = "d" * 129
    commands.extend({"title": f"c{i}", "description": "d"} for i in range(8))
    problems = _problems(manifest)
    assert "bots[0].commandLists[0] has 11 commands; Teams allows 10" in problems
    assert any(p.startswith("bots[0].commandLists[0].commands[0].title is 33") for p in problems)
    assert any(
        p.startswith("bots[0].commandLists[0].commands[1].description is 129") for p in problems
    )
    assert len(problems) == 3


@pytest.mark.parametrize(
    "domain", ["https://thrive.example.org", "thrive.example.org/chat", "", "a b.org"]
)
def test_valid_domains_must_be_bare_host_names(domain: str) -> None:
    manifest = _manifest()
    manifest["validDomains"] = [domain]
    (problem,) = _problems(manifest)
    assert problem.startswith(f"validDomains entry {domain!r} must be a bare host name")


def test_missing_fields_are_reported_not_raised() -> None:
    problems = validate_manifest({}, {})
    assert "id is missing or not a string" in problems
    assert "bots must list exactly one bot" in problems
    assert "icons must name a color and an outline file" in problems


def test_icons_of_the_wrong_size_are_refused() -> None:
    manifest = _manifest()
    icons = {
        "color.png": _png("RGB", 96, (0, 0, 0)),
        "outline.png": _png("RGBA", 20, (255, 255, 255, 0)),
    }
    problems = _problems(manifest, icons)
    assert "color.png is 96x96; Teams needs 192x192" in problems
    assert "outline.png is 20x20; Teams needs 32x32" in problems


def test_an_opaque_outline_icon_is_refused() -> None:
    icons = build_icons(_manifest())
    opaque = {**icons, "outline.png": _png("RGB", 32, (255, 255, 255))}
    filled = {**icons, "outline.png": _png("RGBA", 32, (255, 255, 255, 255))}
    assert _problems(_manifest(), opaque) == [
        "outline.png has no transparency (mode RGB); it must be RGBA"
    ]
    assert _problems(_manifest(), filled) == [
        "outline.png must have a transparent background; its edge is not"
    ]


def test_an_outline_icon_that_is_not_white_or_shows_nothing_is_refused() -> None:
    icons = build_icons(_manifest())
    empty = {**icons, "outline.png": _png("RGBA", 32, (255, 255, 255, 0))}
    image = Image.open(io.BytesIO(icons["outline.png"])).convert("RGBA")
    image.putpixel((16, 16), (200, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    red = {**icons, "outline.png": buffer.getvalue()}
    assert _problems(_manifest(), empty) == ["outline.png is fully transparent: it shows nothing"]
    assert _problems(_manifest(), red) == [
        "outline.png must be white on transparent; it has other colours"
    ]


def test_a_missing_or_unreadable_icon_is_refused() -> None:
    icons = build_icons(_manifest())
    assert _problems(_manifest(), {"color.png": icons["color.png"]}) == [
        "icons.outline names 'outline.png', which is not in the package"
    ]
    broken = {**icons, "color.png": b"not a png"}
    (problem,) = _problems(_manifest(), broken)
    assert problem.startswith("color.png is not a readable image")


def test_a_jpeg_icon_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (192, 192), (46, 111, 94)).save(buffer, format="JPEG")
    icons = {**build_icons(_manifest()), "color.png": buffer.getvalue()}
    assert _problems(_manifest(), icons) == ["color.png must be a PNG, not JPEG"]


def test_the_icons_have_the_sizes_and_modes_teams_asks_for() -> None:
    color = Image.open(io.BytesIO(color_icon(ACCENT_COLOR)))
    outline = Image.open(io.BytesIO(outline_icon()))
    assert (color.format, color.size, color.mode) == ("PNG", (192, 192), "RGB")
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    # Full bleed: the colour icon's corners are the accent colour.
    assert color.getpixel((0, 0)) == (0x2E, 0x6F, 0x5E)
    # A white mark beside the centre (the leaf's vein runs through it), nothing in the
    # outline's corners.
    assert color.getpixel((106, 106)) == (255, 255, 255)
    assert outline.getpixel((0, 0)) == (255, 255, 255, 0)
    alpha = outline.getchannel("A")
    assert alpha.getbbox() is not None


def test_the_icons_are_the_same_bytes_every_time() -> None:
    assert color_icon(ACCENT_COLOR) == color_icon(ACCENT_COLOR)
    assert outline_icon() == outline_icon()
    assert color_icon("#123456") != color_icon(ACCENT_COLOR)


def test_the_zip_has_exactly_the_three_files_at_its_root(tmp_path: Path) -> None:
    manifest = _manifest()
    icons = build_icons(manifest)
    out = tmp_path / "thrive.zip"

    write_package(out, manifest, icons)

    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json")) == manifest
        assert package.read("color.png") == icons["color.png"]
        assert package.read("outline.png") == icons["outline.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["thrive.zip"]  # no partial file left


def test_the_same_input_gives_the_same_zip(tmp_path: Path) -> None:
    manifest = _manifest()
    write_package(tmp_path / "a.zip", manifest, build_icons(manifest))
    write_package(tmp_path / "b.zip", copy.deepcopy(manifest), build_icons(manifest))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
