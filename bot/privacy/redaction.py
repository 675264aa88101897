"""Redact patient identifiers before storage: the HIPAA Safe Harbor kinds a clinician is
likely to type in chat.

Redaction is deliberately conservative (it prefers removing a harmless number to storing a
medical record number). It reports which *kinds* of identifier it removed so the clinician
can be told, never the values. Each family of identifier has its own finder module; this
one runs them, merges what they found and puts REDACTED in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.privacy.address_patterns import find_addresses
from bot.privacy.contact_patterns import find_contacts
from bot.privacy.date_patterns import find_ages, find_dates
from bot.privacy.found import Finder, Found
from bot.privacy.name_finder import find_names
from bot.privacy.number_patterns import find_numbers

REDACTED = "[removed]"

# Every kind the redactor reports, in the order it reports them. Each has a copy key,
# privacy.kind.<kind with underscores>, for the words the clinician reads.
KINDS: tuple[str, ...] = (
    "email",
    "web address",
    "IP address",
    "medical record number",
    "account number",
    "insurance number",
    "SSN",
    "licence number",
    "vehicle number",
    "device number",
    "ID number",
    "date",
    "age",
    "phone number",
    "fax number",
    "address",
    "patient name",
)

# Where two finders claim overlapping text, the longer claim's kind wins; on a tie, the
# earlier finder's (a ten-digit run is a phone number before it is an ID number).
FINDERS: tuple[Finder, ...] = (
    find_contacts,
    find_numbers,
    find_dates,
    find_ages,
    find_addresses,
    find_names,
)

_MAX_PASSES = 10
GENERIC = "ID number"  # what a number is when nothing says more


@dataclass(frozen=True)
class Redaction:
    text: str
    removed: tuple[str, ...]  # kinds, in KINDS order, without duplicates

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def redact(text: str) -> Redaction:
    removed: set[str] = set()
    # Removing one identifier can expose another (digits glued to a name become a number
    # of their own), so repeat until a pass removes nothing: redacting twice changes
    # nothing. A pass only ever replaces characters that are not already REDACTED, so
    # each pass that changes something shortens what is left to look at, and this ends.
    for _ in range(_MAX_PASSES):
        found = _merge(_find_all(text), text)
        if not found:
            break
        text = _replace(text, found)
        removed.update(kind for _, _, kind in found)
    return Redaction(text=text, removed=tuple(kind for kind in KINDS if kind in removed))


def redaction_notices(say: Callable[..., str], removed: tuple[str, ...]) -> tuple[str, ...]:
    """What to tell the person when something was removed (nothing if nothing was)."""
    if not removed:
        return ()
    return (say("privacy.redacted", kinds=", ".join(kind_names(say, removed))),)


def kind_names(say: Callable[..., str], removed: tuple[str, ...]) -> list[str]:
    """The kinds removed, in the words the person reads (copy: privacy.kind.<kind>)."""
    return [say(f"privacy.kind.{kind.lower().replace(' ', '_')}") for kind in removed]


def _find_all(text: str) -> list[Found]:
    found: list[Found] = []
    for finder in FINDERS:
        found.extend(span for span in finder(text) if span.end > span.start)
    return found


def _merge(found: list[Found], text: str) -> list[Found]:
    """Overlapping claims become one span; a span never cuts into a REDACTED marker,
    and one that lies wholly inside markers is dropped (it would find nothing new)."""
    markers = _markers(text)
    order = {finder_kind: i for i, finder_kind in enumerate(found)}
    spans = sorted(found, key=lambda s: (s.start, -(s.end - s.start), order[s]))
    merged: list[Found] = []
    for span in spans:
        span = _widen(span, markers)
        if _inside_markers(span, markers, text):
            continue
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Found(last.start, max(last.end, span.end), _stronger(last, span).kind)
        else:
            merged.append(span)
    return merged


def _stronger(first: Found, second: Found) -> Found:
    """The longer claim; on a tie the first, unless it is only a generic "ID number"
    ("14-Mar-2024" is a date before it is a code of letters and digits)."""
    first_length, second_length = first.end - first.start, second.end - second.start
    if first_length == second_length and first.kind == GENERIC and second.kind != GENERIC:
        return second
    return first if first_length >= second_length else second


def _markers(text: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(REDACTED)
    while start != -1:
        spans.append((start, start + len(REDACTED)))
        start = text.find(REDACTED, start + len(REDACTED))
    return spans


def _widen(span: Found, markers: list[tuple[int, int]]) -> Found:
    start, end = span.start, span.end
    for m_start, m_end in markers:
        if m_start < end and start < m_end:
            start, end = min(start, m_start), max(end, m_end)
    return Found(start, end, span.kind)


def _inside_markers(span: Found, markers: list[tuple[int, int]], text: str) -> bool:
    """Only markers and the spaces or punctuation between them: nothing new to remove."""
    covered = span.start
    for m_start, m_end in markers:
        if m_end <= covered or m_start >= span.end:
            continue
        if text[covered:m_start].strip(" ,.-/()&") or m_start > span.end:
            return False
        covered = m_end
    return covered >= span.end or not text[covered : span.end].strip(" ,.-/()&")


def _replace(text: str, found: list[Found]) -> str:
    pieces, at = [], 0
    for start, end, _ in found:
        pieces.append(text[at:start])
        pieces.append(REDACTED)
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
