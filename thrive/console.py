"""What every CLI command shares: settings read once, one line on stderr for a refusal
or an unusable database, and `with_core` to run work against the composition root.

Every command module (thrive/cli.py, pulse_cli.py, ...) imports from here; none
imports another command module.
"""

from __future__ import annotations

import asyncio
import getpass
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.errors import ThriveError
from bot.privacy.audit import Actor, at_cli
from prompts import ContentError, load_content
from storage.engine import DEFAULT_SQLITE_PATH, async_url
from storage.models import Person
from thrive.leader_lock import SQLiteInUse, sqlite_path
from thrive.log_setup import configure_logging
from thrive.runtime import Core, open_core
from thrive.settings import Settings, SettingsError, load_settings, masked_url

T = TypeVar("T")

# soft_wrap: never hard-wrap at 80 columns when piped, which would split a file:line
# path, a URL or a one-line configuration error across lines.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# A database that cannot be reached at start: refused, unknown host, timeout (all OSError),
# and whatever the driver reports through SQLAlchemy (asyncpg's errors arrive as DBAPIError).
UNREACHABLE = (OSError, DBAPIError)


# Every command that works on one organisation's data takes it (bot.people.organisations
# resolve_organisation reads it; left out, the only organisation there is).
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        metavar="ORG",
        help="The organisation: its name, or the Slack team id or Teams tenant id of any of "
        "its workspaces (default: the only one).",
    ),
]


# The database a command was pointed at with `--database URL` or `--demo` (thrive/cli.py's
# root options), over THRIVE_DATABASE_URL; None: the configured one.
_chosen_database: list[str] = []
DEMO_DATABASE = Path("thrive-demo.db")


def choose_database(given: str | None, *, demo: bool) -> None:
    """Remember the database the command line named: a URL, a SQLite file's path, or
    (--demo) the demo's file in this directory."""
    _chosen_database.clear()
    if given is not None and demo:
        raise typer.BadParameter("give --database or --demo, not both", param_hint="'--demo'")
    if demo:
        _chosen_database.append(f"sqlite:///{DEMO_DATABASE.resolve()}")
    elif given is not None:
        is_url = "://" in given
        _chosen_database.append(given if is_url else f"sqlite:///{Path(given).resolve()}")


def chosen_database() -> str | None:
    return _chosen_database[0] if _chosen_database else None


class DatabaseUnavailable(Exception):
    """The database could not be reached or used at start; the message is the line to print."""


class CannotListen(Exception):
    """The server cannot take its address (a port in use, a host not here); the message
    is the one line to print."""


class Refused(Exception):
    """A request a command refuses; the message is the one line to print."""


