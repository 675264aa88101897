"""The `thrive` command as a real process: help, demo, configuration errors, content, db."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest

from tests.cli.thrive_process import (
    THRIVE,
    clean_env,
    read_url,
    start_demo,
    start_thrive,
    stop,
    thrive,
)


def test_the_command_is_installed() -> None:
    assert THRIVE.exists(), f"{THRIVE} is missing: is the package installed in this venv?"


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = thrive("--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    commands = re.findall(r"^│ (\w+) ", result.stdout, re.MULTILINE)
    assert {"serve", "demo", "db", "prompts"} <= set(commands), result.stdout


# --- thrive demo ---------------------------------------------------------------------------


@pytest.mark.slow
async def test_demo_serves_the_seeded_organisation_and_stops_cleanly(tmp_path: Path) -> None:
    process = await start_demo(tmp_path, "demo.log")
    try:
        assert process.stdout is not None
        port, lines = await read_url(process.stdout)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with http.get(f"{base}/chat/api/people") as response:
                assert response.status == 200
                people = (await response.json())["people"]
            # The demo lets anyone add people (`thrive serve` does not).
            nadia = {"id": "nadia", "name": "Nadia Ali, RN", "email": "nadia@demo.example"}
            async with http.post(f"{base}/chat/api/people", json=nadia) as response:
                assert response.status == 201
            async with http.get(f"{base}/chat") as response:
                assert response.status == 200
                assert "Thrive" in await response.text()
            # An open chat tab must not hold up Ctrl+C.
            async with http.ws_connect(f"{base}/chat/api/people/amara/ws"):
                returncode = await stop(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert returncode == 0, (tmp_path / "demo.log").read_text()
    assert len(people) == 12
    roles = Counter(role for person in people for role in person["roles"])
    assert roles == {"clinician": 9, "leader": 2, "wellness_lead": 1}
    assert len({person["site"] for person in people}) == 3
    assert any("9 clinicians have a question" in line for line in lines), lines
    assert (tmp_path / "thrive-demo.db").exists()
    assert "Traceback" not in (tmp_path / "demo.log").read_text()


@pytest.mark.slow
async def test_demo_run_again_keeps_the_existing_organisation(tmp_path: Path) -> None:
    # Each run is stopped the moment it prints its URL: that must already be a clean stop.
    for run, expected in enumerate(("9 clinicians have a question", "already seeded")):
        process = await start_demo(tmp_path, f"demo-{run}.log")
        try:
            assert process.stdout is not None
            _port, lines = await read_url(process.stdout)
        finally:
            returncode = await stop(process)
        assert returncode == 0, (tmp_path / f"demo-{run}.log").read_text()
        assert any(expected in line for line in lines), lines


async def test_serve_runs_from_configuration_without_demo_data(tmp_path: Path) -> None:
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", THRIVE_PORT="0")
    process = await start_thrive(tmp_path, "serve.log", "serve", env=env)
    try:
        assert process.stdout is not None
        port, _lines = await read_url(process.stdout)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/chat/api/people") as response:
                assert (await response.json()) == {"people": []}
            # No login guards the local chat: only the demo may add people through it.
            leader = {"id": "mallory", "name": "Mallory", "roles": ["leader"]}
            async with http.post(f"http://127.0.0.1:{port}/chat/api/people", json=leader) as posted:
                assert posted.status == 404
            async with http.get(f"http://127.0.0.1:{port}/chat/api/people") as response:
                assert (await response.json()) == {"people": []}
    finally:
        returncode = await stop(process, signal.SIGTERM)

    assert returncode == 0, (tmp_path / "serve.log").read_text()
    assert (tmp_path / "serve.db").exists()
    assert not (tmp_path / "thrive-demo.db").exists()


async def test_a_second_serve_on_the_same_sqlite_file_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{tmp_path / 'one.db'}", THRIVE_PORT="0")
    first = await start_thrive(tmp_path, "first.log", "serve", env=env)
    try:
        assert first.stdout is not None
        await read_url(first.stdout)

        second = await asyncio.to_thread(thrive, "serve", cwd=tmp_path, env=env)
    finally:
        returncode = await stop(first, signal.SIGTERM)

    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"SQLite is single-process: another thrive serve (pid {first.pid}) is using "
        f"{(tmp_path / 'one.db').resolve()}; use PostgreSQL to run several"
    ]
    assert returncode == 0  # the first one was never disturbed


# --- configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("THRIVE_PORT", "abc"),
        ("THRIVE_PORT", "70000"),
        ("THRIVE_DEFAULT_TIMEZONE", "Mars/Base"),
        ("THRIVE_DATABASE_URL", "mysql://db/thrive"),
    ],
)
def test_a_bad_setting_stops_serve_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = thrive("serve", cwd=tmp_path, env=clean_env(**{variable: value}))

    assert result.returncode == 2, (result.stdout, result.stderr)
    naming = [line for line in result.stderr.splitlines() if variable in line]
    assert len(naming) == 1, result.stderr
    assert naming[0].startswith(f"{variable}:")
    assert value in naming[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database was created


# --- content -------------------------------------------------------------------------------

BAD_KIND_BANK = """\
kind: bank
id: extra
name: Extra questions
prompts:
  - id: extra-one
    kind: essay
    text: What would you change first?
