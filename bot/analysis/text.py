"""A clinician's answer as words ready to match against the codebook.

Chat answers are short, lower case, abbreviated and misspelt ("pts", "cant", "w/o",
"inbasket"), so the text is normalised first: accents dropped, contractions and common
abbreviations spelt out, a few emoji kept as a feeling. Each word is then stemmed with a
small suffix stripper and marked with the piece of the answer it belongs to and whether a
negation ("no", "not enough", "never", "lack of", "can't") reaches it.

Everything here is pure and never raises on text, whatever it holds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple


def word_set(text: str) -> frozenset[str]:
    """The words of a space-separated list (easier to read and edit than quoted ones)."""
    return frozenset(text.split())


# Emoji and symbols that say how the writer feels; everything else non-ASCII is dropped.
_FEELINGS = {
    **dict.fromkeys("😩😫😤😡😠😞😢😭🙄😣😖😔😓💀🤬☹🙁😒😑", " ugh "),
    **dict.fromkeys("😊🙂😀😃😄😁🥰😍❤💕💙💚👍🙌🎉✨🥳😎💪", " yay "),
    "$": " money ",
    "&": " and ",
    "+": " and ",
    "@": " at ",
}
_FEELING_TABLE = str.maketrans(_FEELINGS)
_ASCII_SYMBOLS = re.compile("[" + re.escape("".join(k for k in _FEELINGS if k.isascii())) + "]")

# Spelt out before splitting into words; order matters ("can't" before "n't"). Each comes
# with a piece of text it needs, so the common answer skips the regular expressions.
_PHRASES = [
    (("w/",), re.compile(r"\bw/o\b"), " without "),
    (("w/",), re.compile(r"\bw/"), " with "),
    (("b/c",), re.compile(r"\bb/c\b"), " because "),
    (("f/u",), re.compile(r"\bf/u\b"), " follow up "),
    # Idioms whose words would read as a theme or a negation: "no idea" is not a lack of ideas.
    (
        ("idea", "clue", "family"),
        re.compile(r"\b(?:no|any) (?:idea|clue)\b|\bfamily (?:medicine|practice|physician|doc)"),
        " ",
    ),
    (("can",), re.compile(r"\bcan'?t\b"), "can not"),
    (("won",), re.compile(r"\bwon'?t\b"), "will not"),
    (("n't",), re.compile(r"n't\b"), " not"),
    # Clock times say when work spills over: 6-7 pm is the evening, later is the night.
    (("pm",), re.compile(r"\b(?:8|9|10|11|12)(?::[0-5][0-9])? ?pm\b"), " late at night "),
    (("pm",), re.compile(r"\b(?:6|7)(?::[0-5][0-9])? ?pm\b"), " in the evening "),
    # A hyphen or slash inside a word joins words ("in-basket", "9/80"); a lone dash splits.
    (("-", "/"), re.compile(r"(?<=[a-z0-9])[-/](?=[a-z0-9])"), " "),
]
_NEEDED = re.compile("|".join(re.escape(piece) for needs, _, _ in _PHRASES for piece in needs))
# (Curly apostrophes need no rule: only ASCII is left, and "cant" is spelt out below.)

# One word for another, after splitting: chat abbreviations and apostrophe-less contractions.
_SPELT_OUT = {
    "pt": "patient",
    "pts": "patients",
    "ppl": "people",
    "appt": "appointment",
    "appts": "appointments",
    "sched": "schedule",
    "hr": "hour",
    "hrs": "hours",
    "min": "minute",
    "mins": "minutes",
    "wk": "week",
    "wks": "weeks",
    "wknd": "weekend",
    "wknds": "weekends",
    "mgmt": "management",
    "mgr": "manager",
    "msg": "message",
    "msgs": "messages",
    "dr": "doctor",
    "drs": "doctors",
    "docs": "doctors",
    "doc": "doctor",
    "rn": "nurse",
    "rns": "nurses",
    "lpn": "nurse",
    "lpns": "nurses",
    "emr": "ehr",
    "epic": "ehr",
    "cerner": "ehr",
    "athena": "ehr",
    "meds": "medications",
    "med": "medication",
    "rx": "prescription",
    "thx": "thanks",
    "ty": "thanks",
    "bc": "because",
    "cuz": "because",
    "tho": "though",
    "u": "you",
    "ur": "your",
    "abt": "about",
    "w": "with",
    "wfh": "work from home",
    "cant": "can not",
    "cannot": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "aint": "is not",
    "im": "i am",
    "ive": "i have",
    "theres": "there is",
    "thats": "that is",
    "nobodys": "nobody is",
    "noone": "no one",
}

# Words a negation reaches over without spending its reach ("not *really enough* staff").
_TRANSPARENT = word_set(
    "a an the my our their your his her its this that these those some any of to for "
    "and or enough really very so even just actually quite much many nearly near always "
    "ever have has had get got getting be been being is are was were am do does did "
    "feel felt like it there i we they me us",
)
# Possessives, articles, intensifiers and numbers a phrase may skip: "time with (my)
# patients", "time to (really) listen".
_FILLERS = word_set(
    "a an the my our their your his her its this that these those each every really "
    "actually just truly even finally still",
)

NEGATORS = word_set(
    "no not never without none nobody nor neither zero lack lacks lacking few "
    "hardly barely rarely seldom insufficient inadequate lost lose losing miss missing",
)
# A negator followed by one of these is not a negation: "not only", "no matter".
_NOT_NEGATED = word_set("only just matter doubt wonder sure mind")
NEGATION_REACH = 3  # words a negation reaches, transparent words not counted

# Words that end a clause (the feeling on one side does not cross to the other).
_CLAUSE_WORDS = word_set("but however though although except yet whereas")
_TOKEN = re.compile("[a-z]+|[0-9]+|[.!?;:\n]+|[,()\\[\\]\\-\u2013\u2014/|]")
_CLAUSE_MARKS = frozenset(".!?;:\n")

_KEEP_DOUBLE = frozenset("lsz")  # "staffed" keeps its ff: "staff"


class Word(NamedTuple):
    """One word of an answer, stemmed, with where it stands (a tuple: an answer makes
    dozens, and a tuple is the cheapest object to make)."""

    stem: str
    written: str  # as written, after normalising ("interuptions")
    negated: bool  # a negation before it reaches it
    negator: bool  # it is itself a negation ("no", "never", "lack")
    filler: bool  # a phrase may skip it ("my", "the", a number)
    clause: int  # sentence or "but"-clause it belongs to
    piece: int  # comma-separated piece it belongs to (inside its clause)


def normalise(text: str) -> str:
    """Lower case, accents and unknown symbols dropped, contractions spelt out."""
    if text.isascii():  # most answers: only a few symbols to spell out
        if _ASCII_SYMBOLS.search(text):
            text = text.translate(_FEELING_TABLE)
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.translate(_FEELING_TABLE).lower())
        text = text.encode("ascii", "ignore").decode("ascii")
    if _NEEDED.search(text):
        for needs, pattern, replacement in _PHRASES:
            if any(piece in text for piece in needs):
                text = pattern.sub(replacement, text)
    return text.replace("'", " ")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: one stem for the forms clinicians write of a word.

    It strips plurals, -ing, -ed, -ly, -tion, -tive and a final -e, and undoubles a
    final consonant ("staffing", "staffed" and "staff" are one stem; "scheduling" and
    "schedule" too; "hiring", "hired" and "hire"). Both the codebook and the answers go
    through it, so it only needs to be consistent, not linguistically right; it is
    deliberately gentler than Porter, which folds "organization" into "organ" and
    "general" into "generous".
    """
    if len(word) <= 3 or not word.isalpha() or word in _WHOLE:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word in _WHOLE:
        return word
    for suffix in ("ingly", "edly", "ing", "ed"):
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 3 and _has_vowel(rest):
            word = _undouble(rest)
            if len(word) == 3 and _short_syllable(word):
                word += "e"  # "hired", "hiring" -> "hire"; "coding" -> "code"
            break
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    if word.endswith(("tion", "tive")) and len(word) > 6:
        word = word[:-3]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


