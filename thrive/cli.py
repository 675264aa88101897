"""The `thrive` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import errno
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from prompts import load_content, validate_path
from storage.engine import Database, async_url
from storage.migrate import upgrade
from thrive.analysis_cli import analysis_app
from thrive.analysis_emerging_cli import emerging_app
from thrive.analysis_matrix_cli import matrix as analysis_matrix
from thrive.answers_cli import answers_app
from thrive.audit_cli import audit_app
from thrive.code_cli import code
from thrive.console import (
    DEMO_DATABASE,
    UNREACHABLE,
    CannotListen,
    DatabaseUnavailable,
    check_content,
    choose_database,
    database_problem,
    err,
    let_failed_connections_stop,
    out,
    run,
    settings_or_exit,
)
from thrive.ideas_cli import ideas_app
from thrive.leader_lock import SQLiteFileLock, sqlite_path
from thrive.org_cli import org_app
from thrive.people_cli import people_app
from thrive.pulse_cli import pulse_app
from thrive.redact_cli import redact_lines
from thrive.report_cli import report
from thrive.roles_cli import roles_app
from thrive.screen_cli import screen_lines
from thrive.settings import Settings, configured_database_url
from thrive.teams_cli import teams_app

SQLITE_HEADER = b"SQLite format 3\x00"

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
app.add_typer(org_app, name="org")
app.add_typer(teams_app, name="teams")
app.add_typer(roles_app, name="roles")
app.add_typer(analysis_app, name="analysis")
analysis_app.command("matrix")(analysis_matrix)
analysis_app.add_typer(emerging_app, name="emerging")
app.add_typer(audit_app, name="audit")
app.add_typer(people_app, name="people")
app.add_typer(answers_app, name="answers")
app.add_typer(ideas_app, name="ideas")
app.command()(code)
app.command("redact")(redact_lines)
app.command("screen")(screen_lines)
app.command("report")(report)


@app.callback()
def _database_options(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="The database to use: a URL (sqlite:///path.db, postgresql://...) or a "
            "SQLite file's path; over THRIVE_DATABASE_URL. Any command takes it.",
        ),
    ] = None,
    demo_file: Annotated[
        bool,
        typer.Option("--demo", help=f"Use the demo's database (./{DEMO_DATABASE})."),
    ] = False,
) -> None:
    choose_database(database, demo=demo_file)


HostOption = Annotated[str | None, typer.Option(help="Address to bind (THRIVE_HOST).")]
PortOption = Annotated[
    int | None, typer.Option(help="Port to bind, 0 for any free one (THRIVE_PORT).")
]
MAX_PORT = 65535


def _port_or_exit(port: int | None) -> int | None:
    """A port out of range is one line naming the flag, not a settings error."""
    if port is not None and not 0 <= port <= MAX_PORT:
        err.print(
            f"--port {port}: a port is 0 to {MAX_PORT} (0 picks a free one).",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(2)
    return port


@app.command()
def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the bot from configuration (no demo data)."""
    settings = settings_or_exit(host=host, port=_port_or_exit(port))
    check_content(settings)
    run(_run_server(settings, seed=False))


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
    settings = settings_or_exit(
        host=host, port=_port_or_exit(port), database_url=f"sqlite:///{path}"
    )
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
    check_content(settings)
    run(_run_server(settings, seed=True))


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
    settings = settings_or_exit()

    async def migrate() -> None:
        database = Database(settings.database_url)
        problem: DatabaseUnavailable | None = None
        try:
            await upgrade(database)
        except UNREACHABLE as error:
            problem = database_problem(settings.database_url, error)
        finally:
            await database.dispose()
        if problem is not None:
            await let_failed_connections_stop()
            raise problem

    run(migrate())
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
        target = settings_or_exit().content_dir
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

    settings = settings_or_exit()
    url = public_url or settings.public_url
    if not url:
        err.print("Give --public-url (or set THRIVE_PUBLIC_URL): where Slack reaches this server.")
        raise typer.Exit(2)
    check_content(settings)  # the app describes itself in the bot's copy
    try:
        text = manifest_yaml(url, app_name=name, say=load_content(settings.content_dir).copy.text)
    except ValueError as problem:
        err.print(f"Cannot build the manifest: {problem}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    # Plain print: the YAML must reach a pipe or file exactly, without rich's wrapping.
    print(text, end="" if text.endswith("\n") else "\n")


async def _run_server(settings: Settings, *, seed: bool) -> None:
    from thrive.demo import seed_demo
    from thrive.gil import share_the_gil
    from thrive.heap import settle_heap
    from thrive.runtime import build_runtime
    from thrive.server import create_app, start_site

    _refuse_a_second_sqlite_server(settings)
    _refuse_an_address_in_use(settings)
    try:
        runtime = await build_runtime(settings, demo=seed)
    except UNREACHABLE as error:
        await let_failed_connections_stop()
        raise database_problem(settings.database_url, error) from None
    app_ = create_app(runtime)
    try:
        runner, port = await start_site(app_, settings.host, settings.port)
    except OSError as error:
        await runtime.database.dispose()
        raise CannotListen(_cannot_listen(settings, error)) from None
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
    settle_heap()  # started: what is alive now stays
    share_the_gil()
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


def _refuse_an_address_in_use(settings: Settings) -> None:
    """Say so before anything starts (scheduler, outbox, migrations) when the address is
    taken; binding for real later still catches one taken in between."""
    if settings.port == 0:
        return
    try:
        infos = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise CannotListen(_cannot_listen(settings, error)) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
        try:
            probe.bind(address)
        except OSError as error:
            raise CannotListen(_cannot_listen(settings, error)) from None


def _cannot_listen(settings: Settings, error: OSError) -> str:
    """One line: which address, why, and which flag or variable chooses another."""
    where = f"{settings.host}:{settings.port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"Port {settings.port} is already in use on {settings.host}: stop what runs "
            "there, or choose another with --port (or THRIVE_PORT; `make demo PORT=9000`)."
        )
    reason = error.strerror or str(error)
    return f"Cannot listen on {where}: {reason}. Choose another with --host / --port."


def _refuse_a_second_sqlite_server(settings: Settings) -> None:
    """Say so before migrating anything when another `thrive serve` holds the SQLite file.
    (The running app holds the lock itself for as long as it runs: this only asks.)"""
    path = sqlite_path(async_url(settings.database_url))
    if path is None:
        return
    probe = SQLiteFileLock(path)
    probe.acquire()  # raises SQLiteInUse
    probe.release()


# The root's options, wherever on the line they are written (`thrive pulse list --demo`).
_ROOT_FLAGS = ("--demo",)
_ROOT_VALUED = ("--database",)


def root_options_first(argv: list[str]) -> list[str]:
    """Move --database URL and --demo to the front, where typer reads them, so every
    command takes them; `thrive demo --database PATH` keeps its own option."""
    words = [word for word in argv if not word.startswith("-")]
    if words[:1] == ["demo"]:
        return argv
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        name = word.split("=", 1)[0]
        if word in _ROOT_FLAGS or (name in _ROOT_VALUED and "=" in word):
            front.append(word)
        elif word in _ROOT_VALUED and index + 1 < len(argv):
            front += [word, argv[index + 1]]
            index += 1
        else:
            rest.append(word)
        index += 1
    return front + rest


def main() -> None:
    app(args=root_options_first(sys.argv[1:]), prog_name="thrive")


if __name__ == "__main__":
    main()
