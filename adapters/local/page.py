"""The local chat's page, worded from copy: chat.html's `{{ key }}` become the copy's
messages (HTML-escaped; `{{ key | code }}` also turns `backticks` into <code>), and
`{{ words }}` the few the page's script says itself, as JSON in a data attribute."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from bot.messages import Say

TEMPLATE = Path(__file__).parent / "chat.html"
# What chat.js says itself: a failed request, a message with nobody picked, and the
# groups of the person picker.
SCRIPT_WORDS = (
    "chat.unreachable",
    "chat.pick_first",
    "chat.no_site",
    "chat.group.clinician",
    "chat.group.leader",
    "chat.group.wellness_lead",
)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_.]+)\s*(\|\s*code\s*)?\}\}")
_CODE = re.compile(r"`([^`]+)`")


def page_html(say: Say, template: str | None = None) -> str:
    """The page, every word on it from copy."""
    source = TEMPLATE.read_text(encoding="utf-8") if template is None else template

    def fill(match: re.Match[str]) -> str:
        key, as_code = match.group(1), match.group(2) is not None
        if key == "words":
            words = {key: say(key) for key in SCRIPT_WORDS}
            return html.escape(json.dumps(words, ensure_ascii=False), quote=True)
        text = html.escape(say(key), quote=True)
        return _CODE.sub(r"<code>\1</code>", text) if as_code else text

    return _PLACEHOLDER.sub(fill, source)
