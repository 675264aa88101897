"""The words of a text as the name finder reads them: each with its place, its lookup
key and the few things the rules ask (capitalised? a possessive? an initial?)."""

from __future__ import annotations

import re

from bot.privacy.name_lists import key

TOKEN = re.compile(
    r"\[removed\]|[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?:-[^\W\d_]+(?:['\u2019][^\W\d_]+)*)*|\d+|\S"
)


class Token:
    """A word (or a number, or a mark) of the text, with what the rules ask of it."""

    __slots__ = (
        "all_caps",
        "capitalised",
        "dot",
        "end",
        "initial",
        "key",
        "lower",
        "possessive",
        "start",
        "text",
        "word",
    )

    def __init__(self, text: str, start: int, end: int, possessive: bool, dot: bool) -> None:
        self.text, self.start, self.end = text, start, end
        self.key = key(text)
        self.possessive, self.dot = possessive, dot
        self.word = text[0].isalpha()
        self.all_caps = len(text) > 1 and text.isupper()
        self.capitalised = text[0].isupper() and not self.all_caps
        self.lower = text.islower()
        self.initial = len(text) == 1 and self.word and dot


def tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in TOKEN.finditer(text):
        word, start, end = match.group(0), match.start(), match.end()
        possessive = False
        if len(word) > 3 and word[-2] in "'\u2019" and word[-1] in "sS":
            word, end, possessive = word[:-2], end - 2, True
        elif end < len(text) and text[end] in "'\u2019" and text[end + 1 : end + 2] in ("s", ""):
            possessive = True  # "Jones' chart"
        if word == "." and tokens and tokens[-1].initial and tokens[-1].end == start:
            continue  # the dot of an initial ("J. Smith") belongs to it
        dot = text[end : end + 1] == "."
        tokens.append(Token(word, start, end, possessive, dot))
    return tokens


def mostly_capitals(tokens: list[Token]) -> bool:
    words = [t for t in tokens if t.word and len(t.text) > 1]
    return bool(words) and sum(t.all_caps for t in words) >= 0.6 * len(words)
