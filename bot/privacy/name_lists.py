"""The word lists the name finder consults, loaded once, on first use.

- First names and surnames: the US Census 1990 lists shipped inside the `names` package
  (MIT licence; the Census data is a US government work). 5,163 first names and 88,799
  surnames, the ones covering 90% of the population; nothing is downloaded at run time.
- Ordinary words (ordinary_words.txt, beside this file): names that are also English words,
  with how everyday they are. Lower-case, "will", "may", "care" are read as words.
- The hand-made sets below: what a capitalised word after "patient" is when it isn't a
  name, and the words that stop a name from running on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


def words(text: str) -> frozenset[str]:
    """A set of words written as one string, the way a person would list them."""
    return frozenset(text.split())


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]
    surnames: dict[str, int]  # surname -> rank (1 = most common)
    ordinary: dict[str, int]  # word -> SCOWL size (10 = everyday ... 35 = less common)

    def is_first(self, key: str) -> bool:
        if key in self.first:
            return True
        # "Mary-Kate", "Jean-Luc": a double first name is one if its first part is.
        return "-" in key and key.split("-", 1)[0] in self.first

    def is_surname(self, key: str) -> bool:
        if key in self.surnames:
            return True
        # "Whitcombe-Hale", "al-Rashid": a double-barrelled name is one if a part is.
        return "-" in key and any(part in self.surnames for part in key.split("-") if part)

    def is_name(self, key: str) -> bool:
        return self.is_first(key) or self.is_surname(key)

    def is_everyday_word(self, key: str) -> bool:
        """A word common enough that, lower-case, it is read as a word ("will", "brown")."""
        return key in FUNCTION_WORDS or key in CLINICAL_WORDS or self.ordinary.get(key, 99) <= 20

    def is_word(self, key: str) -> bool:
        """Any word the lists know as English, everyday or not ("portal", "frost")."""
        return key in self.ordinary or key in FUNCTION_WORDS or key in CLINICAL_WORDS


def key(word: str) -> str:
    """How a word is looked up: lower case, accents and apostrophes dropped ("O'Connor",
    "Núñez" -> "oconnor", "nunez")."""
    if word.isascii():
        return word.lower().replace("'", "")
    plain = unicodedata.normalize("NFKD", word)
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return plain.lower().replace("'", "").replace("\u2019", "")


@cache
def name_lists() -> NameLists:
    census = resources.files("names")
    first: set[str] = set()
    for list_name in ("dist.male.first", "dist.female.first"):
        first.update(_census_names(census.joinpath(list_name).read_text()))
    surnames = {
        name: rank
        for rank, name in enumerate(
            _census_names(census.joinpath("dist.all.last").read_text()), start=1
        )
    }
    ordinary: dict[str, int] = {}
    words = resources.files("bot.privacy").joinpath("ordinary_words.txt").read_text()
    for line in words.splitlines():
        if line and not line.startswith("#"):
            word, size = line.split()
            ordinary[word] = int(size)
    return NameLists(frozenset(first), surnames, ordinary)


def _census_names(text: str) -> list[str]:
    # Lines are "SMITH  1.006  1.006  1": name, frequency, cumulative frequency, rank; so
    # every fourth word is a name, in rank order (one split is far quicker than per line).
    return text.lower().split()[::4]


# Short words that never start a name, whatever the lists say ("in", "so", "my" are names
# there).
FUNCTION_WORDS = words(
    """a an the and or but nor so yet for of to in on at by up as is am are was were be been
    being has have had do does did will would can could may might must shall should not no
    yes i me my we us our you your he him his she her it its they them their this that these
    those who whom whose which what when where why how all any both each few more most other
    some such only own same than too very just also again ever never always still even back
    here there now then today tonight yesterday tomorrow about above after before below
    between during from into over under with without within via per vs re ok okay pls please
    thanks thank sorry hi hey lol ugh fyi asap btw"""
)

# Words a clinician puts after "patient", "pt" or a title that are not names, and
# abbreviations the Census lists happen to hold ("ed", "or", "pa", "ma").
CLINICAL_WORDS = words(
    """care portal flow safety experience satisfaction education volume volumes load list
    lists panel panels census count counts numbers number rooms room beds bed family families
    advocate advocacy access outcomes outcome survey surveys complaints complaint calls call
    messages message visits visit notes note charts chart records record population centered
    centred facing first side transport transfer belongings info information relations
    services service financial engagement feedback waits wait times time letters letter
    called calls came comes went left arrived needs needed wants wanted refused declined
    agreed asked feels felt got gets presents presented returned seen seems looks tolerated
    complains continues remains understands reports reported states stated denies denied
    says said is was has had will may can need needs lives lived died passed fell falls
    ed er or pa ma md do rn np lpn cna icu nicu picu pacu ot pt po iv im sq sc prn bid tid
    qid qhs qd mg ml mcg bp hr rr ekg ecg ct mri us echo pcp ob gyn gi ent cv id dob mrn
    ssn medicare medicaid epic cerner rm bay pod unit ward floor suite council committee
    wellness advisory physician physicians program programs association union forum group
    team office department support rights success champions ambassadors navigator
    navigation registration scheduling intake liaison"""
)

# Titles: a name after Mr/Mrs/Ms/Miss/Mx is a patient's or a relative's; after Dr, Nurse,
# NP or PA it is a colleague's (kept unless a patient cue says otherwise).
PERSON_TITLES = words("mr mrs ms miss mx mister mme madam sr sra srta")
COLLEAGUE_TITLES = words(
    """dr doctor doc prof professor nurse np pa rn md ma cna lpn attending fellow chaplain
    pharmacist manager director coordinator scribe intern tech therapist navigator educator
    receptionist secretary supervisor ceo cmo cno cfo chief colleague coworker co-worker
    boss preceptor mentor"""
)
# Of these, the abbreviations count only in capitals ("NP Jordan"; "pa" may be a father).
COLLEAGUE_ABBREVIATIONS = words("np pa rn md ma cna lpn ceo cmo cno cfo")
# Credentials after a name make it a colleague's: "Sarah Chen, RN".
CREDENTIALS = words(
    """md do rn np pa pac lpn lvn cna ma mph phd pharmd dpt ot pt rd lcsw msw crna cnm dnp
    aprn fnp bsn msn facp faafp"""
)
# Cue words for a patient: the name follows them.
PATIENT_CUES = words(
    "patient pt pts pt. ptn client resident patients clients pateint patinet paitent pateints"
)
# A relative of the patient: "his daughter Jenny", "wife, Carol,".
RELATIVES = words(
    """wife husband spouse partner daughter son mother mom mum mommy father dad daddy sister
    brother grandson granddaughter grandmother grandma granny grandfather grandpa aunt uncle
    niece nephew cousin caregiver guardian fiance fiancee boyfriend girlfriend stepson
    stepdaughter stepmom stepdad sibling kid child baby"""
)
# After a possessive name, these make it a patient's: "Anderson's labs", "Karen Liu's referral".
PATIENT_THINGS = words(
    """labs lab results result visit visits appt appointment appointments referral referrals
    meds medication medications insurance chart mrn dob biopsy scan scans mri ct xray x-ray
    bloodwork prescription rx refill refills surgery colonoscopy mammogram mammo a1c port
    wound infusion chemo dialysis discharge admission bill bills copay pharmacy prior auth
    records diagnosis dx prognosis care meds. family wife husband daughter son mother mom
    father dad sister brother caregiver kids children grandson granddaughter ride transport
    case condition symptoms pain blood pressure bp sugars glucose insulin inhaler cpap walker
    wheelchair home house address phone number email ekg echo test tests imaging procedure
    follow-up f/u fu consult plate car pcp fax"""
)
# Words that make the capitalised words before them a place or an organisation, not a
# person: "Mary Washington Hospital", "Grace Medical Center", "Cleveland Clinic".
INSTITUTION_WORDS = words(
    """hospital hospitals clinic clinics medical health healthcare center centre centers
    institute university college school pharmacy pharmacies foundation memorial children's
    childrens campus pavilion associates network system systems hospice rehab"""
)
# After a full name, these (capitalised) make it a place too: "Will Rogers Park", "Mary
# Washington Hall"; on their own they are surnames ("Linda Park"), so only after a pair.
PLACE_WORDS = INSTITUTION_WORDS | words(
    """tower building wing hall house home homes care practice group partners street st
    avenue ave road rd boulevard blvd drive dr lane ln court ct way place county city park
    station library church hotel elementary middle high award awards fund program day
    lecture"""
)
# Street words: "Maple Ave" is no Maple, "Cedar Crest Rd" no Crest.
STREET_WORDS = words("st ave av rd blvd ln dr ct hwy pkwy street avenue road boulevard drive")
# Particles inside a surname: "Van der Berg", "de la Cruz", "bin Laden".
PARTICLES = words("van von der den de del della di da du la le dos das bin ibn al el")
# Days, months and holidays: never a name after a title ("saw Mrs. Garcia Tuesday").
CALENDAR_WORDS = words(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur
    thurs fri sat sun january february march april may june july august september october
    november december jan feb mar apr jun jul aug sep sept oct nov dec christmas easter
    thanksgiving"""
)
# Words for people that are no one's name ("Male, 67 yo").
PEOPLE_WORDS = words(
    """male female man woman men women guy lady boy girl gentleman gent baby infant toddler
    teen kid child adult elderly veteran vet mother father"""
)
# Before a first name, these make a place: "St. Mary", "Mount Sinai", "Santa Clara".
PLACE_PREFIXES = frozenset(["st", "saint", "mt", "mount", "san", "santa", "fort", "ft", "lake"])
# Institution words that count even lower-case: "the Robert Wood Johnson foundation".
INSTITUTIONS_IN_ANY_CASE = words("hospital foundation university institute school college")
