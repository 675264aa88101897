"""People's names, by the cues clinicians type around them.

The rule, in order of strength:
- After Mr, Mrs, Ms, Miss or Mx: always a patient's or a relative's name ("Mrs. Okafor in
  room 4", "mr j. kowalski", "Mr. O'Connor's visit").
- After Dr, Doctor, Nurse, NP, PA (or with credentials after it: "Sarah Chen, RN"): a
  colleague's name, kept ("Dr Patel covered my clinic"), unless a patient cue says it is a
  patient's: "patient Dr. Smith", "Dr. Markham (the patient)", "Dr. Hale, 91 yo".
- After patient, pt, pts, client or resident, in any case, with "named", a colon or a
  bracket between: a name, capitalised or not ("pt tom brennan", "pts Garcia and Lopez").
- After a relative of the patient ("his daughter Jenny", "wife, Carol,"), but not the
  clinician's own family ("my son Jake").
- Before an age ("Tom Brennan, 67 yo", "Okafor 58M") or before a patient's things
  ("Anderson's labs", "Karen Liu's referral").
- Anywhere, a first name followed by a surname from the Census lists ("Maria Gonzalez",
  "frank delgado"), unless it names a place ("Mary Washington Hospital"). An ordinary word
  that is also a name ("Will", "Hope", "Grace") counts only before a surname that is no
  English word ("Will Hughes"), never on its own: "Will is the best MA we've had".
A first name alone with no cue ("thanks to Mike for covering") is kept: it is far more
often a colleague than a patient.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.privacy.found import Found
from bot.privacy.name_lists import (
    CALENDAR_WORDS,
    CLINICAL_WORDS,
    COLLEAGUE_ABBREVIATIONS,
    COLLEAGUE_TITLES,
    CREDENTIALS,
    FUNCTION_WORDS,
    INSTITUTION_WORDS,
    INSTITUTIONS_IN_ANY_CASE,
    PARTICLES,
    PATIENT_CUES,
    PATIENT_THINGS,
    PEOPLE_WORDS,
    PERSON_TITLES,
    PLACE_PREFIXES,
    PLACE_WORDS,
    RELATIVES,
    STREET_WORDS,
    NameLists,
    key,
    name_lists,
)
from bot.privacy.name_tokens import Token, mostly_capitals, tokens

KIND = "patient name"
_CONNECTORS = frozenset([",", ":", "-", "(", "named", "name", "called", "#"])
_AGE_AFTER = re.compile(
    r"\s*,?\s*\(?\s*(?:age[d]?\s*|an?\s+)?(?:1[01]\d|\d{1,2})\s*(?:-?\s*(?:yo|y/o|y\.o|yrs?|years?"
    r"[\s-]old|year-old|yr-old|yo[mf]|[mf](?![a-z]))|\s*,|\s*\))",
    re.IGNORECASE,
)
_OLD_AGE_AFTER = re.compile(
    r"\s*,?\s*\(?\s*(?P<age>9\d|1[01]\d)\b(?!\s*(?:mg|mcg|ml|units?|%|min|minutes|pts"
    r"|patients)\b|[./:]\d)",
    re.IGNORECASE,
)
_PATIENT_IN_BRACKETS = re.compile(r"\s*\(\s*(?:the\s+)?(?:pt|patient)\s*\)", re.IGNORECASE)
_RECORD_AFTER = re.compile(r"\s*[,(]?\s*(?:dob|d\.o\.b|mrn|\d)", re.IGNORECASE)
_PATIENT_AFTER = re.compile(r"\s*[(,]\s*(?:the|a|our|my)?\s*(?:patient|pt)\b", re.IGNORECASE)


def find_names(text: str) -> Iterator[Found]:
    if not any(char.isalpha() for char in text):
        return
    finder = _NameFinder(text, tokens(text), name_lists())
    yield from finder.find()


class _NameFinder:
    def __init__(self, text: str, tokens: list[Token], lists: NameLists) -> None:
        self.text = text
        self.tokens = tokens
        self.lists = lists
        self.colleague: set[int] = set()  # token indexes of colleagues' names
        self.names: set[int] = set()  # token indexes of names to remove
        self.all_caps_text = mostly_capitals(tokens)

    def find(self) -> Iterator[Found]:
        for rule in (
            self._institutions,
            self._colleagues,
            self._after_titles,
            self._after_patient_cues,
            self._last_comma_first,
            self._in_brackets_or_family,
            self._after_name_is,
            self._after_relatives,
            self._before_ages,
            self._before_patient_things,
            self._first_and_surname,
        ):
            rule()
        yield from self._spans()

    # --- the rules ------------------------------------------------------------------

    def _colleagues(self) -> None:
        for i in range(len(self.tokens)):
            if not self._is_colleague_title(i):
                continue
            j = self._skip(i + 1, (".", ","))  # "Dr. Lee", "our new NP, Kim Tran,"
            end = self._run(j, after_title=not self.tokens[i].lower)
            if end == j:
                continue
            if self._patient_context(i, end):
                self._mark(j, end)
            else:
                self.colleague.update(range(j, end))
        # "Sarah Chen, RN": credentials after a name.
        for i, token in enumerate(self.tokens):
            if token.key in CREDENTIALS and token.all_caps and i >= 2:
                j = i - 1 if self.tokens[i - 1].text != "," else i - 2
                while j >= 0 and self.tokens[j].capitalised:
                    self.colleague.add(j)
                    j -= 1

    def _institutions(self) -> None:
        """ "Mary Washington Hospital", "the Robert Wood Johnson foundation": the capitalised
        words before an institution's word name a place, not a person."""
        for i, token in enumerate(self.tokens):
            if not (
                token.key in INSTITUTION_WORDS
                and (token.capitalised or token.all_caps or token.key in INSTITUTIONS_IN_ANY_CASE)
            ):
                continue
            j = i - 1
            while j >= 0 and i - j <= 4 and self.tokens[j].capitalised:
                if self.tokens[j].possessive:
                    break  # "Tom Brennan's home health"
                self.colleague.add(j)
                j -= 1

    def _after_titles(self) -> None:
        for i, token in enumerate(self.tokens):
            if token.key not in PERSON_TITLES:
                continue
            if token.all_caps and not (self.all_caps_text or self._next_all_caps_name(i)):
                continue  # "MS flare", "severe MR": conditions, not titles
            j = self._skip(i + 1, (".",))
            while j < len(self.tokens) and self.tokens[j].initial:
                j += 1
            ambiguous = token.key in ("ms", "miss")  # "I miss when...", "pt with ms flare"
            if ambiguous and token.lower and not token.dot and not self._name_at(j):
                continue  # while "mr brown", "mrs young" are always names
            self._mark(j, self._run(j, after_title=True))

    def _after_patient_cues(self) -> None:
        for i, token in enumerate(self.tokens):
            if token.key not in PATIENT_CUES or token.possessive:
                continue
            j = self._skip(i + 1, (".",))
            j = self._skip(j, _CONNECTORS)
            if (
                j < len(self.tokens)
                and self.tokens[j].key in ("is", "was")
                and self._name_at(j + 1)
            ):
                j += 1
            if j < len(self.tokens) and (
                self.tokens[j].key in PERSON_TITLES or self._is_colleague_title(j)
            ):
                continue  # the title rules have it ("patient Dr. Feinberg" included)
            while j < len(self.tokens) and self.tokens[j].initial:
                j += 1  # "patient: h. nakamura"
            end = self._run(j, after_title=False)
            end = self._then_first_name(end) if end > j else end  # "GARCIA, MARIA"
            while end > j and end + 1 < len(self.tokens):
                # "pts Garcia and Lopez", "pts Murphy, Byrne and Doyle"
                joint = self.tokens[end].text
                if joint not in (",", "and", "&") or not self.tokens[end + 1].capitalised:
                    break
                more = self._run(end + 1, after_title=False)
                if more == end + 1:
                    break
                self._mark(end + 1, more)
                end = more
            self._mark(j, end)

    def _last_comma_first(self) -> None:
        """ "Lopez, Maria 03/15/1980": a surname, a comma and a first name, then a date, a
        DOB or a record number, as an EHR lists a patient."""
        for i, token in enumerate(self.tokens[:-2]):
            if not (token.capitalised or token.all_caps) or self.tokens[i + 1].text != ",":
                continue
            if not self.lists.is_surname(token.key) or token.key in _NOT_NAMES:
                continue
            end = self._then_first_name(i + 1)
            if end > i + 1 and _RECORD_AFTER.match(self.text, self.tokens[end - 1].end):
                self._mark(i, end)

    def _then_first_name(self, end: int) -> int:
        tokens = self.tokens
        if end + 1 < len(tokens) and tokens[end].text == "," and tokens[end - 1].word:
            first = tokens[end + 1]
            same_case = first.all_caps == tokens[end - 1].all_caps and not first.lower
            if same_case and self.lists.is_first(first.key) and first.key not in _NOT_NAMES:
                return end + 2
        return end

    def _in_brackets_or_family(self) -> None:
        """ "Gerald (pt) keeps calling", "the Johnson family wants a meeting"."""
        for i, token in enumerate(self.tokens):
            if i in self.colleague or not (token.capitalised or token.all_caps):
                continue
            if _PATIENT_IN_BRACKETS.match(self.text, token.end) and self._name_at(i):
                start = i
                while start > 0 and self._name_at(start - 1) and i - start < 2:
                    start -= 1
                self._mark(start, i + 1)
            elif (
                i > 0
                and self.tokens[i - 1].key == "the"
                and i + 1 < len(self.tokens)
                and self.tokens[i + 1].key in ("family", "families", "household", "kids")
                and self.lists.is_surname(token.key)
                and token.key not in _NOT_NAMES
            ):
                self._mark(i, i + 1)

    def _after_name_is(self) -> None:
        """ "her name is Tina", "pt's name is Rachel Adams", "goes by Bo"."""
        for i, token in enumerate(self.tokens[:-1]):
            nxt = self.tokens[i + 1]
            if (token.key == "name" and nxt.key in ("is", "was")) or (
                token.key == "goes" and nxt.key == "by"
            ):
                j = self._skip(i + 2, (":", ","))
                if self._at(j, "capitalised") or self._name_at(j):
                    self._mark(j, self._run(j, after_title=True))

    def _after_relatives(self) -> None:
        for i, token in enumerate(self.tokens):
            if token.key not in RELATIVES or token.possessive or token.all_caps:
                continue
            if i > 0 and self.tokens[i - 1].key in ("my", "our", "your"):
                continue  # the clinician's own family
            j = self._skip(i + 1, (",", "(", "named", "is"))
            self._mark(j, self._run(j, after_title=False))

    def _before_ages(self) -> None:
        for i, token in enumerate(self.tokens):
            if not token.word:
                continue
            if not _AGE_AFTER.match(self.text, token.end):
                continue
            start = i
            while start >= 0 and self._name_at(start) and i - start < 3:
                start -= 1
            if start < i and not (self.colleague & set(range(start + 1, i + 1))):
                self._mark(start + 1, i + 1)

    def _before_patient_things(self) -> None:
        for i, token in enumerate(self.tokens):
            if not token.possessive or i in self.colleague or not self._name_at(i):
                continue
            if token.key in PEOPLE_WORDS or token.key in PATIENT_CUES:
                continue
            if not (token.capitalised or token.all_caps) and self.lists.is_word(token.key):
                continue
            following = {t.key for t in self.tokens[i + 1 : i + 3]}
            if following & PATIENT_THINGS:
                start = i
                while start > 0 and self._name_at(start - 1) and i - start < 2:
                    start -= 1
                if not (self.colleague & set(range(start, i + 1))):
                    self._mark(start, i + 1)

    def _first_and_surname(self) -> None:
        tokens = self.tokens
        for i in range(len(tokens) - 1):
            if i in self.colleague or i in self.names:
                continue
            first, j = tokens[i], i + 1
            if j < len(tokens) and tokens[j].initial:
                j += 1  # "John Q. Public"
            if j >= len(tokens) or j in self.colleague or first.possessive:
                continue
            last = tokens[j]
            if not self._pair(first, last, i):
                continue
            end = j + 1
            if not last.possessive and end < len(tokens) and self._pair(last, tokens[end], j):
                end += 1  # "Mary Ellen O'Brien"
            if self._institution_after(tokens[end - 1]):
                continue  # "the Robert Wood Johnson foundation"
            self._mark(i, end)

    # --- what a name looks like -----------------------------------------------------------

    def _pair(self, first: Token, last: Token, i: int) -> bool:
        lists = self.lists
        if last.key in _NOT_NAMES or not lists.is_first(first.key):
            return False
        if first.key in _NOT_NAMES and not (first.capitalised and first.key in FUNCTION_WORDS):
            return False  # "Will" and "May" may still start a name: "Will Hughes"
        if len(last.text) < 2 or last.key in STREET_WORDS:
            return False  # "Ward B", "Maria C", "Maple Ave"
        if first.capitalised and (last.capitalised or (last.all_caps and len(last.text) > 3)):
            if last.key in INSTITUTION_WORDS or self._institution_after(last):
                return False  # "Cleveland Clinic", "Mary Washington Hospital"
            if i > 0 and self.tokens[i - 1].key in PLACE_PREFIXES:
                return False
            surname = lists.is_surname(last.key) or not lists.is_word(last.key)
            if lists.is_everyday_word(first.key):
                # "Will Hughes", "Grace Lindqvist"; not "May Day", "Will Young"
                return surname and not lists.is_word(last.key)
            return surname
        if first.lower and last.lower:
            return lists.is_surname(last.key) and not lists.is_word(last.key)
        if first.all_caps and last.all_caps and len(first.text) > 2:
            # "DOROTHY KLEIN DOB ...": shouted names; not "ED", "ICU" and other abbreviations
            if not self.all_caps_text and lists.is_word(first.key):
                return False
            return lists.is_surname(last.key) and not lists.is_everyday_word(last.key)
        return False

    def _name_at(self, i: int) -> bool:
        """Could tokens[i] be (part of) a name where a cue says a name may be?"""
        if i < 0 or i >= len(self.tokens):
            return False
        token = self.tokens[i]
        if not token.word or token.text == "[removed]" or token.key in _NOT_NAMES:
            return False
        if token.capitalised:
            return len(token.text) > 1 or token.initial
        if token.all_caps:
            if self.lists.is_name(token.key) and not self.lists.is_everyday_word(token.key):
                return True
            return len(token.text) >= 5 and not self.lists.is_word(token.key)
        if token.lower:
            return self.lists.is_name(token.key) and not self.lists.is_everyday_word(token.key)
        return False

    def _run(self, j: int, after_title: bool) -> int:
        """The index after the name starting at tokens[j] (j itself if none starts there)."""
        tokens = self.tokens
        if j >= len(tokens):
            return j
        head = tokens[j]
        if after_title:
            # "Mr. and Mrs. X" is no name, "Dr. Will Carter" is one.
            function_word = head.key in FUNCTION_WORDS and not (
                head.capitalised and self.lists.is_first(head.key)
            )
            ok = head.word and not function_word and head.key not in CALENDAR_WORDS
            ok = ok and head.text != "[removed]" and (len(head.text) > 1)
        else:
            ok = self._name_at(j)
        if not ok:
            return j
        end = j + 1
        while end < len(tokens) and end - j < 4 and not tokens[end - 1].possessive:
            token = tokens[end]
            if token.initial or (
                token.key in PARTICLES and end + 1 < len(tokens) and tokens[end + 1].capitalised
            ):
                end += 1
                continue
            if head.capitalised or head.all_caps:
                if not (token.capitalised or token.all_caps) or not self._name_at(end):
                    break
                if self.lists.is_word(token.key) and not self.lists.is_name(token.key):
                    break
            elif not (token.lower and self.lists.is_surname(token.key)) or self.lists.is_word(
                token.key
            ):
                break
            end += 1
        return end

    # --- helpers ---------------------------------------------------------------------------

    def _is_colleague_title(self, i: int) -> bool:
        token = self.tokens[i]
        if token.key not in COLLEAGUE_TITLES:
            return False
        if token.key in COLLEAGUE_ABBREVIATIONS:
            return token.all_caps  # "NP Jordan", "PA Chris"; not "pa" (a father)
        return True

    def _patient_context(self, title: int, end: int) -> bool:
        before = [t.key for t in self.tokens[max(0, title - 3) : title]]
        if any(word in PATIENT_CUES for word in before):
            return True
        after = self.tokens[end - 1].end
        return bool(_PATIENT_AFTER.match(self.text, after) or _AGE_AFTER.match(self.text, after))

    def _institution_after(self, token: Token) -> bool:
        nxt = re.match(r"\s+([A-Za-z']+)", self.text[token.end :])
        if not nxt or key(nxt.group(1)) not in PLACE_WORDS:
            return False
        return nxt.group(1)[0].isupper() or key(nxt.group(1)) in INSTITUTIONS_IN_ANY_CASE

    def _next_all_caps_name(self, i: int) -> bool:
        j = self._skip(i + 1, (".",))
        return j < len(self.tokens) and self.tokens[j].all_caps and len(self.tokens[j].text) > 2

    def _at(self, j: int, quality: str) -> bool:
        return j < len(self.tokens) and bool(getattr(self.tokens[j], quality))

    def _skip(self, j: int, words: tuple[str, ...] | frozenset[str]) -> int:
        while j < len(self.tokens) and self.tokens[j].key in words:
            j += 1
        return j

    def _mark(self, start: int, end: int) -> None:
        self.names.update(i for i in range(start, end) if self.tokens[i].word)

    def _spans(self) -> Iterator[Found]:
        run: list[int] = []
        for i in sorted(self.names):
            if run and (i != run[-1] + 1 or self.tokens[run[-1]].possessive):
                yield self._span(run)
                run = []
            run.append(i)
        if run:
            yield self._span(run)
        for i in sorted(self.names):
            token = self.tokens[i]
            if i + 1 not in self.names and (age := _OLD_AGE_AFTER.match(self.text, token.end)):
                yield Found(age.start("age"), age.end("age"), "age")

    def _span(self, run: list[int]) -> Found:
        last = self.tokens[run[-1]]
        end = last.end
        if last.possessive and self.text[end : end + 2] in ("'s", "\u2019s"):
            end += 2  # "Mr. O'Connor's visit" -> "Mr. [removed] visit", as it always was
        return Found(self.tokens[run[0]].start, end, KIND)


_NOT_NAMES = FUNCTION_WORDS | CLINICAL_WORDS | CALENDAR_WORDS | PEOPLE_WORDS | PATIENT_CUES
