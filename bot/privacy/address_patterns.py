"""Where a person lives: street addresses with their unit, PO boxes, a city with its state
and ZIP code, a ZIP code said to be one, an apartment number.

Kept: clinic and hospital names, streets named without a house number ("Dr Patel's clinic
on Main St", "urgent care on Route 9"), room and bed numbers ("room 4" names no person).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.privacy.found import Found
from bot.privacy.name_lists import words

_SUFFIX = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|ter|terr|circle|cir|parkway|pkwy|highway|hwy|route|rte|trail|trl|square|sq"
    r"|loop|crescent|cres|alley|aly|pike|turnpike|tpke|plaza|plz|bend|path|crossing|xing"
    r"|expressway|expy|freeway|fwy|heights|hts|ridge"
)
_DIRECTION = r"(?:[NSEW]\.?|north|south|east|west|NE|NW|SE|SW)"
_UNIT = (
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#|bldg|building|fl|floor|rm|room|no)\.?\s*#?\s*"
    r"[A-Z]?\d+[A-Z]?\b|,?\s*(?:apt|apartment|unit)\.?\s*#?\s*[A-Z]\b)"
)
_STATES = words(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)
_STATE_NAMES = (
    r"Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida"
    r"|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland"
    r"|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada"
    r"|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio"
    r"|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas"
    r"|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Puerto Rico"
)
_STATE = rf"(?:{'|'.join(_STATES)}|{_STATE_NAMES})\.?"
_ZIP = r"\d{5}(?:-\d{4})?(?!\d)"
_PLACE_WORD = r"[A-Za-z][A-Za-z.'-]*"
# ", Quincy, MA 02169", " Salem MA 01970", ", new york, ny 10010"
_CITY_STATE_ZIP = rf"(?:,?\s+(?:{_PLACE_WORD}\s+){{0,2}}{_PLACE_WORD},?\s+{_STATE},?\s+{_ZIP})"

STREET = re.compile(
    rf"(?<![\w#/.-])(?<!\d\s)(?P<number>\d{{1,6}}[A-Z]?)\s+(?:{_DIRECTION}\s+)?"
    rf"(?P<words>(?:(?:\d{{1,3}}(?:st|nd|rd|th)|[A-Za-z][A-Za-z'.-]*)\s+){{1,4}})"
    rf"(?:{_SUFFIX})\b\.?(?:\s+{_DIRECTION}\b\.?)?(?:{_UNIT})*(?:{_CITY_STATE_ZIP})?",
    re.IGNORECASE,
)
PO_BOX = re.compile(rf"\bP\.?\s?O\.?\s*Box\s*#?\s*\d+(?:{_CITY_STATE_ZIP})?", re.IGNORECASE)
# Found from the ZIP code backwards: scanning every word for a city would be slow.
ZIP = re.compile(rf"(?<![\d-]){_ZIP}")
CITY_STATE_BEFORE = re.compile(
    rf"\b(?:{_PLACE_WORD}\s+){{0,2}}{_PLACE_WORD}(?P<comma>,?)\s+(?P<state>{_STATE}),?\s+$",
    re.IGNORECASE,
)
_HAS_SUFFIX = re.compile(rf"\b(?:{_SUFFIX})\b", re.IGNORECASE)
ZIP_SAID = re.compile(rf"\bzip(?:\s*code)?\s*(?:is|:|#|=)?\s*(?P<zip>{_ZIP})", re.IGNORECASE)
# A street without a house number, when someone lives on it: "lives on Maple Ave".
LIVES_ON = re.compile(
    rf"\b(?:lives|living|resides|residing|moved|staying|stays|home)\s+(?:on|at|off|to)\s+"
    rf"(?P<street>(?:[A-Z][A-Za-z'.-]*\s+){{1,3}}(?:{_SUFFIX})\b\.?)",
    re.IGNORECASE,
)
APARTMENT = re.compile(r"\b(?:apt|apartment)\.?\s*#?\s*[A-Z]?\d+[A-Z]?\b", re.IGNORECASE)

# Words that show the number was a count, not a house number ("4 patients on the way").
_NOT_A_STREET = words(
    """a an the on in at to of for with by from and or but my our his her their this that
    these those is was were are be been more new other patients patient pts pt people
    nurses staff doctors visits times days weeks hours minutes mg units kids beds rooms
    shifts of us we i you he she they had have has one two three"""
)


def find_addresses(text: str) -> Iterator[Found]:
    for match in LIVES_ON.finditer(text):
        street = match.group("street")
        if street[0].isupper():
            yield Found(match.start("street"), match.end("street"), "address")
    if not any(char.isdigit() for char in text):
        return  # every other address here has a number in it
    if _HAS_SUFFIX.search(text):
        for match in STREET.finditer(text):
            words = match.group("words").split()
            if any(word.lower().strip(".") in _NOT_A_STREET for word in words):
                continue
            if _is_dr_before_a_name(text, match):
                continue
            yield Found(match.start(), match.end(), "address")
    for zip_code in ZIP.finditer(text):
        before = text[max(0, zip_code.start() - 60) : zip_code.start()]
        at = 0
        while city := CITY_STATE_BEFORE.search(before, at):
            if _city_state_ok(city):  # "send to Springfield, IL": the city is one word
                start = zip_code.start() - len(before) + city.start()
                yield Found(start, zip_code.end(), "address")
                break
            at = city.start() + 1
    for pattern in (PO_BOX, APARTMENT):
        for match in pattern.finditer(text):
            yield Found(match.start(), match.end(), "address")
    for match in ZIP_SAID.finditer(text):
        yield Found(match.start("zip"), match.end("zip"), "address")


def _is_dr_before_a_name(text: str, match: re.Match[str]) -> bool:
    """ "12 nurses and Dr Lee": the suffix "Dr" is a title when a word follows it that
    isn't a unit or a direction ("4410 Oak Ridge Dr Apt 3B" is an address)."""
    tail = match.group(0)[match.end("words") - match.start() :]
    if not re.match(r"dr\.?$", tail.strip(), re.IGNORECASE):
        return False
    after = re.match(r"\s+([A-Za-z]+)", text[match.end() :])
    if after is None:
        return False
    unit_or_direction = r"apt|apartment|unit|suite|ste|bldg|fl|floor|[NSEW]|NE|NW|SE|SW"
    return not re.fullmatch(unit_or_direction, after.group(1), re.IGNORECASE)


def _city_state_ok(match: re.Match[str]) -> bool:
    state = match.group("state")
    if state.islower() and not match.group("comma"):
        return False  # "seen in 10001"? Lower-case "in", "or", "me" are words, not states.
    place = re.findall(r"[A-Za-z.'-]+", match.group(0)[: match.start("state") - match.start()])
    return not any(word.lower() in _NOT_A_STREET for word in place)
