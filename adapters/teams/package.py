"""The Teams app package: manifest.json plus two icons, zipped, for "Upload a custom app".

`validate_manifest` checks the rules Teams enforces on upload (ids, lengths, URLs, icon
sizes) so an admin hears about a problem here, with its reason, rather than from Teams'
terse "manifest parsing has failed".
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.teams.icons import (
    COLOR_SIZE,
    OUTLINE_SIZE,
    color_icon,
    icon_problems,
    outline_icon,
)
from bot.messages import Say

SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.17"
MANIFEST_FILE = "manifest.json"
COLOR_FILE = "color.png"
OUTLINE_FILE = "outline.png"
ACCENT_COLOR = "#2E6F5E"  # the same green as the Slack app's background
SCOPES = ("personal", "team")

# The limits of the v1.17 schema (maxLength, maxItems).
MAX_SHORT_NAME = 30
MAX_FULL_NAME = 100
MAX_SHORT_DESCRIPTION = 80
MAX_FULL_DESCRIPTION = 4000
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
MAX_COMMANDS = 10
MAX_URL = 2048

# The manifest's id names the app in a tenant's catalogue; it must stay the same across
# versions, or an upload adds a second Thrive instead of updating the first. It is derived
# from the bot id (not a random uuid4) so every build for one bot agrees, and differs from
# the bot id so the two identities, app and bot registration, are never confused.
_APP_ID_NAMESPACE = uuid.UUID("5d3f0c52-8f64-4d55-9a0e-3b1b8f7c2a61")

_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")  # the schema's pattern
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"^(\*\.)?({_LABEL}\.)*{_LABEL}(:\d{{1,5}})?$")  # host[:port], no scheme

# The commands Teams lists for the bot; what each does is the copy's `teams.app.command.*`.
COMMANDS = ("help", "idea", "snooze")


def app_id_for(bot_id: str) -> str:
    """The Teams app's id for the bot `bot_id`: stable, and not the bot id itself."""
    return str(uuid.uuid5(_APP_ID_NAMESPACE, bot_id.strip().lower()))


