"""Teams sends a person's mention as `<at>Name</at>` in the text plus a mention entity;
the adapter turns it into "@Name" and says who it is (the bot's own is not a person).
An email in the activity's `from` is kept."""

from __future__ import annotations

from typing import Any

from adapters.teams.inbound import channel_command, conversation_ref, message_received
from bot.events import PersonRef
from tests.unit.adapters.teams.test_inbound import MENTION, activity, in_channel

BEN = {
    "type": "mention",
    "mentioned": {"id": "29:ben", "name": "Ben Okoro"},
    "text": "<at>Ben</at>",
}


def test_a_personal_message_names_the_people_it_mentions() -> None:
    raw = activity(text="grant <at>Ben</at> leader", entities=[BEN])

    received = message_received(raw, "t1")

    assert received is not None
    assert received.text == "grant @Ben Okoro leader"
    assert received.mentions == (PersonRef("teams", "t1", "29:ben", display_name="Ben Okoro"),)


def test_a_channel_command_keeps_the_bot_out_of_its_mentions() -> None:
    raw = in_channel(text="<at>Thrive</at> grant <at>Ben</at> leader", entities=[MENTION, BEN])

    event = channel_command(
        raw, "t1", "grant <at>Ben</at> leader", conversation_ref(activity(), "t1")
    )

    assert event.text == "grant @Ben Okoro leader"
    assert [ref.user_id for ref in event.mentions] == ["29:ben"]


def test_a_mention_entity_not_in_the_words_is_ignored() -> None:
    raw = activity(text="more time", entities=[BEN, {"type": "mention"}, "junk"])

    received = message_received(raw, "t1")

    assert received is not None
    assert (received.text, received.mentions) == ("more time", ())


def test_an_email_in_from_is_kept_and_anything_else_is_not() -> None:
    def sender(**extra: Any) -> dict[str, Any]:
        return {"id": "29:u", "name": "Ada", **extra}

    kept = message_received(activity(**{"from": sender(email="ada@clinic.example")}), "t1")
    upn = message_received(
        activity(**{"from": sender(userPrincipalName="ada@clinic.example")}), "t1"
    )
    odd = message_received(activity(**{"from": sender(email="not an address")}), "t1")

    assert kept is not None and kept.person.email == "ada@clinic.example"
    assert upn is not None and upn.person.email == "ada@clinic.example"
    assert odd is not None and odd.person.email is None
