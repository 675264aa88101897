"""The screen reads wordings, not sentences: each family of cue and each way chat says
the same words without meaning them, on phrases that are in no labelled set."""

from __future__ import annotations

import time

import pytest

from bot.privacy import screen


@pytest.mark.parametrize(
    "text",
    [
        "honestly I just want to be dead",
        "I don't think I want to be alive anymore",  # a negated wish is the alarm
        "i dont wanna live",
        "I've been having thoughts of killing myself",
        "my kids would be better off without me",
        "I googled painless ways to die",
        "I've lost the will to live",
        "I have the pills ready",
        "I want to drive off a bridge",
        "i wish i wasnt alive",
        "I'm a danger to myself",
        "kms",
        "I\u2019m suicidal",  # a phone's curly apostrophe
        "I don't want to kill myself but I think about it every day",
        "I can't stop thinking about killing myself",  # a "not" that is no denial
        "I've been thinking it would be easier if I just wasn't here",
        "honestly the only thing keeping me alive is my kids",
        "I took a bunch of pills last night hoping not to wake up",
        "I don't see any reason to keep going",
        "I've lost all hope",
        "please someone help me I'm not ok",
        "I just dont know how much longer I can do this",
        "sometimes we have bad days and I want to die",  # the nearest subject is the writer
        "i want 2 die",
        "suicidal.",
        "why bother living",
        "nobody would miss me",
        "theres no point anymore",
        "I hurt myself on purpose last night",
        "I keep having thoughts of not wanting to be alive",
        "every morning I wake up disappointed that I woke up",
        "I don't think I can keep myself safe tonight",
        "i've been googling how many tylenol it takes",
        "life makes me want to die",  # no work irritant: the person's state
        "my SI is back",  # clinicians' shorthand for their own suicidal ideation
        "I've been having dark thoughts",
    ],
)
def test_distress_in_forms_never_seen_is_caught(text: str) -> None:
    assert screen(text).distress, text


@pytest.mark.parametrize(
    "text",
    [
        "the new EHR update is killing us all",
        "i would literally kill for an extra MA",
        "dying for a nap",
        "pls shoot me, three more charts",
        "this call week is going to be the death of me",
        "I'd literally rather die than sit through another compliance video",
        "my inbox is a suicide mission",
        "every time Epic freezes I want to die",
        "I want to disappear to the mountains for a week",
        "I'm killing myself trying to close these notes",
        "coffee is the only thing keeping me alive lol",
        "I took all the blame for the delay",
        "I ended things with the old scheduler",
        "I'm going to kill myself if I get one more message from pharmacy",
        "We're all going to die of burnout at this rate",
        "I nearly killed myself laughing at the staff party",
        "I'm having a breakdown over this schedule",
        "I am so tired of living in this city",
        "let's end it at 5 today",
        "if I see another popup I'm jumping off the roof lol",
        "I want out of this job",
        "I cut myself shaving this morning",
        "I shot myself in the foot with that schedule",
        "This EHR makes me want to jump off a cliff",
        "I want to throw myself into the sea when I see my inbox",
        "I am falling apart without my MA",
        "I don't trust myself to remember all these passwords",
        "we're in a dark place as a department",
    ],
)
def test_venting_is_not_an_alarm(text: str) -> None:
    assert not screen(text).distress, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just exhausted",
        "never thought of hurting myself, I just need a break",
        "no thoughts of self harm here, only of early retirement",
        "I don't want to die, I want a better schedule",
    ],
)
def test_a_denial_is_not_an_alarm(text: str) -> None:
    assert not screen(text).distress, text


@pytest.mark.parametrize(
    "text",
    [
        "my patient said he wants to kill himself and the crisis line was busy",
        "we screen every teen for suicide risk",
        "a patient overdosed last week and it shook the team",
        "a patient said I want to die, and we called the crisis team",
        "pt with passive SI, safety plan done",
        "I hope I wake up early enough to run",
        "I want to live closer to the clinic",
    ],
)
def test_talk_about_patients_and_the_work_is_not_an_alarm(text: str) -> None:
    assert not screen(text).distress, text


def test_a_screen_takes_well_under_a_millisecond() -> None:
    text = "I can't keep going with the inbox, honestly some days I don't want to be here " * 5
    start = time.perf_counter()
    for _ in range(100):
        screen(text)
    assert (time.perf_counter() - start) / 100 < 0.01  # the person hears back within a second
