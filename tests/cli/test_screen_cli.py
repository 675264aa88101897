"""`thrive screen` as a real process: one JSON object per line of standard input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.thrive_process import RUN_TIMEOUT, THRIVE, clean_env


def test_screen_prints_one_json_object_per_line_with_distress_true_or_false(
    tmp_path: Path,
) -> None:
    lines = [b"this in-basket is killing me", b"I don't want to be alive", b"", b"bad \xff"]
    result = subprocess.run(
        [str(THRIVE), "screen"],
        input=b"\r\n".join(lines),
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr.decode()
    assert [json.loads(line) for line in result.stdout.decode().splitlines()] == [
        {"text": "this in-basket is killing me", "distress": False},
        {"text": "I don't want to be alive", "distress": True},
        {"text": "", "distress": False},
        {"text": "bad \ufffd", "distress": False},
    ]
