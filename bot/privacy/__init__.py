"""The privacy room: what keeps a clinician's words safe.

Owns redaction of patient identifiers before anything is stored, and the
pseudonymous keys that stand in for a person where they must not be named.

May import: nothing else in bot/; every room may import it.
"""

from bot.privacy.pseudonyms import pseudonym
from bot.privacy.redaction import REDACTED, Redaction, redact, redaction_notices

__all__ = ["REDACTED", "Redaction", "pseudonym", "redact", "redaction_notices"]