def settings_or_exit(**overrides: object) -> Settings:
    """The settings with the command line's overrides; a bad one is exit status 2."""
    if chosen_database() is not None and "database_url" not in overrides:
        overrides = {**overrides, "database_url": chosen_database()}
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        err.print(f"[red]Configuration error[/red]\n{error}", highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def check_content(settings: Settings) -> None:
    """Refuse to start on a bad bank, naming the file and line."""
    try:
        load_content(settings.content_dir)
    except ContentError as error:
        err.print("[red]Content error: the bot will not start.[/red]")
        err.print(str(error), highlight=False, markup=False)
        raise typer.Exit(1) from None


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run `main`; a database that cannot be opened is one line on stderr and exit 1."""
    try:
        asyncio.run(main)
    except (DatabaseUnavailable, SQLiteInUse, CannotListen) as problem:
        err.print(str(problem), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None


def with_core(work: Callable[[Core], Awaitable[T]]) -> T:
    """Run `work` against the configured database, opened as the server opens it.
    A refusal (a domain error, worded from copy) is one line on stderr and exit 1."""
    settings = settings_or_exit()
    # The command's output is its answer: migration and event logs at info are noise here.
    configure_logging(
        "warning" if settings.log_level == "info" else settings.log_level, settings.log_format
    )
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        err.print(f"Content error: {error}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    _refuse_a_missing_sqlite_file(settings)
    found: list[T] = []

    async def main() -> None:
        core = await open_database(settings, content=content)
        try:
            found.append(await work(core))
        except ThriveError as error:
            raise Refused(error.sentence(core.ctx.say)) from None
        finally:
            await core.database.dispose()

    try:
        run(main())
    except Refused as refusal:
        err.print(str(refusal), highlight=False, markup=False)
        raise typer.Exit(1) from None
    return found[0]


def _refuse_a_missing_sqlite_file(settings: Settings) -> None:
    """A command never creates a database by looking at one: a SQLite file that is not
    there is one line saying where it looked and how to reach the right one."""
    path = sqlite_path(async_url(settings.database_url))
    if path is None or path.exists():
        return
    demo = DEMO_DATABASE.resolve()
    if path == demo and chosen_database() == f"sqlite:///{demo}":
        # --demo was given: pointing at --demo again would be advice in a circle.
        err.print(
            f"There is no demo database at {path} yet: run `thrive demo` first "
            "(or give --database PATH).",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    hint = " (the demo's is there: add --demo)" if demo.exists() and demo != path else ""
    err.print(
        f"There is no Thrive database at {path}{hint}. Name one with --database URL "
        "(or THRIVE_DATABASE_URL), use --demo for the demo's file, or create this one "
        "with `thrive db upgrade`.",
        highlight=False,
        markup=False,
    )
    raise typer.Exit(1)


async def open_database(settings: Settings, **kwargs: Any) -> Core:
    """`open_core`, with an unreachable database turned into one line naming it."""
    try:
        return await open_core(settings, **kwargs)
    except UNREACHABLE as error:
        await let_failed_connections_stop()
        raise database_problem(settings.database_url, error) from None


def database_problem(database_url: str | None, error: BaseException) -> DatabaseUnavailable:
    """One line naming the database (password masked) and why it failed."""
    if database_url is None:
        shown: str | None = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    else:
        shown = masked_url(database_url)
    reason = _reason(error)
    password = _password(database_url)
    if password:
        reason = reason.replace(password, "***")
    where = f"the database {shown}" if shown else "the configured database"
    return DatabaseUnavailable(f"Cannot use {where}: {reason}")


async def let_failed_connections_stop() -> None:
    """aiosqlite (0.22) queues the stop of a connection that failed to open without
    waiting for it; if the event loop closes first, its worker thread dies printing a
    traceback (omnilib/aiosqlite#389). Give such threads a moment while the loop runs."""
    for _ in range(200):  # 2 s at most
        if not any(
            thread.name.endswith("(_connection_worker_thread)") for thread in threading.enumerate()
        ):
            return
        await asyncio.sleep(0.01)


def _reason(error: BaseException) -> str:
    """The driver's own first line, e.g. `ConnectionRefusedError: [Errno 111] ...`."""
    cause: BaseException = error
    if isinstance(error, DBAPIError) and isinstance(error.orig, BaseException):
        cause = error.orig
        # asyncpg's errors arrive wrapped in SQLAlchemy's adapter; the original says most.
        if cause.__cause__ is not None:
            cause = cause.__cause__
    lines = str(cause).strip().splitlines()
    name = type(cause).__name__
    return f"{name}: {lines[0]}" if lines else name


def _password(database_url: str | None) -> str | None:
    if database_url is None:
        return None
    url = make_url(database_url)
    query_password = url.query.get("password")
    if isinstance(query_password, str) and query_password:
        return query_password
    return url.password or None


def login_name() -> str | None:
    """The operating-system login of whoever runs this command (None where the system
    cannot say: no login name and no password-file entry, as in some containers)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def operator() -> Actor:
    """Who runs this command, for the audit log."""
    return at_cli(login_name())


def the_one_person(reference: str, found: Sequence[Person]) -> Person:
    """The one person a command's PERSON means; a refusal listing the candidates when
    several match (nothing is changed), or saying no one does."""
    if not found:
        raise Refused(f"No one matches {reference!r}: nothing was changed.")
    if len(found) > 1:
        lines = [f"{len(found)} people match {reference!r}; nothing was changed."]
        lines += [f"  {_described(person)}" for person in found]
        lines.append("Name one by their user id (or email).")
        raise Refused("\n".join(lines))
    return found[0]


def _described(person: Person) -> str:
    workspace = person.workspace
    return (
        f"{person.display_name}: {workspace.platform}, workspace {workspace.external_id}, "
        f"user id {person.platform_user_id}"
    )
