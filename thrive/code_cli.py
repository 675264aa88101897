"""`thrive code`: code answers read one per line on standard input, one JSON object per
line out, with no database: what the coder (THRIVE_CODER) makes of a file of comments.

    $ printf 'not enough MAs\nlove my team\n' | thrive code --question job-difficult
    {"text": "not enough MAs", "themes": [{"id": "staffing", "polarity": "barrier", ...}]}

Content (codebook and questions) comes from THRIVE_CONTENT_DIR over the defaults, as
everywhere else. With no database there is no organisation: the shipped codebook alone
codes, without any organisation's accepted themes (bot/analysis/codebook.py).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, BinaryIO, TextIO

import typer

from bot.analysis import Coder, choose_coder, coder_for
from prompts import ContentError, load_content
from thrive.console import err, settings_or_exit


def code(
    question: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="The prompt id the answers reply to, e.g. job-difficult: it tells "
            "barriers from enablers when the wording does not.",
        ),
    ] = None,
) -> None:
    """Code answers from standard input (one per line) into codebook themes, as JSON lines."""
    settings = settings_or_exit()
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        err.print(f"Content error: {error}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    if question is not None:
        try:
            content.prompt(question)
        except KeyError:
            err.print(
                f"Unknown question id {question!r}: see the prompt ids in the question banks.",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(2) from None
    choose_coder(settings.coder)
    code_lines(coder_for(content), sys.stdin.buffer, sys.stdout, question)


def code_lines(coder: Coder, lines: BinaryIO, out: TextIO, question: str | None) -> None:
    """Each line of `lines` coded as one JSON object on `out`; bytes that are not UTF-8
    are replaced rather than refused, so one bad line never stops a file."""
    interactive = out.isatty()
    for raw in iter(lines.readline, b""):
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        themes = [
            {"id": c.theme, "polarity": c.polarity.value, "confidence": c.confidence}
            for c in coder.code(text, question)
        ]
        out.write(json.dumps({"text": text, "themes": themes}, ensure_ascii=False) + "\n")
        if interactive:
            out.flush()
    out.flush()
