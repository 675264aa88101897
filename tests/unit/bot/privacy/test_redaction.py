"""Patient identifiers are removed before anything is stored; clinicians' own words are kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import REDACTED, pseudonym, redact


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("MRN 12345678 needs a refill", "medical record number", "12345678"),
        ("mrn: AB12345 again", "medical record number", "AB12345"),
        ("chart # 0042-1234 was wrong", "medical record number", "0042-1234"),
        ("DOB 03/04/1975, diabetic", "date", "03/04/1975"),
        ("born on March 3, 1975 and", "date", "March 3, 1975"),
        ("date of birth: 4 July 1980", "date", "4 July 1980"),
        ("call her back at 555-123-4567 today", "phone number", "123-4567"),
        ("number is (555) 123-4567", "phone number", "123-4567"),
        ("+1 555.123.4567 left a message", "phone number", "123.4567"),
        ("reach him on 555-123-4567x204", "phone number", "4567"),
        ("call 07700 900123 to discuss", "phone number", "900123"),
        ("ward line +44 20 7946 0958", "phone number", "7946"),
        ("her daughter on 0412 345 678", "phone number", "345 678"),
        ("email jane.doe@clinic.org about it", "email", "jane.doe@clinic.org"),
        ("she lives at 123 Main Street now", "address", "Main Street"),
        ("home visit at 42 Elm St. tomorrow", "address", "Elm St"),
        ("patient John Smith waited an hour", "patient name", "John Smith"),
        ("Patient Jones needed more time", "patient name", "Jones"),
        ("patient O'Brien fell again", "patient name", "Brien"),
        ("patient McDonald fell again", "patient name", "Donald"),
        ("patient Smith-Jones fell again", "patient name", "Jones"),
        ("patient José Núñez fell again", "patient name", "Núñez"),
        ("saw pt. Brown twice", "patient name", "Brown"),
        ("the patient, Mrs. Garcia, was upset", "patient name", "Garcia"),
        ("account 98765432 was billed", "account number", "98765432"),
    ],
)
def test_redact_removes_each_kind_of_identifier(text: str, kind: str, secret: str) -> None:
    result = redact(text)

    assert secret not in result.text
    assert REDACTED in result.text
    assert result.removed == (kind,)
    assert result.changed


def test_redact_keeps_the_word_patient_so_the_sentence_still_reads() -> None:
    assert redact("patient John Smith waited an hour").text == "patient [removed] waited an hour"


def test_redact_reports_each_kind_once_in_order_of_the_patterns() -> None:
    result = redact(
        "patient Jones (MRN 1234567) called 555-123-4567 and 555-987-6543, email jones@example.com"
    )

    assert result.removed == ("email", "medical record number", "phone number", "patient name")
    for secret in ("Jones", "1234567", "555-123-4567", "555-987-6543", "jones@example.com"):
        assert secret not in result.text


@pytest.mark.parametrize(
    "text",
    [
        "we saw 20 patients today",
        "patient care matters",
        "in-basket at 9pm",
        "I finished charting at 10:30 after 24 patients",
        "Patient satisfaction went up when we had 30 minute visits",
        "Our team of 12 works well; Dr. Lee covers Fridays",
        "2 of 5 MAs left in March 2024",
        "the new EHR version 3.2 is slower",
        "shifts run 07.00-19.30 most weeks",
        "between 2019-2023 we lost 4 of 11 nurses",
    ],
)
def test_redact_leaves_ordinary_clinician_sentences_untouched(text: str) -> None:
    result = redact(text)

    assert result.text == text
    assert result.removed == ()
    assert not result.changed


# --- Properties: redaction is safe to apply twice and leaves no contact details behind. ---

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w-]+")
PHONE = re.compile(r"(?<!\d)\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")

emails = st.from_regex(
    r"[a-z][a-z0-9._+-]{0,10}@[a-z][a-z0-9-]{0,8}\.(com|org|net)", fullmatch=True
)
phones = st.from_regex(r"(\+1 )?(\(\d{3}\) |\d{3}[-. ]?)\d{3}[-. ]?\d{4}", fullmatch=True)
words = st.text(max_size=30)
pieces = st.one_of(
    words, emails, phones, st.sampled_from(["patient", "Patient Jones", "pt.", "MRN", "DOB"])
)
# Pieces are glued without spaces too: removing one identifier must not expose another.
messages = st.lists(pieces, max_size=8).map("".join) | st.lists(pieces, max_size=8).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(messages)
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)

    assert twice.text == once.text
    assert twice.removed == ()


@settings(max_examples=150, deadline=None)
@given(messages)
def test_redact_never_leaves_an_email_or_phone_number_behind(text: str) -> None:
    cleaned = redact(text).text

    assert EMAIL.search(cleaned) is None
    assert PHONE.search(cleaned) is None


@given(st.lists(st.one_of(emails, phones), min_size=1, max_size=3), words)
def test_redact_tells_the_clinician_something_was_removed(contacts: list[str], filler: str) -> None:
    result = redact(f"{filler} " + " and ".join(contacts))

    assert result.changed
    assert set(result.removed) <= {"email", "phone number", "fax number", "ID number"}


# --- Pseudonyms ---


def test_pseudonym_is_stable_for_the_same_secret_and_parts() -> None:
    assert pseudonym("s3cret", "respondent", 42) == pseudonym("s3cret", "respondent", 42)


def test_pseudonym_differs_with_the_secret_or_the_parts() -> None:
    key = pseudonym("s3cret", "respondent", 42)

    assert pseudonym("other-secret", "respondent", 42) != key
    assert pseudonym("s3cret", "respondent", 43) != key
    assert pseudonym("s3cret", "voter", 42) != key
    # Parts are kept apart: ("ab", "c") is not ("a", "bc").
    assert pseudonym("s3cret", "ab", "c") != pseudonym("s3cret", "a", "bc")


def test_pseudonym_does_not_reveal_the_person() -> None:
    key = pseudonym("s3cret", "respondent", 424242)

    assert "424242" not in key
    assert re.fullmatch(r"[0-9a-f]{32}", key)
