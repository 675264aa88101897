"""What a message means when no question is open for the person.

"hi", "thanks!", "yes", "5" and "👍" are not ideas: they get a short friendly
reply. Only a message that reads like a suggestion (a modal "we should", "what
if", "it would help if", an imperative improvement, or simply a long message) is
offered to the leaders as an idea. The rules look at the shape of the sentence,
not at a list of known ideas, so they hold for ideas nobody has written yet.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum


class Reading(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    YES_NO = "yes_no"
    NUMBER = "number"
    EMOJI = "emoji"
    SUGGESTION = "suggestion"
    UNCLEAR = "unclear"


# A message this long (in words) says something worth a leader's look, whatever its form.
SUGGESTION_WORDS = 8

_GREETING = re.compile(
    r"^(hi+|hello+|hey+|hiya|howdy|yo|good\s+(morning|afternoon|evening|day)|greetings|"
    r"morning|evening)\b(\s+(there|thrive|bot|all|everyone))?$"
)
_THANKS = re.compile(
    r"^(thanks?( you)?( so much| very much| a lot)?|thank u|thx|ty|cheers|"
    r"much appreciated|appreciate it|great,? thanks|ok,? thanks|perfect|great|cool|awesome|"
    r"got it|noted)$"
)
_YES_NO = re.compile(
    r"^(yes|no|yep|yeah|yup|nope|nah|ok|okay|k|sure|fine|maybe|y|n|of course|not really|"
    r"no thanks|no thank you|all good|done)$"
)
_NUMBER = re.compile(r"^[-+]?\d+([.,/]\d+)?\s*(/\s*\d+)?$")
# How suggestions are phrased: a modal wish, a question proposing a change, a conditional.
_SUGGESTING = re.compile(
    r"\b(we|you|they|someone|clinics?|leaders?|management|it)\s+(should|could|need to|"
    r"ought to|must|might)\b|\bshould(n't)?\s+(we|there|they|it)\b|\bcould\s+(we|there|they)\b|"
    r"\bwhat if\b|\bhow about\b|\bwhy (don't|can't|not)\b|\bwould (help|be (nice|great|good|"
    r"better))\b|\bit would\b|\bi wish\b|\bi'?d (like|love)\b|\blet'?s\b|\binstead of\b|"
    r"\bif only\b|\bwe need\b|\bplease (add|stop|give|make|let|allow)\b"
)
# An imperative that asks for a change: "Rotate the front desk lead weekly".
_IMPROVING = frozenset(
    {
        "add",
        "allow",
        "bring",
        "build",
        "cancel",
        "change",
        "create",
        "cut",
        "drop",
        "end",
        "ensure",
        "extend",
        "fix",
        "get",
        "give",
        "hire",
        "improve",
        "increase",
        "introduce",
        "keep",
        "let",
        "limit",
        "lower",
        "make",
        "move",
        "offer",
        "protect",
        "provide",
        "raise",
        "reduce",
        "remove",
        "replace",
        "rotate",
        "schedule",
        "set",
        "share",
        "simplify",
        "start",
        "stop",
        "streamline",
        "swap",
        "switch",
        "train",
        "try",
        "use",
    }
)
_MORE_OR_LESS = re.compile(r"^(more|less|fewer|better|no more|an? (extra|second|dedicated))\b")


def read(text: str) -> Reading:
    """What `text` (a message with no question open) most likely is."""
    cleaned = " ".join(text.lower().split()).strip(" .!?,;:~")
    cleaned = cleaned.replace("\u2019", "'")  # a typographic apostrophe
    if not any(ch.isalnum() for ch in cleaned):
        return Reading.EMOJI
    words = _letters(cleaned)
    if _NUMBER.match(cleaned):
        return Reading.NUMBER
    if _GREETING.match(words):
        return Reading.GREETING
    if _THANKS.match(words) or (words.startswith(("thanks ", "thank you ")) and len(words) < 40):
        return Reading.THANKS
    if _YES_NO.match(words):
        return Reading.YES_NO
    if _reads_as_suggestion(cleaned):
        return Reading.SUGGESTION
    return Reading.UNCLEAR


def nearest_command(text: str, commands: Iterable[str]) -> str | None:
    """The command a short, command-like message was probably meant to be ("pulsse")."""
    typed = " ".join(text.lower().split()).strip(" .!?")
    if not typed or len(typed.split()) > 2 or len(typed) > 30:
        return None
    known = list(commands)
    first_word = typed.split()[0]
    for candidate in (typed, first_word):
        close = difflib.get_close_matches(candidate, known, n=1, cutoff=0.75)
        if close:
            return close[0]
    return None


def _reads_as_suggestion(text: str) -> bool:
    if _SUGGESTING.search(text) or _MORE_OR_LESS.match(text):
        return True
    words = text.split()
    first = words[0].strip(",.") if words else ""
    if first == "please" and len(words) > 1:
        first = words[1]
    if first in _IMPROVING and len(words) >= 3:
        return True
    return len(words) >= SUGGESTION_WORDS


def _letters(text: str) -> str:
    """The words alone, emoji and punctuation dropped: "thanks!! 🙏" -> "thanks"."""
    kept = [
        ch for ch in text if ch.isalnum() or ch in " '" or unicodedata.category(ch).startswith("Z")
    ]
    return " ".join("".join(kept).split())
