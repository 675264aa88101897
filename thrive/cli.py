"""The `thrive` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from prompts import ContentError, load_content, validate_path
from storage.engine import Database
from storage.migrate import upgrade
from thrive.log_setup import configure_logging
from thrive.settings import Settings, SettingsError, load_settings

DEMO_DATABASE = Path("thrive-demo.db")

app = typer.Typer(
    help="Thrive: keeps clinicians' voice flowing to their leaders all year.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
prompts_app = typer.Typer(help="Question banks, codebook and bot copy.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(prompts_app, name="prompts")

# soft_wrap: never hard-wrap at 80 columns when piped, which would split a file:line
# path, a URL or a one-line configuration error across lines.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HostOption = Annotated[str | None, typer.Option(help="Address to bind (THRIVE_HOST).")]
PortOption = Annotated[
    int | None, typer.Option(help="Port to bind, 0 for any free one (THRIVE_PORT).", min=0)
]


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
    asyncio.run(_run_server(settings, seed=False))


@app.command()
def demo(
    host: HostOption = None,
    port: PortOption = None,
    fresh: Annotated[bool, typer.Option(help="Start over with a new demo database.")] = False,
) -> None:
    """Seed a demo organisation in a SQLite file and open the local web chat."""
    settings = _settings(host=host, port=port)
    if settings.local_chat is None:
        settings = settings.model_copy(update={"local_chat": True})  # the demo is the chat
    if settings.database_url is None:
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
        settings = settings.model_copy(update={"database_url": f"sqlite:///{DEMO_DATABASE}"})
        out.print(f"Demo database: {DEMO_DATABASE.resolve()}")
    _check_content(settings)
    asyncio.run(_run_server(settings, seed=True))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    settings = _settings()

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
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
    from thrive.server import build_runtime, create_app, start_site

    runtime = await build_runtime(settings)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
