"""`thrive redact`: the redactor on standard input, one item per line, for checking what
it removes (or redacting a file before it is shared). No settings, no database."""

from __future__ import annotations

import json
import sys

from bot.privacy import redact


def redact_lines() -> None:
    """Redact patient identifiers from each line of standard input; print one JSON object
    per line, {"text": ..., "found": ...}: the redacted line and the kinds removed."""
    # Bytes in, so a line that isn't valid UTF-8 is still read (as U+FFFD) and answered.
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        result = redact(line)
        sys.stdout.write(json.dumps({"text": result.text, "found": list(result.removed)}))
        sys.stdout.write("\n")
        sys.stdout.flush()  # a pipe reading line by line gets each answer at once
