"""Numbers that name a person: record, account, insurance (Medicare MBI), social security,
licence, vehicle and device numbers, and any other long number or letter-and-digit code.

A cue before the number says what it is ("MRN", "member id", "plate"); a few have a shape
of their own (an SSN 123-45-6789, an MBI 1EG4-TE5-MK73, a 17-character VIN). Without a cue,
7 or more digits, or a code mixing letters with 5 or more digits, are still removed: a
harmless number lost costs less than a record number kept. Short numbers (doses, counts,
lab values, room and bed numbers) stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.privacy.found import Found

_NO = r"(?:\s*(?:number|num|no\.?|nbr|#|id)\b\.?|\s*#)"
# The words that introduce each kind of number. Order matters where cues overlap:
# "license plate" is a vehicle before "license" is a licence.
_CUES: tuple[tuple[str, str], ...] = (
    (
        "vehicle number",
        rf"(?:licen[cs]e\s+)?plates?{_NO}?|tag{_NO}|vin{_NO}?|vehicle{_NO}",
    ),
    (
        "medical record number",
        rf"mrns?|mr\s?#|m\.r\.n\.?|med(?:ical)?\.?\s*rec(?:ord)?s?\.?{_NO}?|chart{_NO}"
        rf"|records?{_NO}|(?:pt|patient)\.?\s*(?:id|#|number|no\.?)|csn|fin{_NO}?"
        rf"|encounter{_NO}|visit{_NO}|emr{_NO}|hosp(?:ital)?{_NO}|accession{_NO}?",
    ),
    (
        "account number",
        rf"acct\.?{_NO}?|accounts?{_NO}?|a/c{_NO}?|har{_NO}?|guarantor{_NO}?|billing{_NO}"
        rf"|invoice{_NO}?|claim{_NO}",
    ),
    (
        "insurance number",
        rf"member{_NO}|mbr{_NO}|subscriber{_NO}?|policy{_NO}?|group{_NO}?|grp{_NO}?"
        rf"|ins(?:urance)?\.?{_NO}|medicare(?:\s*card)?{_NO}?|medicaid{_NO}?|mbi|hicn"
        rf"|bcbs{_NO}?|uhc{_NO}?|aetna{_NO}?|cigna{_NO}?|humana{_NO}?|tricare{_NO}?"
        rf"|va{_NO}|plan{_NO}|rx\s?(?:bin|pcn|grp)",
    ),
    ("SSN", rf"ssn{_NO}?|ss\s?#|ss\s?no\.?|social(?:\s+security)?(?:{_NO})?"),
    (
        "licence number",
        rf"driver'?s?\s+licen[cs]e{_NO}?|dl{_NO}?|d/l{_NO}?|licen[cs]e{_NO}?"
        rf"|lic\.?{_NO}|passport{_NO}?|state\s+id{_NO}?|dea{_NO}?|npi{_NO}?",
    ),
    (
        "device number",
        rf"serial{_NO}?|s/n|sn|device{_NO}|udi|imei|model{_NO}|pacemaker\s+serial",
    ),
)
# Between the cue and the number: "mrn is", "member id: ", "ssn ending", "last 4 of ssn".
_BRIDGE = r"(?:\s*(?:is|was|=|:|-|#|ending(?:\s+in)?)\s*)*\s*"
# The number itself: digits, maybe letters and dashes, at least 3 digits (4 for an SSN's
# last four); a space only inside an SSN ("123 45 6789") or a plate ("XJK 4410").
_VALUE = r"(?P<value>(?=[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?)"
_SSN_VALUE = r"(?P<value>\d{3}[\s.-]?\d{2}[\s.-]?\d{4}|(?:x{3}[\s.-]?x{2}[\s.-]?)?\d{4})"
# A plate may come after its state: "license plate NY ABC1234".
_PLATE_VALUE = (
    r"(?:[A-Z]{2}\s+(?=[A-Z0-9-]*\d))?"
    r"(?P<value>[A-Z0-9]{2,4}[\s-][A-Z0-9]{2,4}|[A-Z0-9][A-Z0-9-]{2,15}[A-Z0-9])"
)

# One scan finds every cue (a group per kind); the kind's value pattern then reads on.
CUE = re.compile(
    r"(?<![\w/])(?:" + "|".join(f"(?P<k{i}>{cue})" for i, (_, cue) in enumerate(_CUES)) + ")",
    re.IGNORECASE,
)
_KINDS = tuple(kind for kind, _ in _CUES)
VALUES: dict[str, re.Pattern[str]] = {
    kind: re.compile(
        _BRIDGE
        + (_SSN_VALUE if kind == "SSN" else _PLATE_VALUE if kind == "vehicle number" else _VALUE)
        + r"(?![\w-])",
        re.IGNORECASE,
    )
    for kind in _KINDS
}
# More of the same after a cued number: "3 MRNs 1102938, 1102939, 1109921".
_MORE = re.compile(r"\s*(?:,|and|&|/|or)\s*(?P<value>[A-Z]{0,3}\d[\dA-Z-]{3,})(?![\w-])", re.I)
# "10000units", "1500mg", "12th": a quantity, not a code.
_QUANTITY = re.compile(
    r"\d+(?:mg|mcg|ml|units?|iu|u|k|kg|g|lbs?|cc|hrs?|mins?|am|pm|st|nd|rd|th|s|x|mmhg)", re.I
)
_MONEY_OR_UNIT = re.compile(r"^\s*(?:mg|mcg|ml|units?|%|dollars|hours?|hrs?)\b", re.I)

SSN = re.compile(r"(?<![\d-])\d{3}([\s.-])\d{2}\1\d{4}(?![\d-])")
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"
MBI = re.compile(
    rf"\b[1-9]{_MBI_LETTER}[{_MBI_LETTER[1:-1]}0-9]\d-?{_MBI_LETTER}[{_MBI_LETTER[1:-1]}0-9]\d"
    rf"-?{_MBI_LETTER}{{2}}\d{{2}}\b",
    re.IGNORECASE,
)
VIN = re.compile(
    r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b", re.I
)
LONG_NUMBER = re.compile(r"(?<![\d.,])\d{7,}(?![\d]|[.,]\d)")
# A code of letters and digits with 5 or more digits: "A9920133K", "W27716650".
CODE = re.compile(
    r"(?<![\w-])(?=[A-Z0-9-]*[A-Z])(?=(?:[A-Z-]*\d){5})[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])",
    re.IGNORECASE,
)


def find_numbers(text: str) -> Iterator[Found]:
    if not any(char.isdigit() for char in text):
        return
    for cue in CUE.finditer(text):
        kind = _KINDS[int(str(cue.lastgroup)[1:])]
        match = VALUES[kind].match(text, cue.end())
        if match is None:
            continue
        value = match.group("value")
        if _MONEY_OR_UNIT.match(text, match.end()) or sum(c.isdigit() for c in value) < 2:
            continue
        # The cue goes with its number ("MRN 12345678" -> "[removed]"), as it always has.
        yield Found(cue.start(), match.end("value"), kind)
        end = match.end()
        while more := _MORE.match(text, end):
            yield Found(more.start("value"), more.end("value"), kind)
            end = more.end()
    for match in SSN.finditer(text):
        yield Found(match.start(), match.end(), "SSN")
    for match in MBI.finditer(text):
        yield Found(match.start(), match.end(), "insurance number")
    for match in VIN.finditer(text):
        yield Found(match.start(), match.end(), "vehicle number")
    for pattern in (LONG_NUMBER, CODE):
        for match in pattern.finditer(text):
            if not _MONEY_OR_UNIT.match(text, match.end()) and not _QUANTITY.fullmatch(
                match.group(0)
            ):
                yield Found(match.start(), match.end(), "ID number")
