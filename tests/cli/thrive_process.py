"""Run the `thrive` command as a real process: to completion, or in the background."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

THRIVE = Path(sys.executable).with_name("thrive")
RUN_TIMEOUT = 30.0  # seconds for a command that should finish by itself
START_TIMEOUT = 20.0  # seconds for `thrive demo` to print its URL
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/chat")


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any THRIVE_* setting, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("THRIVE_")}
    return {**env, **extra}


def env_on_a_copy(seeded: Path, directory: Path) -> dict[str, str]:
    """The environment of commands run on a copy of the SQLite file `seeded`, kept in
    `directory` (each test changes its own copy), with JSON logs."""
    copy = directory / "thrive.db"
    copy.write_bytes(seeded.read_bytes())
    return clean_env(THRIVE_DATABASE_URL=f"sqlite:///{copy}", THRIVE_LOG_FORMAT="json")


def rows(env: dict[str, str], query: str) -> list[tuple[object, ...]]:
    """What `query` finds in the SQLite file the environment names."""
    path = env["THRIVE_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(query))


def thrive(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(THRIVE), *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


async def read_url(stream: asyncio.StreamReader) -> tuple[int, list[str]]:
    """Read stdout lines until the chat URL appears (bounded); returns its port and the lines."""
    lines: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no chat URL within {START_TIMEOUT}s; stdout so far: {lines}")
        raw = await asyncio.wait_for(stream.readline(), remaining)
        if not raw:
            raise AssertionError(f"stdout closed before the chat URL; stdout: {lines}")
        line = raw.decode().rstrip("\n")
        lines.append(line)
        found = URL.search(line)
        if found:
            return int(found.group(1)), lines


async def start_thrive(
    tmp_path: Path, log_name: str, *args: str, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """`thrive <args>` in the background: stdout piped, stderr (the log) to a file."""
    log = await asyncio.to_thread((tmp_path / log_name).open, "wb")
    try:
        return await asyncio.create_subprocess_exec(
            str(THRIVE),
            *args,
            cwd=tmp_path,
            env=env if env is not None else clean_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    finally:
        log.close()


async def start_demo(
    tmp_path: Path, log_name: str, *args: str, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    return await start_thrive(tmp_path, log_name, "demo", "--port", "0", *args, env=env)


async def stop(process: asyncio.subprocess.Process, signum: int = signal.SIGINT) -> int:
    """Ctrl+C (or another signal), then the exit status (bounded; killed if it hangs)."""
    process.send_signal(signum)
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"the server did not stop within 10s of signal {signum}") from None
    assert process.returncode is not None
    return process.returncode
