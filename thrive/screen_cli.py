"""`thrive screen`: the distress safety net's screen on standard input, one item per line,
for checking what it would answer with care. No settings, no database."""

from __future__ import annotations

import json
import sys

from bot.privacy import screen


def screen_lines() -> None:
    """Screen each line of standard input for signs of acute distress or self-harm; print
    one JSON object per line, {"text": ..., "distress": true|false}."""
    # Bytes in, so a line that isn't valid UTF-8 is still read (as U+FFFD) and answered.
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        sys.stdout.write(json.dumps({"text": line, "distress": screen(line).distress}))
        sys.stdout.write("\n")
        sys.stdout.flush()  # a pipe reading line by line gets each answer at once
