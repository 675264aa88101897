"""Start-up problems with the address are one line naming the flag, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.cli.thrive_process import thrive


def test_an_invalid_port_names_the_flag(tmp_path: Path) -> None:
    result = thrive("demo", "--port", "99999", "--database", str(tmp_path / "d.db"), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip() == "--port 99999: a port is 0 to 65535 (0 picks a free one)."
    assert "THRIVE_PORT" not in result.stderr  # the flag was wrong, not the variable


def test_a_busy_port_is_one_line_naming_the_flag(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = thrive(
            "demo", "--port", str(port), "--database", str(tmp_path / "d.db"), cwd=tmp_path
        )

    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert line == (
        f"Port {port} is already in use on 127.0.0.1: stop what runs there, or choose "
        "another with --port (or THRIVE_PORT; `make demo PORT=9000`)."
    )
    assert "Traceback" not in result.stdout + result.stderr
