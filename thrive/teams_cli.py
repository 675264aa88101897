"""`thrive teams ...`: Microsoft Teams app setup."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from prompts import BotCopy, ContentError, load_content
from thrive.console import err, out
from thrive.settings import Settings, SettingsError, load_settings

teams_app = typer.Typer(help="Microsoft Teams app setup.", no_args_is_help=True)

APP_ID_VARIABLE = "THRIVE_TEAMS_APP_ID"


@teams_app.command("package")
def teams_package(
    out_path: Annotated[
        Path,
        typer.Option("--out", help="Where to write the app package, e.g. thrive-teams.zip."),
    ],
    app_id: Annotated[
        str | None,
        typer.Option(help=f"The bot's Microsoft app id, a GUID ({APP_ID_VARIABLE})."),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="Where Teams reaches this server, e.g. https://thrive.example.org "
            "(THRIVE_PUBLIC_URL)."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="The app's short name in Teams.")] = "Thrive",
    version: Annotated[
        str, typer.Option(help="The package version; raise it for every upload.")
    ] = "1.0.0",
) -> None:
    """Build the Teams app package (manifest.json and icons, zipped) for "Upload an app"."""
    from adapters.teams.package import build_icons, build_manifest, validate_manifest, write_package

    bot_id = app_id or _configured_app_id()
    url = public_url or _configured_public_url()
    missing = []
    if not bot_id:
        missing.append(
            f"No bot app id: give --app-id (or set {APP_ID_VARIABLE}), the Microsoft app id "
            "of the bot's Azure Bot registration."
        )
    if not url:
        missing.append(
            "No public URL: give --public-url (or set THRIVE_PUBLIC_URL), the https address "
            "where Teams reaches this server."
        )
    if missing or not bot_id or not url:  # (the second half is for the type checker)
        _refuse(missing)
    manifest = build_manifest(bot_id, url, say=_copy().text, name=name, version=version)
    icons = build_icons(manifest)
    problems = validate_manifest(manifest, icons)
    if out_path.suffix.lower() != ".zip":
        problems.append(f"--out {str(out_path)!r} must end in .zip: Teams uploads a zip file")
    elif not out_path.parent.is_dir():
        problems.append(
            f"--out {str(out_path)!r}: the folder {str(out_path.parent)!r} does not exist"
        )
    if problems:
        _refuse(problems)
    try:
        write_package(out_path, manifest, icons)
    except OSError as error:
        _refuse([f"Cannot write {out_path}: {error}"])
    out.print(
        f"Wrote {out_path}: manifest.json, color.png, outline.png "
        f"(Teams app id {manifest['id']}, bot {bot_id}, version {version}).",
        highlight=False,
        markup=False,
    )
    out.print(
        "Upload it in Teams: Apps > Manage your apps > Upload an app.",
        highlight=False,
        markup=False,
    )


def _configured_app_id() -> str | None:
    # The setting may not exist in Settings yet; once it does, .env files count too.
    configured = getattr(_settings(), "teams_app_id", None)
    if isinstance(configured, str) and configured:
        return configured
    return os.environ.get(APP_ID_VARIABLE) or None


def _configured_public_url() -> str | None:
    return _settings().public_url


def _copy() -> BotCopy:
    """The bot's copy (with THRIVE_CONTENT_DIR's over it): the app describes itself in it."""
    try:
        return load_content(_settings().content_dir).copy
    except ContentError as error:
        _refuse([f"Content error: {error}"])


def _settings() -> Settings:
    """Settings from the environment, or a refusal naming the bad variable."""
    try:
        return load_settings()
    except SettingsError as error:
        _refuse([f"Configuration error: {error}"])


def _refuse(problems: list[str]) -> NoReturn:
    """Each reason on its own line on stderr, then exit 1 (and no file written)."""
    for problem in problems:
        err.print(problem, highlight=False, markup=False)
    err.print("No package written.", style="red")
    raise typer.Exit(1)
