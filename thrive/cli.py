"""The `thrive` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import re
import signal
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from prompts import ContentError, load_content, validate_path
from storage.engine import DEFAULT_SQLITE_PATH, Database, async_url
from storage.migrate import upgrade
from thrive.leader_lock import SQLiteFileLock, SQLiteInUse, sqlite_path
from thrive.log_setup import configure_logging
from thrive.pulse_cli import pulse_app
from thrive.settings import (
    Settings,
    SettingsError,
    configured_database_url,
    load_settings,
    masked_url,
)
from thrive.teams_cli import teams_app

if TYPE_CHECKING:
    from thrive.server import Runtime

DEMO_DATABASE = Path("thrive-demo.db")
SQLITE_HEADER = b"SQLite format 3\x00"
# A database that cannot be reached at start: refused, unknown host, timeout (all OSError),
# and whatever the driver reports through SQLAlchemy (asyncpg's errors arrive as DBAPIError).
UNREACHABLE = (OSError, DBAPIError)

app = typer.Typer(
    help="Thrive: keeps clinicians' voice flowing to their leaders all year.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
prompts_app = typer.Typer(help="Question banks, codebook and bot copy.", no_args_is_help=True)
app.add_typer(db_app, name="db")
slack_app = typer.Typer(help="Slack app setup.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")
app.add_typer(slack_app, name="slack")
app.add_typer(pulse_app, name="pulse")
app.add_typer(teams_app, name="teams")

# soft_wrap: never hard-wrap at 80 columns when piped, which would split a file:line
# path, a URL or a one-line configuration error across lines.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HostOption = Annotated[str | None, typer.Option(help="Address to bind (THRIVE_HOST).")]
PortOption = Annotated[
    int | None, typer.Option(help="Port to bind, 0 for any free one (THRIVE_PORT).", min=0)
]


class DatabaseUnavailable(Exception):
    """The database could not be reached or used at start; the message is the line to print."""


def _database_problem(database_url: str | None, error: BaseException) -> DatabaseUnavailable:
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


async def _open_runtime(settings: Settings) -> Runtime:
    from thrive.server import build_runtime

    try:
        return await build_runtime(settings)
    except UNREACHABLE as error:
        await _let_failed_connections_stop()
        raise _database_problem(settings.database_url, error) from None


async def _let_failed_connections_stop() -> None:
    """aiosqlite (0.22) queues the stop of a connection that failed to open without
    waiting for it; if the event loop closes first, its worker thread dies printing a
    traceback (omnilib/aiosqlite#389). Give such threads a moment while the loop runs."""
    for _ in range(200):  # 2 s at most
        if not any(
            thread.name.endswith("(_connection_worker_thread)") for thread in threading.enumerate()
        ):
            return
        await asyncio.sleep(0.01)


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run `main`; a database that cannot be opened is one line on stderr and exit 1."""
    try:
        asyncio.run(main)
    except (DatabaseUnavailable, SQLiteInUse) as problem:
        err.print(str(problem), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from None


def _settings(**overrides: object) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        err.print(f"[red]Configuration error[/red]\n{error}", highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


@app.command()
def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the bot from configuration (no demo data)."""
    settings = _settings(host=host, port=port)
    _check_content(settings)
    _run(_run_server(settings, seed=False))


@app.command()
def demo(
    host: HostOption = None,
    port: PortOption = None,
    database: Annotated[
        str | None,
        typer.Option(
            metavar="PATH",
            help=f"The demo's SQLite file (default ./{DEMO_DATABASE}); "
            "THRIVE_DATABASE_URL is never used.",
        ),
    ] = None,
    fresh: Annotated[bool, typer.Option(help="Start over with a new demo database.")] = False,
) -> None:
    """Seed a demo organisation in a SQLite file and open the local web chat."""
    if database is not None and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", database):
        raise typer.BadParameter(
            "a file path, not a URL: the demo always uses a SQLite file",
            param_hint="'--database'",
        )
    path = Path(database or DEMO_DATABASE).expanduser().resolve()
    # The demo seeds people and prompts: never into the database the bot runs on.
    settings = _settings(host=host, port=port, database_url=f"sqlite:///{path}")
    if configured_database_url() is not None:
        out.print(
            "Note: the demo ignores THRIVE_DATABASE_URL and always uses its own SQLite file.",
            highlight=False,
        )
    if settings.local_chat is None:
        settings = settings.model_copy(update={"local_chat": True})  # the demo is the chat
    if fresh:
        _delete_demo_database(path)
    out.print(f"Demo database: {path}", highlight=False)
    _check_content(settings)
    _run(_run_server(settings, seed=True))


def _delete_demo_database(path: Path) -> None:
    """`--fresh`: remove the demo's SQLite file and its WAL files, and nothing else."""
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            err.print(
                f"--fresh: {path} is not a SQLite database; not deleting it.",
                style="red",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(2)
    elif path.exists() and not path.is_file():
        err.print(
            f"--fresh: {path} is not a file; not deleting it.",
            style="red",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(2)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    settings = _settings()

    async def run() -> None:
        database = Database(settings.database_url)
        problem: DatabaseUnavailable | None = None
        try:
            await upgrade(database)
        except UNREACHABLE as error:
            problem = _database_problem(settings.database_url, error)
        finally:
            await database.dispose()
        if problem is not None:
            await _let_failed_connections_stop()
            raise problem

    _run(run())
    out.print("Database is up to date.")


@prompts_app.command("validate")
def prompts_validate(
    path: Annotated[
        Path | None,
        typer.Argument(help="A YAML file or content directory (default: the configured one)."),
    ] = None,
) -> None:
    """Check question banks, codebook and copy; report every problem with file and line."""
    target = path
    if target is None:
        target = _settings().content_dir
    if target is None:
        from prompts import DEFAULT_CONTENT_DIR

        target = DEFAULT_CONTENT_DIR
    problems = validate_path(target)
    if problems:
        for problem in problems:
            err.print(str(problem), highlight=False, markup=False)
        err.print(f"{len(problems)} problem(s) found.", style="red")
        raise typer.Exit(1)
    out.print(f"{target}: content is valid.")


@slack_app.command("manifest")
def slack_manifest(
    public_url: Annotated[
        str | None,
        typer.Option(
            help="Where Slack reaches this server, e.g. https://thrive.example.org "
            "(THRIVE_PUBLIC_URL)."
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="The app's name in Slack.")] = "Thrive",
) -> None:
    """Print a Slack app manifest (YAML): paste it into "Create app > From a manifest"."""
    from adapters.slack.manifest import manifest_yaml

    settings = _settings()
    url = public_url or settings.public_url
    if not url:
        err.print("Give --public-url (or set THRIVE_PUBLIC_URL): where Slack reaches this server.")
        raise typer.Exit(2)
    _check_content(settings)  # the app describes itself in the bot's copy
    try:
        text = manifest_yaml(url, app_name=name, say=load_content(settings.content_dir).copy.text)
    except ValueError as problem:
        err.print(f"Cannot build the manifest: {problem}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    # Plain print: the YAML must reach a pipe or file exactly, without rich's wrapping.
    print(text, end="" if text.endswith("\n") else "\n")


def _check_content(settings: Settings) -> None:
    """Refuse to start on a bad bank, naming the file and line."""
    try:
        load_content(settings.content_dir)
    except ContentError as error:
        err.print("[red]Content error: the bot will not start.[/red]")
        err.print(str(error), highlight=False, markup=False)
        raise typer.Exit(1) from None


async def _run_server(settings: Settings, *, seed: bool) -> None:
    from thrive.demo import seed_demo
    from thrive.server import create_app, start_site

    _refuse_a_second_sqlite_server(settings)
    runtime = await _open_runtime(settings)
    app_ = create_app(runtime)
    runner, port = await start_site(app_, settings.host, settings.port)
    # Handle Ctrl+C and SIGTERM before saying we are running: whoever reads the URL
    # (a person, a script, a supervisor) may stop us straight away, and that must be clean.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if seed:
        queued = await seed_demo(runtime)
        if queued:
            out.print(f"Seeded the demo organisation; {queued} clinicians have a question.")
        else:
            out.print("Demo organisation already seeded (use --fresh to start over).")
    base = f"http://{settings.host}:{port}"
    if runtime.local_chat is not None:
        out.print(f"Thrive is running: {base}/chat", highlight=False)
    else:
        out.print(f"Thrive is running: {base} (local web chat off)", highlight=False)
    out.print("Press Ctrl+C to stop.")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _refuse_a_second_sqlite_server(settings: Settings) -> None:
    """Say so before migrating anything when another `thrive serve` holds the SQLite file.
    (The running app holds the lock itself for as long as it runs: this only asks.)"""
    path = sqlite_path(async_url(settings.database_url))
    if path is None:
        return
    probe = SQLiteFileLock(path)
    probe.acquire()  # raises SQLiteInUse
    probe.release()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