# Words whose ending is not a suffix ("evening" is not "even" + "ing").
_WHOLE = word_set(
    "evening morning nothing something anything everything thing during bring spring "
    "string ceiling sibling wedding pudding bus gas this always dictation values rooming roomed",
)


def _has_vowel(text: str) -> bool:
    return any(letter in "aeiouy" for letter in text)


def _short_syllable(word: str) -> bool:
    """Consonant, vowel, consonant: the stem lost a silent e ("hir" from "hire")."""
    return word[0] not in "aeiou" and word[1] in "aeiou" and word[2] not in "aeiouwxy"


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _KEEP_DOUBLE:
        return word[:-1]
    return word


# Words are made with the tuple's own constructor: a NamedTuple's __new__ is a Python
# function, and an answer makes dozens of words (this halves what each costs).
_new = tuple.__new__


def words(text: str) -> list[Word]:
    """The answer's words in order, with negation reach, clauses and pieces marked."""
    result: list[Word] = []
    clause = piece = 0
    reach = 0  # counted words the last negation still reaches
    for token in _TOKEN.findall(normalise(text)):
        first = token[0]
        if first in _CLAUSE_MARKS:
            clause, piece, reach = clause + 1, 0, 0
            continue
        if not first.isalnum():
            piece, reach = piece + 1, 0
            continue
        for word, word_stem, ends_clause, negator, stops_negation, transparent, filler in _spelt(
            token
        ):
            if ends_clause:
                clause, piece, reach = clause + 1, 0, 0
            elif negator and not (word == "few" and result and result[-1].stem == "a"):
                result.append(_new(Word, (word, word, reach > 0, True, False, clause, piece)))
                reach = NEGATION_REACH
            else:
                if stops_negation and result and result[-1].negator:
                    reach = 0
                if reach > 0:
                    if not transparent:
                        reach -= 1
                    result.append(_new(Word, (word_stem, word, True, False, filler, clause, piece)))
                else:
                    result.append(
                        _new(Word, (word_stem, word, False, False, filler, clause, piece))
                    )
    return result


class _Spelt(NamedTuple):
    """One word of a token, spelt out, and what it does to its neighbours: worked out
    once per distinct token, as answers repeat the same few thousand words."""

    word: str
    stem: str
    ends_clause: bool  # "but"
    negator: bool  # "no", "never", "lack"
    stops_negation: bool  # "only" in "not only"
    transparent: bool  # a negation reaches over it without spending its reach
    filler: bool  # a phrase may skip it


@lru_cache(maxsize=65536)
def _spelt(token: str) -> tuple[_Spelt, ...]:
    return tuple(
        _Spelt(
            word,
            stem(word),
            word in _CLAUSE_WORDS,
            word in NEGATORS,
            word in _NOT_NEGATED,
            word in _TRANSPARENT,
            word in _FILLERS or word.isdigit(),
        )
        for word in _SPELT_OUT.get(token, token).split()
    )
