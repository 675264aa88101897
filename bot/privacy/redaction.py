"""Redact patient identifiers before storage.

Redaction is deliberately conservative (it prefers removing a harmless
number to storing a medical record number). It reports which *kinds* of
identifier it removed so the clinician can be told, never the values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NAME = r"[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|['\u2019-])+"

# Order matters: specific patterns first so a date of birth isn't taken for a phone number.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "medical record number",
        re.compile(
            r"\b(?:MRN|medical record(?: number| no\.?)?|chart(?: number| no\.?| #)?)"
            r"\s*[:#]?\s*[A-Z]{0,3}\d[\d-]{3,}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date of birth",
        re.compile(
            r"\b(?:DOB|date of birth|born(?: on)?|d\.o\.b\.?)\s*[:#]?\s*"
            r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
            r"|[A-Z][a-z]+ \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})",
            re.IGNORECASE,
        ),
    ),
    (
        "phone number",
        # Bounded by digits, not words, so "555-123-4567x204" (an extension) is caught too.
        re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"),
    ),
    (
        "phone number",
        # Other countries group digits differently ("07700 900123", "+44 20 7946 0958"):
        # a run of digits and separators with 9 to 15 digits (E.164) is taken as a number.
        re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,22}\d(?!\d)"),
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}"
            r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way)\b\.?"
        ),
    ),
    (
        "patient name",
        # "patient John Smith", "pt. Smith", "Mrs. Jones" after "patient". A name is a
        # capital then letters of any case or script, so "McDonald", "O'Brien",
        # "Smith-Jones" and "José Núñez" are removed whole, not cut at the second capital.
        re.compile(
            r"\b(?i:patient|pt\.?),?\s+(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?"
            rf"{_NAME}(?:\s+{_NAME})?"
        ),
    ),
    ("long number", re.compile(r"\b\d{7,}\b")),
)

REDACTED = "[removed]"


@dataclass(frozen=True)
class Redaction:
    text: str
    removed: tuple[str, ...]  # kinds, in order of first appearance, without duplicates

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def redact(text: str) -> Redaction:
    removed: list[str] = []
    # Removing one identifier can expose another (digits glued to a name become a number
    # of their own), so repeat until a pass removes nothing: redacting twice changes nothing.
    # Every match removes original characters, never "[removed]" itself, so this ends.
    again = True
    while again:
        again = False
        for kind, pattern in _PATTERNS:
            changed = pattern.sub(_REPLACE_WITH.get(kind, REDACTED), text)
            if changed != text:
                text = changed
                again = True
                if kind not in removed:
                    removed.append(kind)
    return Redaction(text=text, removed=tuple(removed))


def redaction_notices(say: Callable[..., str], removed: tuple[str, ...]) -> tuple[str, ...]:
    """What to tell the person when something was removed (nothing if nothing was)."""
    if not removed:
        return ()
    return (say("privacy.redacted", kinds=", ".join(removed)),)


def _phone_digits(match: re.Match[str]) -> str:
    # Enough digits for a phone number, and not a date or a range like "10-12".
    digits = sum(char.isdigit() for char in match.group(0))
    return REDACTED if 9 <= digits <= 15 else match.group(0)


def _keep_patient_word(match: re.Match[str]) -> str:
    # Keep "patient" so the sentence still reads; drop only the name.
    word = match.group(0).split()[0]
    return f"{word} {REDACTED}"


# Kinds whose matches need a look before they go (the rest become REDACTED).
_REPLACE_WITH: dict[str, Callable[[re.Match[str]], str]] = {
    "patient name": _keep_patient_word,
    "phone number": _phone_digits,
}
