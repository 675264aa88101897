"""Each kind of identifier is removed in the forms clinicians type, and what looks like it
but names no one (doses, times, scores, colleagues, rooms) is kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import REDACTED, redact
from bot.privacy.redaction import KINDS


def removes(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text, result.text
    assert kind in result.removed, result.removed


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Mr. Robert Alvarez waited 3 hours", "Robert Alvarez"),
        ("Mrs. Okafor in room 4 keeps calling", "Okafor"),
        ("had to call Mr. O'Connor's wife", "O'Connor"),
        ("mr j. kowalski no-showed again", "kowalski"),
        ("Mrs. Van der Berg fell", "Van der Berg"),
        ("pt tom brennan missed his colonoscopy", "tom brennan"),
        ("PATIENT MILLER needs a callback", "MILLER"),
        ("pts Garcia and Lopez both waited", "Lopez"),
        ("the pt (Reyes) was crying", "Reyes"),
        ("pt named Desmond Achebe left AMA", "Achebe"),
        ("Tom Brennan, 67 yo, missed his colonoscopy", "Brennan"),
        ("Okafor 58M needs a cardiology referral", "Okafor"),
        ("Anderson's labs came back critical", "Anderson"),
        ("Maria Gonzalez called three times", "Gonzalez"),
        ("frank delgado refuses to see anyone else", "delgado"),
        ("Will Hughes was rude to the front desk", "Hughes"),
        ("his daughter Jenny called 6 times", "Jenny"),
        ("Gerald (pt) keeps calling after hours", "Gerald"),
        ("the Johnson family wants a meeting", "Johnson"),
        ("Lopez, Maria 03/15/1980 needs a refill", "Maria"),
        ("Dr. Oakes said patient Dr. Feinberg refuses dialysis", "Feinberg"),
        ("her name is Tina and she's 15", "Tina"),
        ("saw mr brown today, he's better", "brown"),
        ("Mary-Kate Olsen needs a refill", "Olsen"),
        ("pts: Smith, Jones, Brown all no-showed", "Brown"),
        ("mom (Linda) is the contact", "Linda"),
        ("Mrs Kim (rm 212) refusing meds", "Kim"),
    ],
)
def test_names_are_removed(text: str, secret: str) -> None:
    removes(text, secret, "patient name")


def test_a_title_is_kept_so_the_sentence_still_reads() -> None:
    assert redact("Mrs. Okafor in room 4").text == f"Mrs. {REDACTED} in room 4"
    assert redact("Mr. O'Connor's visit moved").text == f"Mr. {REDACTED} visit moved"


def test_a_number_goes_with_its_cue() -> None:
    assert redact("MRN 00482913 needs a refill").text == f"{REDACTED} needs a refill"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("seen 3/14 and again 3/28", "3/28"),
        ("DOB 03/14/1962, diabetic", "03/14/1962"),
        ("appt on 2024-03-14 got cancelled", "2024-03-14"),
        ("his surgery is March 14th", "March 14th"),
        ("admitted 14 March 2024", "14 March 2024"),
        ("procedure moved to Sept. 3rd", "Sept. 3rd"),
        ("the visit on the 2nd of May was billed twice", "2nd of May"),
        ("born 7/4/41, lives alone", "7/4/41"),
        ("hospitalized 9/1/22-9/15/22", "9/15/22"),
        ("appt 4-15 at 3pm", "4-15"),
        ("pt was born in 1931", "1931"),
        ("we will see him again on the 3rd", "3rd"),
        ("last colonoscopy 6/2015", "6/2015"),
        ("dob 14-Mar-2024", "14-Mar-2024"),
        ("seen 10/12 for f/u", "10/12"),
    ],
)
def test_dates_are_removed(text: str, secret: str) -> None:
    removes(text, secret, "date")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("a 94 yo with afib", "94"),
        ("97-year-old brought in by EMS", "97"),
        ("age 102", "102"),
        ("resident Edna Pruitt turned 95 today", "95"),
    ],
)
def test_ages_over_89_are_removed(text: str, secret: str) -> None:
    removes(text, secret, "age")


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("call her at 555-867-5309", "867-5309", "phone number"),
        ("(617) 555-0142 prefers texts", "555-0142", "phone number"),
        ("cell 6175550123", "6175550123", "phone number"),
        ("best # is 617-555-0142 x23", "x23", "phone number"),
        ("phone 555-0142 (landline)", "555-0142", "phone number"),
        ("her uk number +44 7700 900123", "900123", "phone number"),
        ("call 555\u2013123\u20134567 today", "4567", "phone number"),
        ("fax the records to 617-555-0143", "0143", "fax number"),
        ("email jdoe1952@gmail.com", "jdoe1952", "email"),
        ("write to jdoe at gmail dot com", "jdoe", "email"),
        ("found her on facebook.com/gloria.estevez.77", "gloria.estevez", "web address"),
        ("gofundme https://www.gofundme.com/f/help-tom", "help-tom", "web address"),
        ("logged in from 192.168.1.24", "192.168.1.24", "IP address"),
        ("ipv6 2001:db8:85a3::8a2e:370:7334", "8a2e", "IP address"),
    ],
)
def test_contact_details_are_removed(text: str, secret: str, kind: str) -> None:
    removes(text, secret, kind)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("home visit at 4410 Oak Ridge Dr, Apt 3B tomorrow", "Oak Ridge"),
        ("she lives at 221 n main st", "main st"),
        ("new address 12 Harbor View Ln Unit 5, Quincy, MA 02169", "Quincy"),
        ("mail goes to PO Box 1187", "1187"),
        ("send to Springfield, IL 62704", "62704"),
        ("his zip is 02118", "02118"),
        ("she's in apt 14C", "14C"),
        ("lives on Maple Ave with her son", "Maple"),
    ],
)
def test_addresses_are_removed(text: str, secret: str) -> None:
    removes(text, secret, "address")


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("MRN 00482913 needs a refill", "00482913", "medical record number"),
        ("has 3 MRNs 1102938, 1102939, 1109921", "1109921", "medical record number"),
        ("acct 4455-2210 has a balance", "4455-2210", "account number"),
        ("member ID XKZ123456789 not active", "XKZ123456789", "insurance number"),
        ("Medicare 1EG4-TE5-MK73 rejected", "1EG4-TE5-MK73", "insurance number"),
        ("her card says 1EG4TE5MK73", "1EG4TE5MK73", "insurance number"),
        ("SSN 123-45-6789 on the fax", "123-45-6789", "SSN"),
        ("typed 123 45 6789 in the wrong field", "123 45 6789", "SSN"),
        ("last 4 of ssn 6789", "6789", "SSN"),
        ("SSN: xxx-xx-1234", "1234", "SSN"),
        ("license plate NY ABC1234", "ABC1234", "vehicle number"),
        ("driver's license S530-4823-9921", "S530-4823-9921", "licence number"),
        ("plate 7ABC123 in the ambulance bay", "7ABC123", "vehicle number"),
        ("his car is 3FAHP0HA7AR123456", "3FAHP0HA7AR123456", "vehicle number"),
        ("insulin pump SN: MMT-1780-44211", "MMT-1780-44211", "device number"),
        ("number 84720019 on the wristband", "84720019", "ID number"),
        ("the bracelet code A9920133K", "A9920133K", "ID number"),
    ],
)
def test_numbers_that_name_a_person_are_removed(text: str, secret: str, kind: str) -> None:
    removes(text, secret, kind)


@pytest.mark.parametrize(
    "text",
    [
        "Dr Patel covered my clinic so I could go to the recital",
        "Dr. Sarah Chen, Dr. Will Carter and NP Jordan Lee covered",
        "our new NP, Kim Tran, is fantastic",
        "Will is the best MA we've had in years",
        "May was brutal, we lost two nurses",
        "grace period on the badge policy ends in March",
        "hope the new schedule sticks",
        "joy of the day: cookies from a family",
        "rich discussion at grand rounds",
        "mark your calendars for October",
        "bill for the telehealth visits is wrong",
        "care team huddle at 8am helps",
        "thanks to Mike and Priya for covering",
        "my daughter Emma's recital is at 6",
        "Mary Washington Hospital is recruiting our nurses",
        "the Cleveland Clinic model won't work here",
        "metformin 500 mg BID is backordered",
        "she's on 2.5mg BID and still hypertensive",
        "A1c 7.2 down from 9.1",
        "BP 140/90 again, HR 88",
        "pain 7/10 after surgery, 5/5 strength",
        "2/3 of my panel is on Medicare",
        "clinic starts at 7:30, first pt at 7:40",
        "follow up in 2 weeks",
        "room 4 and bed 12 need new monitors",
        "10-12 pts per half day is too many",
        "shifts run 07.00-19.30 most weeks",
        "2 of 5 MAs left in March 2024",
        "I saw 24 patients today and charted until 9pm",
        "we see about 90 patients a day in the ED",
        "temp 99.1 F this morning",
        "Dr Patel's clinic on Main St is short staffed",
        "urgent care on Route 9 closes at 8",
        "the 3rd floor elevator is broken",
        "press ganey scores are out on the 15th",
        "patient portal messages doubled",
        "pt will follow up in 2 weeks",
        "I miss when we had scribes",
        "the pt with ms flare needs neuro",
        "Resident Council meeting is Tuesday",
        "the Patient Family Advisory Council wants more members",
        "we got 5 stars from 10/12 families",
        "I give the clinic 4/10 for teamwork",
        "room 212 and rm 214 are free",
    ],
)
def test_ordinary_comments_are_left_as_typed(text: str) -> None:
    result = redact(text)

    assert result.text == text
    assert result.removed == ()


def test_each_kind_is_reported_once_in_the_fixed_order() -> None:
    result = redact("Mrs. Diaz (DOB 4/2/1950) 555-203-4481, 555-203-4482, dx@example.com")

    assert result.removed == ("email", "date", "phone number", "patient name")
    assert list(result.removed) == sorted(result.removed, key=KINDS.index)


# --- Properties over any text, and over identifiers glued together ----------------------

pieces = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "Mr. O'Connor's",
            "pt tom brennan",
            "Dr Patel",
            "DOB 3/14/1962",
            "March 14th",
            "555-867-5309",
            "fax 617.555.0143",
            "jdoe@gmail.com",
            "www.x.com/a",
            "10.0.0.1",
            "4410 Oak Ridge Dr, Apt 3B",
            "Quincy, MA 02169",
            "MRN 00482913",
            "1EG4-TE5-MK73",
            "123-45-6789",
            "VIN 1HGCM82633A004352",
            "[removed]",
            "5 mg",
            "BP 140/90",
            "patient",
            ", ",
            "'s",
            "-",
            "(",
            ")",
        ]
    ),
)
texts = st.lists(pieces, max_size=10).map("".join) | st.lists(pieces, max_size=10).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | texts)
def test_redact_never_crashes_and_is_idempotent(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)

    assert twice.text == once.text
    assert twice.removed == ()
    assert set(once.removed) <= set(KINDS)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | texts)
def test_redact_never_lengthens_text_unboundedly(text: str) -> None:
    result = redact(text)

    # Each marker stands for at least one character that was there: at most 9 characters
    # for one, and never more markers than the text had characters.
    added = result.text.count(REDACTED) - text.count(REDACTED)
    assert added <= max(len(text), 0)
    assert len(result.text) <= len(text) + added * (len(REDACTED) - 1)
