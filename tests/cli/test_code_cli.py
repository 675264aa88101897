"""`thrive code` as a real process: answers on standard input, JSON lines out, no database."""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.thrive_process import RUN_TIMEOUT, THRIVE, clean_env


def thrive_code(
    tmp_path: Path, stdin: bytes, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(THRIVE), "code", *args],
        cwd=tmp_path,
        env=env if env is not None else clean_env(),
        input=stdin,
        capture_output=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def json_lines(output: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.decode().splitlines()]


def test_each_answer_becomes_one_json_line(tmp_path: Path) -> None:
    stdin = "not enough MAs, the inbox is insane\nlove my team 😊\n\nn/a\nno protected time\n"
    result = thrive_code(tmp_path, stdin.encode())

    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["text"] for line in lines] == stdin.splitlines()
    themes = [{t["id"]: t["polarity"] for t in line["themes"]} for line in lines]
    assert themes == [
        {"staffing": "barrier", "in-basket": "barrier"},
        {"teamwork": "enabler"},
        {},
        {},
        {"time-respect": "barrier"},
    ]
    for line in lines:
        for theme in line["themes"]:
            assert set(theme) == {"id", "polarity", "confidence"}
            assert 0.0 <= theme["confidence"] <= 1.0
    assert not (tmp_path / "thrive.db").exists()  # no database was opened or created


def test_the_learned_coder_is_chosen_with_thrive_coder(tmp_path: Path) -> None:
    stdin = b"not enough MAs, the inbox is insane\nlove my team\nn/a\n"
    env = {**clean_env(), "THRIVE_CODER": "learned"}

    result = thrive_code(tmp_path, stdin, "--question", "job-difficult", env=env)

    assert result.returncode == 0, result.stderr
    themes = [
        {t["id"]: t["polarity"] for t in line["themes"]} for line in json_lines(result.stdout)
    ]
    assert themes == [{"staffing": "barrier", "in-basket": "barrier"}, {"teamwork": "enabler"}, {}]
    refused = thrive_code(tmp_path, b"x\n", env={**clean_env(), "THRIVE_CODER": "magic"})
    assert refused.returncode != 0 and b"coder" in refused.stderr.lower()


def test_the_question_gives_the_answers_their_context(tmp_path: Path) -> None:
    difficult = thrive_code(tmp_path, b"scribes\n", "--question", "job-difficult")
    going_well = thrive_code(tmp_path, b"scribes\n", "--question", "going-well")

    assert json_lines(difficult.stdout)[0]["themes"][0]["polarity"] == "barrier"
    assert json_lines(going_well.stdout)[0]["themes"][0]["polarity"] == "enabler"


def test_an_unknown_question_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = thrive_code(tmp_path, b"the inbox\n", "--question", "no-such-question")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().strip().splitlines() == [
        "Unknown question id 'no-such-question': see the prompt ids in the question banks."
    ]


def test_bytes_that_are_not_utf8_do_not_stop_the_file(tmp_path: Path) -> None:
    result = thrive_code(tmp_path, b"the inbox \xff\xfe\nshort staffed\r\n")

    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["themes"][0]["id"] for line in lines] == ["in-basket", "staffing"]
    assert lines[1]["text"] == "short staffed"


def test_the_codebook_comes_from_the_content_directory(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "codebook.yaml").write_text(
        textwrap.dedent(
            """\
            kind: codebook
            themes:
              - id: parking
                label: Parking
                description: Getting to work and parking there.
                keywords: [parking, garage]
            """
        )
    )
    env = clean_env(THRIVE_CONTENT_DIR=str(content))
    result = thrive_code(tmp_path, b"no parking again\nthe inbox\n", env=env)

    assert result.returncode == 0, result.stderr
    themes = [
        [(t["id"], t["polarity"]) for t in line["themes"]] for line in json_lines(result.stdout)
    ]
    assert themes == [[("parking", "barrier")], []]


@pytest.mark.slow
def test_ten_thousand_answers_in_a_few_seconds(tmp_path: Path) -> None:
    answers = [
        "we are short staffed and the inbox is out of control",
        "love my patients, they are why i stay",
        "no protected admin time, meetings over lunch every week",
        "n/a",
        "our huddles keep us on the same page",
    ]
    stdin = "".join(f"{answers[i % len(answers)]} ({i})\n" for i in range(10_000)).encode()
    started = time.monotonic()
    result = thrive_code(tmp_path, stdin)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 10_000
    # About 1 s of coding and 1-2 s to start the command on an idle machine; the bound
    # leaves room for a busy CI machine without letting a slow coder through.
    assert elapsed < 10, f"{elapsed:.1f}s"
