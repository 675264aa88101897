"""`thrive` and the database: secrets never echoed, an unreachable server in one line,
and a demo that never touches the configured database."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.thrive_process import clean_env, read_url, start_demo, stop, thrive
from thrive.settings import SettingsError, load_settings

PASSWORD = "hunter2-not-for-logs"
UNREACHABLE_PG = f"postgresql://admin:{PASSWORD}@127.0.0.1:1/thrive"  # port 1: refused


# --- a bad setting names the variable, never the secret ------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (f"mysql://admin:{PASSWORD}@db/x", "mysql://admin:***@db/x"),
        (f"postgresql://admin:{PASSWORD}@db:notaport/x", None),  # unparseable: no value shown
    ],
)
def test_a_bad_database_url_is_reported_without_its_password(
    tmp_path: Path, value: str, shown: str | None
) -> None:
    result = thrive("serve", cwd=tmp_path, env=clean_env(THRIVE_DATABASE_URL=value))

    assert result.returncode == 2, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    assert PASSWORD not in output
    naming = [line for line in result.stderr.splitlines() if "THRIVE_DATABASE_URL" in line]
    assert len(naming) == 1, result.stderr
    assert naming[0].startswith("THRIVE_DATABASE_URL:")
    if shown is not None:
        assert f"(got '{shown}')" in naming[0]
    else:
        assert "(got" not in naming[0]
    assert "Traceback" not in output


def test_a_bad_database_url_in_dotenv_is_reported_without_its_password(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"THRIVE_DATABASE_URL=mysql://admin:{PASSWORD}@db/x\n")

    result = thrive("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert PASSWORD not in result.stdout + result.stderr
    assert "THRIVE_DATABASE_URL:" in result.stderr


def test_a_bad_secret_key_is_named_but_never_shown() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(secret_key=424242)

    assert str(raised.value).startswith("THRIVE_SECRET_KEY:")
    assert "424242" not in str(raised.value)


def test_other_bad_settings_still_show_the_value_given(tmp_path: Path) -> None:
    result = thrive("serve", cwd=tmp_path, env=clean_env(THRIVE_LOG_LEVEL="chatty"))

    assert result.returncode == 2
    assert "THRIVE_LOG_LEVEL:" in result.stderr
    assert "(got 'chatty')" in result.stderr


# --- an unreachable database: one line and exit 1 ------------------------------------------


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("db", "upgrade")])
def test_an_unreachable_postgresql_stops_the_start_with_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = thrive(*command, cwd=tmp_path, env=clean_env(THRIVE_DATABASE_URL=UNREACHABLE_PG))

    assert result.returncode == 1, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    lines = output.strip().splitlines()
    assert len(lines) < 5, output
    assert "Traceback" not in output
    assert PASSWORD not in output
    naming = [line for line in lines if "postgresql://admin:***@127.0.0.1:1/thrive" in line]
    assert len(naming) == 1, output
    assert "refused" in naming[0].lower(), naming[0]
    assert "Thrive is running" not in output
    assert "up to date" not in output


def test_a_sqlite_file_that_cannot_be_created_stops_the_start_with_one_line(
    tmp_path: Path,
) -> None:
    database = tmp_path / "no-such-directory" / "thrive.db"
    env = clean_env(THRIVE_DATABASE_URL=f"sqlite:///{database}")

    result = thrive("db", "upgrade", cwd=tmp_path, env=env)

    assert result.returncode == 1, (result.stdout, result.stderr)
    output = (result.stdout + result.stderr).strip()
    assert len(output.splitlines()) == 1, output
    assert str(database) in output
    assert "unable to open database file" in output


# --- the demo never uses the configured database -------------------------------------------


def real_database(path: Path) -> str:
    """A SQLite file standing in for someone's production data; returns its checksum."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE patients_of_record (id INTEGER PRIMARY KEY, note TEXT)")
        connection.execute("INSERT INTO patients_of_record (note) VALUES ('precious')")
        connection.commit()
    return checksum(path)


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_named_like(path: Path) -> list[str]:
    return sorted(found.name for found in path.parent.glob(f"{path.name}*"))


def demo_people(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM people").fetchone()
    return int(count)


async def run_demo_until_ready(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> list[str]:
    """Start `thrive demo --port 0 <args>`, wait for its URL, stop it; its stdout lines."""
    process = await start_demo(tmp_path, "demo.log", *args, env=env)
    try:
        assert process.stdout is not None
        _port, lines = await read_url(process.stdout)
    finally:
        returncode = await stop(process)
    log = (tmp_path / "demo.log").read_text()
    assert returncode == 0, log
    assert "Traceback" not in log
    return lines


@pytest.mark.slow
async def test_demo_ignores_thrive_database_url(tmp_path: Path) -> None:
    real = tmp_path / "production.db"
    before = real_database(real)

    lines = await run_demo_until_ready(
        tmp_path, env=clean_env(THRIVE_DATABASE_URL=f"sqlite:///{real}")
    )

    assert checksum(real) == before
    assert files_named_like(real) == [real.name]  # not even opened: no -wal or -shm beside it
    assert demo_people(tmp_path / "thrive-demo.db") == 12
    notes = [line for line in lines if "ignores THRIVE_DATABASE_URL" in line]
    assert len(notes) == 1, lines
    assert any(str(tmp_path / "thrive-demo.db") in line for line in lines), lines


@pytest.mark.slow
async def test_demo_ignores_a_database_url_from_dotenv_even_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"THRIVE_DATABASE_URL=mysql://admin:{PASSWORD}@db/x\n")

    lines = await run_demo_until_ready(tmp_path)

    assert any("ignores THRIVE_DATABASE_URL" in line for line in lines), lines
    assert PASSWORD not in "\n".join(lines) + (tmp_path / "demo.log").read_text()
    assert demo_people(tmp_path / "thrive-demo.db") == 12


@pytest.mark.slow
async def test_demo_database_option_chooses_the_file(tmp_path: Path) -> None:
    chosen = tmp_path / "my-demo.db"

    lines = await run_demo_until_ready(tmp_path, "--database", str(chosen))

    assert demo_people(chosen) == 12
    assert not (tmp_path / "thrive-demo.db").exists()
    assert not any("ignores THRIVE_DATABASE_URL" in line for line in lines), lines
    assert any(f"Demo database: {chosen}" in line for line in lines), lines

    # --fresh starts that file over: seeded again rather than "already seeded".
    again = await run_demo_until_ready(tmp_path, "--database", str(chosen), "--fresh")
    assert any("9 clinicians have a question" in line for line in again), again
    assert demo_people(chosen) == 12


def test_demo_fresh_refuses_to_delete_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")

    result = thrive("demo", "--port", "0", "--database", str(notes), "--fresh", cwd=tmp_path)

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert notes.read_text() == "not a database\n"
    assert "not a SQLite database" in result.stderr


def test_demo_database_option_takes_a_path_not_a_url(tmp_path: Path) -> None:
    result = thrive("demo", "--database", UNREACHABLE_PG, cwd=tmp_path)

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "not a URL" in result.stderr
    assert list(tmp_path.iterdir()) == []
