"""Dates that can be a birth, visit or death date, and ages over 89 (Safe Harbor).

Kept: times ("at 3:15", "8am"), durations ("2 weeks"), doses, lab values, blood pressures
("140/90" is no date: neither number can be a month), scores ("pain 7/10", "5/5
strength"), fractions ("2/3 of my panel"), years alone ("since 2015") and months without a
day ("in March 2024"). A day of the month alone ("the 14th") is removed only when it dates
something that happened to someone ("labs drawn the 14th"), not "scores are out on the 15th".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.privacy.found import Found

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d{2}|'\d{2})"
# What may follow a day without it being a count: "March 14 patients" is not a date.
_NOT_A_COUNT = (
    r"(?!\s*(?:patients?|pts?|people|nurses|doctors|staff|visits|shifts|hours?|hrs?|days"
    r"|weeks|minutes|mins|times|beds|admits|kids|babies|of us|mg|units)\b)"
)

MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s*(?:the\s+)?(?P<day>{_DAY})\b(?!:\d|\.\d)"
    rf"(?:(?:,\s*|\s+)(?P<year>{_YEAR})\b)?{_NOT_A_COUNT}",
    re.IGNORECASE,
)
DAY_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<day>{_DAY})(?:\s+|-)(?:of\s+)?(?P<month>{_MONTH})(?![a-z])"
    rf"(?:(?:,?\s+|-)(?P<year>{_YEAR})\b)?",
    re.IGNORECASE,
)
# 3/14/2024, 03-14-24, 1.2.1955, 21/03/2024: one separator throughout.
# A dash may join two dates ("9/1/22-9/15/22"), so it bounds a date but isn't part of one.
NUMERIC_WITH_YEAR = re.compile(
    r"(?<![\d/.])(?<!\d-)(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?![\d/]|\.\d|-\d+-)"
)
ISO = re.compile(
    r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})(?P<sep>[/.-])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})"
    r"(?![\d/-]|\.\d)"
)
# "appt 4-15": month and day with a dash only right after a visit word; elsewhere a dash
# makes a range ("10-12 pts", "Tuesday 8-5").
DASHED_AFTER_VISIT = re.compile(
    r"\b(?:on|appt|appointment|seen|dob|born|admit(?:ted)?|discharged|d/c|visit|sched(?:uled)?"
    r"|due|dated?|dos|f/u|fu)\s*:?\s*(?P<date>(?P<a>\d{1,2})-(?P<b>\d{1,2}))(?![\d/-]|\.\d)"
    rf"{_NOT_A_COUNT}",
    re.IGNORECASE,
)
MONTH_YEAR = re.compile(r"(?<![\d/.-])(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}(?![\d/-])")
SHORT = re.compile(r"(?<![\d/.,-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/]|\.\d|%)")
BIRTH_YEAR = re.compile(
    r"\b(?:born(?:\s+in)?|dob|d\.o\.b\.?|date of birth|yob|year of birth)\s*[:#-]?\s*"
    r"(?P<year>(?:19|20)\d{2})\b(?![/.-]\d)",
    re.IGNORECASE,
)
ORDINAL_DAY = re.compile(
    r"\bthe\s+(?P<day>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b"
    r"(?!\s+(?:floor|fl|shift|time|times|year|grade|week|day|visit|patient|pt|one|place"
    r"|percentile|round|attempt|try|dose|cycle|trimester|street|st|ave|avenue|of|month"
    r"|row|bed|room|person|call|page|edition|century|hour|step|line|level|unit)\b)",
    re.IGNORECASE,
)
# Something that happened to someone, before "the 14th".
_EVENT = re.compile(
    r"\b(?:seen|see|saw|admit(?:ted)?|discharged|d/c|appt|appointment|visit|surgery"
    r"|procedure|drawn|born|died|death|fell|fall|stroke|called|came|scheduled|sched|booked"
    r"|f/u|follow|labs?|him|her|them|he|she|pt|patient|dob|mri|ct|scan|biopsy|op)\b",
    re.IGNORECASE,
)
# Scores, ratios and fractions written with a slash, by the word before or after.
_SCORE_BEFORE = re.compile(
    r"\b(?:pain|score[sd]?|scale|rated?|rating|strength|apgar|gcs|bp|b/p|ratio|phq|gad"
    r"|mmse|moca|stars?|reflexes|murmur|grade)\W*$",
    re.IGNORECASE,
)
_SCORE_AFTER = re.compile(
    r"^\s*(?:strength|pain|stars?|of|in|for|on the|scale|score|ratio|tab|tabs|pill|dose"
    r"|hour|hr|cup|mile|way|split|time)\b",
    re.IGNORECASE,
)
_SCALE_AFTER = re.compile(r"\s*(?:strength|pain|stars?|scale|score|ratio)\b", re.I)
_COUNT_AFTER = re.compile(
    r"\s*(?:patients?|pts?|people|families|nurses|doctors|providers|staff|docs|kids|shifts"
    r"|days|weeks|visits|beds|rooms|units|of|were|are|said|say|agree|answered|responded)\b",
    re.IGNORECASE,
)
_DATE_CUE_BEFORE = re.compile(
    r"\b(?:on|since|from|until|till|by|before|after|dob|born|due|last|next|sched(?:uled)?"
    r"|seen|saw|visit|appt|admit(?:ted)?|discharged|d/c|dated?|dos|dod|died|thru|through|f/u"
    r"|fu|and|birthday|bday|surgery|procedure"
    r"|mon|tues?|wed|thu(?:rs)?|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
    r"(?:\W+(?:is|was|of|on))?\W*$",
    re.IGNORECASE,
)
_TEMPERATURE_BEFORE = re.compile(r"\b(?:temp|t|tmax|fever|febrile|temperature)\W*$", re.I)

AGE_WITH_UNIT = re.compile(
    r"(?<![\d.])(?P<age>9\d|1[01]\d)(?=\s?-?\s?(?:yo|y/o|y\.o|yrs?\b|years?\b|year-old"
    r"|yr-old|yo[mf]\b|[mf]\b))",
    re.IGNORECASE,
)
AGE_AFTER_WORD = re.compile(
    r"\b(?:age[d]?|turn(?:s|ed|ing)?)\s*[:=]?\s*(?P<age>9\d|1[01]\d)\b(?![.,]\d)", re.I
)


def find_dates(text: str) -> Iterator[Found]:
    if not any(char.isdigit() for char in text):
        return  # every date here has a number in it
    for pattern in (MONTH_DAY, DAY_MONTH):
        for match in pattern.finditer(text):
            if _named_month_is_date(text, match):
                yield Found(match.start(), match.end(), "date")
    for pattern in (NUMERIC_WITH_YEAR, ISO):
        for match in pattern.finditer(text):
            if _month_and_day(int(match.group("a")), int(match.group("b"))):
                yield Found(match.start(), match.end(), "date")
    for match in DASHED_AFTER_VISIT.finditer(text):
        if _month_and_day(int(match.group("a")), int(match.group("b"))):
            yield Found(match.start("date"), match.end("date"), "date")
    for match in MONTH_YEAR.finditer(text):
        yield Found(match.start(), match.end(), "date")
    for match in SHORT.finditer(text):
        if _short_is_date(text, match):
            yield Found(match.start(), match.end(), "date")
    for match in BIRTH_YEAR.finditer(text):
        yield Found(match.start("year"), match.end("year"), "date")
    for match in ORDINAL_DAY.finditer(text):
        if _EVENT.search(text, max(0, match.start() - 40), match.start()):
            yield Found(match.start("day"), match.end("day"), "date")


def find_ages(text: str) -> Iterator[Found]:
    """Ages over 89: Safe Harbor folds them into "90 or older"."""
    if not any(char.isdigit() for char in text):
        return
    for pattern in (AGE_WITH_UNIT, AGE_AFTER_WORD):
        for match in pattern.finditer(text):
            if not _TEMPERATURE_BEFORE.search(text, 0, match.start()):
                yield Found(match.start("age"), match.end("age"), "age")


def _month_and_day(a: int, b: int) -> bool:
    """Either order: 3/14 (US) or 14/03 (elsewhere)."""
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def _named_month_is_date(text: str, match: re.Match[str]) -> bool:
    month = match.group("month")
    day = match.group("day")
    if (
        month.lower().rstrip(".") == "may"
        and month == "may"
        and not (match.group("year") or day[-2:].isalpha())
    ):
        # "may 2 pts need..." is a verb; "may 5th", "May 5" and "may 5, 2024" are dates.
        return bool(_DATE_CUE_BEFORE.search(text, 0, match.start()))
    if month.lower().rstrip(".") == "mar" and month.islower() and not match.group("year"):
        return bool(_DATE_CUE_BEFORE.search(text, 0, match.start())) or day[-2:].isalpha()
    return True


def _short_is_date(text: str, match: re.Match[str]) -> bool:
    a, b = int(match.group("a")), int(match.group("b"))
    if not _month_and_day(a, b) or (a, b) == (24, 7):
        return False
    before, after = text[: match.start()], text[match.end() :]
    if _SCORE_BEFORE.search(before) or _COUNT_AFTER.match(after) or _SCALE_AFTER.match(after):
        return False  # "pain 7/10", "5/5 strength", "10/12 families": a score or a count
    if _DATE_CUE_BEFORE.search(before):
        return True  # "seen 10/12 for f/u"
    if _SCORE_AFTER.search(after):
        return False  # "5/5 strength", "4/10 for teamwork"
    if b in (5, 10) and a <= b:
        return False  # "7/10", "4/5": scores unless something says it's a date
    return not a < b <= 4  # "1/2 tab", "3/4 of the staff"
