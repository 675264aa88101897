"""The answer to an Action.Execute press, chosen from the core's replies."""

from __future__ import annotations

from adapters.teams.invokes import MESSAGE_CONTENT_TYPE, execute_answer
from bot.events import MessageRef
from bot.messages import Button, Form, FormField, IdeaCard, OutboundMessage

CARD = "application/vnd.microsoft.card.adaptive"
PRESSED = MessageRef("teams", "19:leaders@thread.tacv2", "card-1")


def idea_card(replaces: MessageRef | None) -> OutboundMessage:
    idea = IdeaCard(idea_id=7, title="Idea #7", state="accepted", text="float nurse")
    return OutboundMessage(text="Idea #7 is now accepted", idea=idea, replaces=replaces)


def test_the_pressed_cards_new_version_is_the_answer_and_goes_to_everyone() -> None:
    card = idea_card(PRESSED)
    moved_on = OutboundMessage(text="Someone moved it first.", private=True)
    news = OutboundMessage(text="Your chat news", buttons=(Button("Undo", "undo"),))

    answer = execute_answer([card, moved_on, news], PRESSED)

    assert answer.body["statusCode"] == 200 and answer.body["type"] == CARD
    assert "float nurse" in str(answer.body["value"])
    assert answer.update_everyone is card
    assert answer.rest == (news,)  # the private note is in the card's headline already


def test_a_card_for_another_message_is_not_the_answer() -> None:
    elsewhere = idea_card(MessageRef("teams", "19:leaders@thread.tacv2", "other"))
    answer = execute_answer([elsewhere], PRESSED)
    assert answer.body["type"] == MESSAGE_CONTENT_TYPE
    assert answer.update_everyone is None
    assert answer.rest == (elsewhere,)


def test_a_form_opens_where_the_person_pressed() -> None:
    form = OutboundMessage(
        text="Decline idea #7",
        form=Form(
            title="Decline idea #7",
            fields=(FormField(name="note", label="Why?"),),
            submit=Button("Decline", "idea.note.submit", "7:submitted:declined"),
        ),
    )
    answer = execute_answer([form], PRESSED)
    assert answer.body["type"] == CARD
    assert "Input.Text" in str(answer.body["value"])
    assert answer.update_everyone is None and answer.rest == ()


def test_private_notes_alone_are_a_message_only_the_presser_sees() -> None:
    refused = OutboundMessage(text="Only leaders can move ideas.", private=True)
    answer = execute_answer([refused], PRESSED)
    assert answer.body == {
        "statusCode": 200,
        "type": MESSAGE_CONTENT_TYPE,
        "value": "Only leaders can move ideas.",
    }
    assert answer.rest == ()