def build_manifest(
    app_id: str, public_url: str, *, say: Say, name: str = "Thrive", version: str = "1.0.0"
) -> dict[str, Any]:
    """The manifest for the bot whose Microsoft app id is `app_id`, served at `public_url`,
    described in the copy's words (`teams.app.*`, so an organisation can reword them).

    It builds whatever it is given; `validate_manifest` says what Teams would refuse."""
    bot_id = app_id.strip()
    base = public_url.strip().rstrip("/")
    short_name = name.strip()
    try:
        parts = urlsplit(base)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        host = ""  # validate_manifest reports the URL itself
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id_for(bot_id),
        "developer": {
            "name": short_name,
            "websiteUrl": base + "/",
            "privacyUrl": base + "/privacy",
            "termsOfUseUrl": base + "/terms",
        },
        "name": {"short": short_name, "full": say("teams.app.full_name", name=short_name)},
        "description": {
            "short": say("teams.app.short_description"),
            "full": say("teams.app.full_description"),
        },
        "icons": {"color": COLOR_FILE, "outline": OUTLINE_FILE},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": bot_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": list(SCOPES),
                        "commands": [
                            {"title": title, "description": say(f"teams.app.command.{title}")}
                            for title in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def build_icons(manifest: dict[str, Any]) -> dict[str, bytes]:
    """The icon files the manifest names, keyed by file name, in its accent colour."""
    accent = manifest.get("accentColor")
    color = accent if isinstance(accent, str) and _COLOR.match(accent) else ACCENT_COLOR
    return {COLOR_FILE: color_icon(color), OUTLINE_FILE: outline_icon()}


def validate_manifest(manifest: dict[str, Any], icons: dict[str, bytes]) -> list[str]:
    """Every reason Teams would refuse this package; an empty list means none found."""
    problems: list[str] = []
    text = _Reader(manifest, problems)
    _check_guid(text.get("id"), "id", problems)
    version = text.get("version")
    if version is not None and not _VERSION.match(version):
        problems.append(f"version {version!r} must be MAJOR.MINOR.PATCH, e.g. 1.0.0")
    for field in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        _check_url(text.get("developer", field), f"developer.{field}", problems)
    text.length("name", "short", limit=MAX_SHORT_NAME)
    text.length("name", "full", limit=MAX_FULL_NAME, required=False)
    text.length("description", "short", limit=MAX_SHORT_DESCRIPTION)
    text.length("description", "full", limit=MAX_FULL_DESCRIPTION)
    color = text.get("accentColor")
    if color is not None and not _COLOR.match(color):
        problems.append(f"accentColor {color!r} must be #RRGGBB, e.g. {ACCENT_COLOR}")
    _check_bots(manifest.get("bots"), problems)
    _check_domains(manifest.get("validDomains"), problems)
    _check_icons(manifest.get("icons"), icons, problems)
    return problems


def write_package(out: Path, manifest: dict[str, Any], icons: dict[str, bytes]) -> None:
    """The zip Teams uploads: manifest.json and the icons at its root (Teams rejects
    folders). Written beside `out` first, so a failure never leaves half a package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        # A fixed timestamp: the same manifest and icons give the same zip.
        for file_name, data in (
            (MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False).encode()),
            *sorted(icons.items()),
        ):
            entry = zipfile.ZipInfo(file_name, date_time=(2024, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(entry, data)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(buffer.getvalue())
    partial.replace(out)


class _Reader:
    """Reads a string at a path in the manifest; a missing or non-string one is a problem."""

    def __init__(self, manifest: dict[str, Any], problems: list[str]) -> None:
        self._manifest = manifest
        self._problems = problems

    def get(self, *path: str, required: bool = True) -> str | None:
        node: Any = self._manifest
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str):
            return node
        if node is not None or required:
            self._problems.append(f"{'.'.join(path)} is missing or not a string")
        return None

    def length(self, *path: str, limit: int, required: bool = True) -> None:
        value = self.get(*path, required=required)
        if value is None:
            return
        where = ".".join(path)
        if not value.strip():
            self._problems.append(f"{where} is empty")
        elif len(value) > limit:
            self._problems.append(
                f"{where} is {len(value)} characters; Teams allows at most {limit}: {value!r}"
            )


def _check_guid(value: str | None, where: str, problems: list[str], hint: str = "") -> None:
    if value is not None and not _GUID.match(value):
        problems.append(
            f"{where} {value!r} is not a GUID like 00000000-0000-0000-0000-000000000000{hint}"
        )


def _check_url(value: str | None, where: str, problems: list[str]) -> None:
    if value is None:
        return
    try:
        parts = urlsplit(value)
        https = parts.scheme == "https" and bool(parts.hostname)
    except ValueError:
        https = False
    if not https or any(char.isspace() for char in value):
        problems.append(f"{where} {value!r} must be an https URL (Teams refuses http)")
    elif len(value) > MAX_URL:
        problems.append(f"{where} is longer than {MAX_URL} characters")


def _check_bots(bots: Any, problems: list[str]) -> None:
    if not isinstance(bots, list) or len(bots) != 1 or not isinstance(bots[0], dict):
        problems.append("bots must list exactly one bot")
        return
    bot = bots[0]
    bot_id = bot.get("botId")
    _check_guid(
        bot_id if isinstance(bot_id, str) else repr(bot_id),
        "bots[0].botId",
        problems,
        " (the bot's Microsoft app id, from its Azure Bot registration)",
    )
    scopes = bot.get("scopes")
    if not isinstance(scopes, list) or not scopes or not set(scopes) <= {*SCOPES, "groupChat"}:
        problems.append(f"bots[0].scopes {scopes!r} must be some of personal, team, groupChat")
    command_lists = bot.get("commandLists", [])
    if not isinstance(command_lists, list):
        problems.append("bots[0].commandLists must be a list")
        return
    for i, command_list in enumerate(command_lists):
        commands = command_list.get("commands") if isinstance(command_list, dict) else None
        where = f"bots[0].commandLists[{i}]"
        if not isinstance(commands, list) or not commands:
            problems.append(f"{where} has no commands")
            continue
        if len(commands) > MAX_COMMANDS:
            problems.append(f"{where} has {len(commands)} commands; Teams allows {MAX_COMMANDS}")
        for j, command in enumerate(commands):
            reader = _Reader(command if isinstance(command, dict) else {}, problems)
            # Reported paths start at the command, so name it in each reason.
            before = len(problems)
            reader.length("title", limit=MAX_COMMAND_TITLE)
            reader.length("description", limit=MAX_COMMAND_DESCRIPTION)
            problems[before:] = [f"{where}.commands[{j}].{p}" for p in problems[before:]]


def _check_domains(domains: Any, problems: list[str]) -> None:
    if not isinstance(domains, list):
        problems.append("validDomains must be a list")
        return
    for domain in domains:
        if not isinstance(domain, str) or not _DOMAIN.match(domain):
            problems.append(
                f"validDomains entry {domain!r} must be a bare host name such as "
                "thrive.example.org: no https://, no path"
            )


def _check_icons(names: Any, icons: dict[str, bytes], problems: list[str]) -> None:
    if not isinstance(names, dict):
        problems.append("icons must name a color and an outline file")
        return
    for kind, size in (("color", COLOR_SIZE), ("outline", OUTLINE_SIZE)):
        file_name = names.get(kind)
        if not isinstance(file_name, str) or file_name not in icons:
            problems.append(f"icons.{kind} names {file_name!r}, which is not in the package")
            continue
        if "/" in file_name or "\\" in file_name:
            problems.append(f"icons.{kind} {file_name!r} must be at the package's root")
        problems.extend(
            icon_problems(file_name, icons[file_name], size=size, outline=kind == "outline")
        )
