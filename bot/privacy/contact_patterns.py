"""Ways to reach a person: phone and fax numbers, emails, web addresses, IP addresses."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from bot.privacy.found import Found

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Spelled out to dodge filters: "jdoe at gmail dot com", "jdoe [at] gmail [dot] com".
SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+\s*(?:\[at\]|\(at\)|\sat\s)\s*[\w-]+\s*(?:\[dot\]|\(dot\)|\sdot\s)\s*"
    r"(?:com|org|net|edu|gov|us|io|co)\b",
    re.IGNORECASE,
)

_TLD = (
    r"com|org|net|edu|gov|mil|io|co|us|uk|ca|me|ly|info|biz|app|health|care|blog|site|online"
    r"|tv|gl|be|to|fm|link|page"
)
WEB_ADDRESS = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    # A bare domain, with or without a path: "bit.ly/3xYz", "facebook.com/gloria.e".
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLD})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)

# North American numbers in every common form: 555-867-5309, (617) 555-0142, 617.555.0199,
# +1 617 555 0100, 1-800-555-0199, 6175550123, with an extension. Bounded by digits, not
# words, so a number glued to a word ("Jones555-123-4567") is caught too.
NANP = re.compile(
    r"(?<!\d)(?:\+?1\s?[\s.\u2013-]?\s?)?(?:\(\s?\d{3}\s?\)|\d{3})\s?[\s.\u2013-]?\s?\d{3}"
    r"[\s.\u2013-]?\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?(?!\d)",
    re.IGNORECASE,
)
# Other countries group digits differently ("07700 900123", "+44 20 7946 0958"): a run that
# starts with + or 0 and holds 9 to 15 digits (E.164).
INTERNATIONAL = re.compile(r"(?<![\w+.])(?:\+|0)\(?\d[\d\s().-]{7,22}\d(?!\d)")
# Ten digits grouped oddly ("555 0199 332"): groups of 2 to 4 digits, single separators.
GROUPED = re.compile(r"(?<![\d.,/])\d{2,4}(?:[ .-]\d{2,4}){2,3}(?![\d/]|\.\d)")
# A local number: 555-0142. Not a range of doses ("250-1000 mg").
LOCAL = re.compile(
    r"(?<![\d.,/-])\d{3}[-.]\d{4}(?![\d-]|\.\d|\s*(?:mg|mcg|ml|units?|iu|g|kg|lbs?|pts?|"
    r"patients|people|steps|cal|kcal|ms)\b)",
    re.IGNORECASE,
)
FAX_CUE = re.compile(r"\bfax(?:ed|ing)?\b", re.IGNORECASE)
VOICE_CUE = re.compile(r"\b(?:call|cell|phone|ph|text|tel|mobile|home|work|vm)\b", re.IGNORECASE)

IP_CANDIDATE = re.compile(
    r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]|\.\d)"
    r"|(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])",
    re.IGNORECASE,
)


def find_contacts(text: str) -> Iterator[Found]:
    if "@" in text:
        for match in EMAIL.finditer(text):
            yield Found(match.start(), match.end(), "email")
    for match in SPELLED_EMAIL.finditer(text):
        yield Found(match.start(), match.end(), "email")
    if "." in text:  # every web address has one
        for match in WEB_ADDRESS.finditer(text):
            end = match.end()
            while end > match.start() and text[end - 1] in ".,;:!?)]'\"":
                end -= 1  # the sentence's punctuation, not the address's
            yield Found(match.start(), end, "web address")
    if any(char.isdigit() for char in text):
        yield from _ip_addresses(text)
        yield from _phone_numbers(text)


def _ip_addresses(text: str) -> Iterator[Found]:
    for match in IP_CANDIDATE.finditer(text):
        candidate = match.group(0)
        if ":" in candidate and candidate.count(":") < 3 and "::" not in candidate:
            continue  # a time ("10:30:15") or a ratio, not IPv6
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            continue
        yield Found(match.start(), match.end(), "IP address")


def _phone_numbers(text: str) -> Iterator[Found]:
    for pattern, digits in ((NANP, (10, 16)), (INTERNATIONAL, (9, 15)), (GROUPED, (10, 11))):
        for match in pattern.finditer(text):
            count = sum(char.isdigit() for char in match.group(0))
            if digits[0] <= count <= digits[1]:
                yield Found(match.start(), match.end(), _phone_kind(text, match.start()))
    for match in LOCAL.finditer(text):
        yield Found(match.start(), match.end(), _phone_kind(text, match.start()))


def _phone_kind(text: str, start: int) -> str:
    # "fax the records to 617-555-0143": the nearest cue before the number decides.
    before = text[max(0, start - 40) : start]
    fax = [m.end() for m in FAX_CUE.finditer(before)]
    voice = [m.end() for m in VOICE_CUE.finditer(before)]
    if fax and (not voice or fax[-1] > voice[-1]):
        return "fax number"
    return "phone number"
