"""The privacy room: what keeps a clinician's words safe.

Owns redaction of patient identifiers before anything is stored, and the
pseudonymous keys that stand in for a person where they must not be named, and
the one suppression rule for small groups that every figure shown passes through, and
the distress safety net's screen (distress.py: signs of acute distress or self-harm in
what a person writes, venting and denials told apart).

May import: nothing else in bot/; every room may import it.
"""

from bot.privacy.distress import Screening, screen
from bot.privacy.name_lists import name_lists
from bot.privacy.pseudonyms import pseudonym
from bot.privacy.redaction import (
    KINDS,
    REDACTED,
    Redaction,
    kind_names,
    redact,
    redaction_notices,
)
from bot.privacy.suppression import (
    NotEnoughResponses,
    Thresholds,
    check_filter,
    may_quote,
    may_show,
    shown_groups,
)


def load_word_lists() -> None:
    """Read the name and word lists now (once per process, a few hundred ms), so the
    first message a server redacts does not wait for them."""
    name_lists()


__all__ = [
    "KINDS",
    "REDACTED",
    "NotEnoughResponses",
    "Redaction",
    "Screening",
    "Thresholds",
    "check_filter",
    "kind_names",
    "load_word_lists",
    "may_quote",
    "may_show",
    "pseudonym",
    "redact",
    "redaction_notices",
    "screen",
    "shown_groups",
]
