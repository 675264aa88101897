"""`thrive redact` as a real process: one JSON object per line of standard input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.thrive_process import RUN_TIMEOUT, THRIVE, clean_env


def redact_process(stdin: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(THRIVE), "redact"],
        input=stdin,
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_redact_prints_one_json_object_per_line_with_the_kinds_found(tmp_path: Path) -> None:
    lines = [
        "pt tom brennan dob 3/14/1962 called 555-867-5309",
        "Dr Patel covered my clinic, 5 mg BID at 8am",
        "",
        "Mrs. Núñez emailed from maria.n@example.com",
    ]
    result = redact_process(("\n".join(lines) + "\n").encode(), tmp_path)

    assert result.returncode == 0, result.stderr.decode()
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert answers == [
        {
            "text": "pt [removed] dob [removed] called [removed]",
            "found": ["date", "phone number", "patient name"],
        },
        {"text": "Dr Patel covered my clinic, 5 mg BID at 8am", "found": []},
        {"text": "", "found": []},
        {"text": "Mrs. [removed] emailed from [removed]", "found": ["email", "patient name"]},
    ]


def test_redact_reads_windows_line_ends_and_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    result = redact_process(b"MRN 00482913\r\nbad \xff byte\nno newline at the end", tmp_path)

    assert result.returncode == 0, result.stderr.decode()
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert answers == [
        {"text": "[removed]", "found": ["medical record number"]},
        {"text": "bad \ufffd byte", "found": []},
        {"text": "no newline at the end", "found": []},
    ]


def test_redact_with_empty_input_prints_nothing(tmp_path: Path) -> None:
    result = redact_process(b"", tmp_path)

    assert result.returncode == 0
    assert result.stdout == b""
