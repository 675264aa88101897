"""Chat text made regular before the distress rules read it: lower case, straight quotes,
contractions spelt out ("don't" -> "do not", "im" -> "i am", "wanna" -> "want to"),
chat shorthands for self-harm written out ("kms" -> "kill myself"), and the text cut
into clauses, so a negation or a joke in one clause says nothing about the next.
"""

from __future__ import annotations

import re

# Curly quotes and dashes as phones type them, written as escapes to stay unambiguous.
_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)

# Spelt-out forms, longest and most specific first; applied word by word.
_EXPANSIONS: tuple[tuple[str, str], ...] = (
    (r"\bcan'?t\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bwon'?t\b", "will not"),
    (r"\b(do|does|did|is|are|was|were|would|could|should|have|has|had|must|need)n'?t\b", r"\1 not"),
    (r"\bi'?m\b", "i am"),
    (r"\bi'?ve\b", "i have"),
    (r"\bi'd\b", "i would"),
    (r"\bi'll\b", "i will"),
    (r"\b(it|that|there|what|who|everything|life|nothing)'?s\b", r"\1 is"),
    (r"\b(you|we|they)'re\b", r"\1 are"),
    (r"\b(you|we|they)'ll\b", r"\1 will"),
    (r"\b(you|we|they)'d\b", r"\1 would"),
    (r"\blet'?s\b", "let us"),
    (r"\bwanna\b", "want to"),
    (r"\b(want|wanted|going|need|have|got|ready|trying) 2\b", r"\1 to"),
    (r"\bgonna\b", "going to"),
    (r"\bgotta\b", "got to"),
    (r"\bkinda\b", "kind of"),
    (r"\bidk\b", "i do not know"),
    (r"\bpls\b|\bplz\b", "please"),
    (r"\bu\b", "you"),
    # Self-harm as chat writes it.
    (r"\bkms\b", "kill myself"),
    (r"\bunalive\b", "kill"),
    (r"\bself[\s-]*harm", "self harm"),
    (r"\bsuicidality\b", "suicidal"),
    (r"\bmeds\b", "pills"),
    (r"\bmedications?\b", "pills"),
    (r"\btablets\b", "pills"),
    (r"\bin[\s-]*basket\b", "inbox"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _EXPANSIONS)
# Where one clause ends and the next begins: sentence ends, commas, dashes, "but".
_CLAUSE_BREAK = re.compile(r"\s*(?:[.!?;:\n]+|,|\s-\s|\(|\)|\bbut\b|\bthough\b|\balthough\b)\s*")
_SPACES = re.compile(r"[ \t]+")
_NOISE = re.compile(r"[^a-z0-9'\"\s.,!?;:\n()-]")


def normalise(text: str) -> str:
    """Lower case, straight quotes, contractions and shorthands spelt out, one space."""
    text = text.translate(_QUOTES).lower()
    text = _NOISE.sub(" ", text)
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    text = text.replace("'", "")
    return _SPACES.sub(" ", text).strip()


def clauses(normalised: str) -> list[str]:
    """The clauses of normalised text, in order, none empty."""
    return [part.strip() for part in _CLAUSE_BREAK.split(normalised) if part and part.strip()]