"""
BAD_KIND_LINE = 6

BROKEN_YAML = """\
kind: bank
id: other
name: Other
  prompts: oops
"""
BROKEN_YAML_LINE = 4


def broken_bank(directory: Path) -> Path:
    directory.mkdir()
    (directory / "extra.yaml").write_text(BAD_KIND_BANK)
    (directory / "broken.yaml").write_text(BROKEN_YAML)
    return directory


def test_prompts_validate_accepts_the_default_content(tmp_path: Path) -> None:
    result = thrive("prompts", "validate", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "content is valid" in result.stdout


def test_prompts_validate_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    bank = broken_bank(tmp_path / "a-content-directory-with-a-long-enough-name-to-wrap")

    result = thrive("prompts", "validate", str(bank), cwd=tmp_path)

    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{bank / 'extra.yaml'}:{BAD_KIND_LINE}: ") for line in lines)
    assert any("essay" in line for line in lines if line.startswith(str(bank / "extra.yaml")))
    assert any(line.startswith(f"{bank / 'broken.yaml'}:{BROKEN_YAML_LINE}: ") for line in lines)
    assert "2 problem(s) found." in result.stderr


def test_prompts_validate_uses_the_configured_content_dir(tmp_path: Path) -> None:
    bank = broken_bank(tmp_path / "content")

    result = thrive(
        "prompts", "validate", cwd=tmp_path, env=clean_env(THRIVE_CONTENT_DIR=str(bank))
    )

    assert result.returncode == 1
    assert f"{bank / 'broken.yaml'}:{BROKEN_YAML_LINE}: " in result.stderr


def test_serve_refuses_to_start_on_corrupt_content(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.yaml").write_text(BROKEN_YAML)

    result = thrive(
        "serve", "--port", "0", cwd=tmp_path, env=clean_env(THRIVE_CONTENT_DIR=str(content))
    )

    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "will not start" in result.stderr
    assert f"{content / 'broken.yaml'}:{BROKEN_YAML_LINE}: invalid YAML" in result.stderr
    assert "Thrive is running" not in result.stdout


# --- thrive db upgrade ---------------------------------------------------------------------


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{database}")

    first = thrive("db", "upgrade", cwd=tmp_path, env=env)
    again = thrive("db", "upgrade", cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    assert "Database is up to date." in first.stdout
    assert again.returncode == 0, again.stderr
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in rows}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {
        "alembic_version",
        "people",
        "roles",
        "prompts",
        "occurrences",
        "deliveries",
        "responses",
        "ideas",
        "idea_events",
        "processed_events",
        "audit_log",
        "local_chat_messages",
    } <= tables
    assert len(version) == 1
