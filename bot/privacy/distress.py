"""The distress safety net's screen: does this answer or idea show signs of acute distress
or self-harm?

No model and nothing downloaded: the text is normalised and cut into clauses
(distress_text), figures of speech are set aside ("this inbox is killing me", "I could
kill for a coffee"; distress_readings), and the cues (distress_cues) are read clause by
clause, each checked for a denial just before it ("I'm not suicidal"), for someone else
being its subject ("my patient wants to die") and, for the weaker cues, for plain
venting about work. It errs towards caring: a false alarm costs a kind message, a miss
costs more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.privacy.distress_cues import CUES, Cue, Strength
from bot.privacy.distress_readings import (
    ADMITTED_AFTER_DENIAL,
    CLINICAL,
    CONDITIONAL_CHORE,
    FIGURES_OF_SPEECH,
    INSISTENCE,
    LAUGHTER,
    NEGATION,
    NEGATION_WINDOW_WORDS,
    NOT_A_DENIAL,
    OTHERS,
    REPORTED,
    SUBJECTS,
    TRIGGERS,
    WORK_IRRITANTS,
    WRITER,
)
from bot.privacy.distress_text import clauses, normalise

_SET_ASIDE = " ~ "
SHORT_FRAGMENT_WORDS = 3
_PAST_WISH = re.compile(r"\b(?:wanted|wished|hoped) to\b")


@dataclass(frozen=True)
class Screening:
    distress: bool
    # The cues that alarmed, by name (for tests and the operator; never stored or shown).
    cues: tuple[str, ...] = ()


def screen(text: str) -> Screening:
    normalised = normalise(text)
    if not normalised:
        return Screening(False)
    literal = _without_figures_of_speech(normalised)
    joking = bool(LAUGHTER.search(normalised))
    insisting = bool(INSISTENCE.search(normalised))
    venting = (joking or bool(WORK_IRRITANTS.search(normalised))) and not insisting
    reacting = venting and (joking or bool(TRIGGERS.search(normalised)))
    found: list[str] = []
    denied_before = False
    for clause in clauses(literal):
        if denied_before and ADMITTED_AFTER_DENIAL.search(clause):
            found.append("admitted-after-denial")
        denied_before = False
        # The widest reading of each stretch decides it: "wanted to kill myself when the
        # EHR went down" is read as a whole, and its "kill myself" is not read again.
        matches = sorted(
            ((match, cue) for cue in CUES for match in cue.pattern.finditer(clause)),
            key=lambda pair: (pair[0].start(), -(pair[0].end() - pair[0].start())),
        )
        read_to = -1
        for match, cue in matches:
            if match.start() < read_to:
                continue
            verdict = _read(cue, clause, match, venting=venting, reacting=reacting)
            if verdict == "alarm":
                found.append(cue.name)
            elif verdict == "denied":
                denied_before = True
            if verdict in ("alarm", "denied", "venting"):
                read_to = match.end()
    return Screening(bool(found), tuple(dict.fromkeys(found)))


def _read(cue: Cue, clause: str, match: re.Match[str], *, venting: bool, reacting: bool) -> str:
    before = clause[: match.start()]
    if cue.needs_writer and _someone_elses(before, _rest_of_phrase(clause, match)):
        return "someone else"
    if cue.clinical_too and (CLINICAL.search(clause) or OTHERS.search(clause)):
        return "clinical"
    if cue.clinical_too and not _said_of_writer(clause):
        # "suicidal", "overdose": only the writer's own ("i feel suicidal", "my overdose").
        return "not the writer"
    if not cue.denial_proof and _denied(before):
        return "denied"
    if cue.strength is Strength.WEAK and venting:
        return "venting"
    if cue.strength is Strength.WISH and (reacting or (venting and _PAST_WISH.search(clause))):
        return "venting"
    return "alarm"


def _someone_elses(before: str, after: str) -> bool:
    """Whether the nearest subject before a cue is someone else ("my patient wants to
    die", "we are all going to die"), or the word after it ("suicidal patient")."""
    if OTHERS.search(after):
        return True
    if REPORTED.search(before) and OTHERS.search(before):
        return True  # reported speech: "my patient told me: I want to die"
    subjects = SUBJECTS.findall(before)
    return bool(subjects) and subjects[-1] not in WRITER


def _rest_of_phrase(clause: str, match: re.Match[str]) -> str:
    """The words right after a cue: "suicidal patient" is about the patient."""
    return " ".join(clause[match.end() :].split()[:1])


def _said_of_writer(clause: str) -> bool:
    """The writer's own state: said with I, me or my, as a fragment that starts with how
    they feel ("feeling suicidal again"), or as a word or two on its own ("suicidal.")."""
    return (
        bool(re.search(r"\b(?:i|me|my|myself|feeling|felt|been|am)\b", clause))
        or bool(
            re.match(r"^(?:feeling|felt|been|having|had|thinking|thought|considering)\b", clause)
        )
        or len(clause.split()) <= SHORT_FRAGMENT_WORDS
    )


def _denied(before: str) -> bool:
    window = " ".join(before.split()[-NEGATION_WINDOW_WORDS:])
    return bool(NEGATION.search(NOT_A_DENIAL.sub(" ", window)))


def _without_figures_of_speech(text: str) -> str:
    text = CONDITIONAL_CHORE.sub(_SET_ASIDE, text)
    for figure in FIGURES_OF_SPEECH:
        text = figure.sub(_SET_ASIDE, text)
    return text
