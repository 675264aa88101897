"""Slack writes a person's mention as `<@U123>`; the adapter turns it into "@..." text and
says who it is, so the core never reads Slack's markup. Profiles bring an email when
Slack gives one."""

from __future__ import annotations

from adapters.slack.inbound import (
    direct_message,
    mention_command,
    people_mentioned,
    person_ref,
    profile_of,
    slash_command,
)
from bot.events import PersonRef


def test_people_mentioned_become_words_and_refs_in_order() -> None:
    text, mentions = people_mentioned("T1", "grant <@U2|ben> and <@U3> and <@U2> leader")

    assert text == "grant @ben and @U3 and @U2 leader"
    assert mentions == (
        PersonRef("slack", "T1", "U2", display_name="ben"),
        PersonRef("slack", "T1", "U3"),
    )


def test_the_bots_own_mention_is_not_a_person() -> None:
    text, mentions = people_mentioned("T1", "<@U0BOT> grant <@U2> leader", "U0BOT")

    assert text == "<@U0BOT> grant @U2 leader"
    assert [ref.user_id for ref in mentions] == ["U2"]


def test_every_way_in_carries_the_mentions() -> None:
    dm = direct_message(
        "T1", {"user": "U1", "channel": "DU1", "text": "grant <@U2> leader"}, None, None
    )
    mention = mention_command(
        "T1", {"user": "U1", "text": "<@U0BOT> revoke <@U2> leader"}, None, None, "U0BOT"
    )
    slash = slash_command({"team_id": "T1", "user_id": "U1", "text": "grant <@U2|ben> admin"}, None)

    assert (dm.text, mention.text, slash.text) == (
        "grant @U2 leader",
        "revoke @U2 leader",
        "grant @ben admin",
    )
    for event in (dm, mention, slash):
        assert [ref.user_id for ref in event.mentions] == ["U2"]


def test_a_plain_message_mentions_nobody() -> None:
    dm = direct_message("T1", {"user": "U1", "channel": "DU1", "text": "more time"}, None, None)
    assert (dm.text, dm.mentions) == ("more time", ())


def test_the_profiles_email_is_kept_when_slack_gives_it() -> None:
    with_email = profile_of(
        {"tz": "UTC", "real_name": "Ana", "profile": {"email": "ana@river.example"}}
    )
    without = profile_of({"tz": "UTC", "name": "ana", "profile": {"real_name": "Ana"}})

    assert person_ref("T1", "U1", with_email).email == "ana@river.example"
    assert (without.display_name, without.email) == ("ana", None)
