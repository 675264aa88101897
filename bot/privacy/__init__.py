"""The privacy room: what keeps a clinician's words safe.

Owns redaction of patient identifiers before anything is stored, and the
pseudonymous keys that stand in for a person where they must not be named.

May import: nothing else in bot/; every room may import it.
"""

from bot.privacy.name_lists import name_lists
from bot.privacy.pseudonyms import pseudonym
from bot.privacy.redaction import REDACTED, Redaction, redact, redaction_notices


def load_word_lists() -> None:
    """Read the name and word lists now (once per process, a few hundred ms), so the
    first message a server redacts does not wait for them."""
    name_lists()


__all__ = ["REDACTED", "Redaction", "load_word_lists", "pseudonym", "redact", "redaction_notices"]
