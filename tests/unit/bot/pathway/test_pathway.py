"""The innovation pathway: leaders move ideas on their card; submitters hear every move."""

from __future__ import annotations

from datetime import timedelta

from bot import actions
from bot.clock import FixedClock
from bot.events import ConversationRef, MemberAdded, MessageRef, PersonRef
from bot.messages import Button, OutboundMessage
from bot.pathway.moves import MOVES
from bot.people.organisations import link_workspace
from bot.people.roles import Role
from storage.people import PeopleRepository
from tests.unit.bot.dispatch_harness import ChatHarness, texts

LEADERS_ROOM = MessageRef("local", "leaders-room", "1")


async def _idea_with_card(chat: ChatHarness, text: str = "idea scribes for every clinic") -> int:
    """Ana sends an idea, Lee is a leader, and the card has reached the leaders."""
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.say("ana", text)
    await chat.outbox.dispatch_due()
    [idea] = await chat.ideas()
    return idea.id


def _card(chat: ChatHarness) -> OutboundMessage:
    _workspace, _audience, card = chat.sender.announced[-1]
    return card


def _move_button(message: OutboundMessage, to_state: str) -> Button:
    wanted = f":{to_state.replace(' ', '_')}"
    [found] = [b for b in message.buttons if b.value.endswith(wanted)]
    return found


async def _press(
    chat: ChatHarness, user_id: str, button: Button, on: MessageRef | None = LEADERS_ROOM
) -> list[OutboundMessage]:
    return list(await chat.press(user_id, button.action_id, button.value, message_ref=on))


def _news_for(chat: ChatHarness, user_id: str) -> list[str]:
    return [message.text for message in chat.sender.messages_to(user_id)]


async def test_the_new_ideas_card_offers_the_first_moves(chat: ChatHarness) -> None:
    await _idea_with_card(chat)
    card = _card(chat)
    assert card.idea is not None and card.idea.state == "submitted"
    labels = [b.label for b in card.buttons]
    assert labels == ["Review", "Accept", "Ask for more info", "Decline"]
    [idea] = await chat.ideas()
    # So later moves update this card (the organisation's one workspace: one card).
    assert [MessageRef.from_dict(ref) for ref in idea.card_refs] == [LEADERS_ROOM]


async def test_accepting_updates_the_card_in_place_and_tells_the_submitter(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)

    replies = await _press(chat, "lee", _move_button(_card(chat), "accepted"))

    [updated] = replies
    assert updated.replaces == LEADERS_ROOM
    assert updated.idea is not None and updated.idea.state == "accepted"
    assert [b.label for b in updated.buttons] == ["Start (I'll lead it)", "Decline"]
    assert (await chat.idea(idea_id)).state == "accepted"
    [moved] = [entry for entry in await chat.audit() if entry.action == "idea.moved"]
    lee = await chat.person("lee")
    assert (moved.actor_id, moved.subject) == (lee.id, f"idea:{idea_id}")
    assert moved.detail == {"from": "submitted", "to": "accepted", "via": "chat"}
    assert _news_for(chat, "ana") == []  # queued, not sent from the handler
    await chat.outbox.dispatch_due()
    [news] = _news_for(chat, "ana")
    assert f"accepted your idea #{idea_id}" in news and "scribes" in news
    # Under the news, the idea as it now stands, with nothing to press.
    [status] = chat.sender.messages_to("ana")[-1:]
    assert status.idea is not None and status.idea.idea_id == idea_id
    assert status.idea.state == "accepted" and "scribes" in status.idea.text.lower()
    # Her own idea, as hers (it used to say "Anonymous" to a named submitter).
    assert status.idea.facts[0] == "From you"
    assert status.buttons == ()
    events = await chat.idea_events(idea_id)
    assert [(e.from_state, e.to_state) for e in events][-1] == ("submitted", "accepted")
    lee = await chat.person("lee")
    assert events[-1].actor_id == lee.id


async def test_an_idea_walks_the_whole_pathway_and_the_submitter_hears_each_step(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)
    card = _card(chat)
    for to_state in ["under review", "accepted", "in progress", "implemented", "shared"]:
        [card] = await _press(chat, "lee", _move_button(card, to_state))
        assert card.idea is not None and card.idea.state == to_state
        expected = MOVES[to_state]
        assert len(card.buttons) == len(expected)
    assert card.buttons == ()  # shared is the end of the road
    assert card.idea is not None and "Led by Lee" in card.idea.facts
    await chat.outbox.dispatch_due()
    news = _news_for(chat, "ana")
    assert len(news) == 5
    assert "Lee is leading it" in news[2]
    assert "implemented" in news[3] and "shared" in news[4]
    idea = await chat.idea(idea_id)
    assert idea.owner_id == (await chat.person("lee")).id


async def test_the_reason_form_shows_the_idea_and_its_cancel_brings_the_card_back(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)
    [form] = await _press(chat, "lee", _move_button(_card(chat), "declined"))
    assert form.form is not None
    # Its title, the idea's own words, then the label: three things, not one run-on line.
    assert form.form.title == f"Decline idea #{idea_id}"
    assert form.form.intro == "The idea: scribes for every clinic"
    assert form.form.fields[0].label.startswith("Why?")
    cancel = form.form.cancel
    assert cancel is not None and cancel.label == "Cancel"

    [card] = await chat.press("lee", cancel.action_id, cancel.value, message_ref=LEADERS_ROOM)
    assert card.replaces == LEADERS_ROOM and card.idea is not None
    assert card.idea.state == "submitted" and "Decline" in [b.label for b in card.buttons]
    assert (await chat.idea(idea_id)).state == "submitted"
    await chat.outbox.dispatch_due()
    assert _news_for(chat, "ana") == []  # nothing moved, nobody told


async def test_declining_asks_for_a_reason_and_the_submitter_reads_it(chat: ChatHarness) -> None:
    idea_id = await _idea_with_card(chat)
    decline = _move_button(_card(chat), "declined")
    assert decline.action_id == actions.IDEA_NOTE_OPEN

    [form] = await _press(chat, "lee", decline)
    assert form.form is not None and form.form.submit.action_id == actions.IDEA_NOTE_SUBMIT

    submit = form.form.submit
    refused = await chat.press(
        "lee", submit.action_id, submit.value, fields={actions.NOTE_FIELD: "  "}
    )
    assert "Please say why" in texts(refused)[0]
    assert (await chat.idea(idea_id)).state == "submitted"

    done = await chat.press(
        "lee",
        submit.action_id,
        submit.value,
        fields={actions.NOTE_FIELD: "Rota already funded; call 07700 900123 to discuss"},
    )
    assert "moved to “declined”" in texts(done)[0]
    idea = await chat.idea(idea_id)
    assert idea.state == "declined"
    assert idea.decline_reason is not None and "07700" not in idea.decline_reason  # redacted
    await chat.outbox.dispatch_due()
    [news] = _news_for(chat, "ana")
    assert "Rota already funded" in news
    assert '.".' not in news and "”." not in news  # the reason's own full stop is enough
    # The card the leaders read was updated through the outbox, with the reason on it.
    [(ref, card)] = chat.sender.updated
    assert ref == LEADERS_ROOM
    assert card.idea is not None
    [note] = card.idea.notes
    assert note.label == "Reason" and note.text.startswith("Rota already funded")
    assert [b.label for b in card.buttons] == ["Review"]  # it can be looked at again


async def test_asking_for_more_info_lets_the_submitter_answer_and_returns_it_to_review(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)
    ask = _move_button(_card(chat), "needs more info")
    await chat.press(
        "lee", actions.IDEA_NOTE_SUBMIT, ask.value, fields={"note": "Which clinics first?"}
    )
    await chat.outbox.dispatch_due()
    [question] = _news_for(chat, "ana")
    assert "Which clinics first?" in question and f"idea #{idea_id}" in question

    reply = await chat.say("ana", f"idea #{idea_id} Outpatients, then the ward")

    assert f"Added to your idea #{idea_id}" in texts(reply)[0]
    idea = await chat.idea(idea_id)
    assert idea.state == "under review"
    assert "Outpatients, then the ward" in idea.text
    assert len(await chat.ideas()) == 1  # added to, not a new idea
    await chat.outbox.dispatch_due()
    _ref, card = chat.sender.updated[-1]
    assert card.idea is not None and "Outpatients" in card.idea.text
    assert card.idea.state == "under review"


async def test_only_the_submitter_can_add_to_an_idea(chat: ChatHarness) -> None:
    idea_id = await _idea_with_card(chat)
    await chat.join("ben")
    reply = await chat.say("ben", f"idea #{idea_id} let me add something")
    assert "can't find an idea" in texts(reply)[0]
    assert "let me add" not in (await chat.idea(idea_id)).text


async def test_a_clinician_cannot_move_an_idea(chat: ChatHarness) -> None:
    idea_id = await _idea_with_card(chat)
    replies = await _press(chat, "ana", _move_button(_card(chat), "accepted"))
    assert "Only leaders" in texts(replies)[0]
    assert (await chat.idea(idea_id)).state == "submitted"
    assert len(await chat.idea_events(idea_id)) == 1


async def test_when_two_leaders_press_at_once_the_second_is_told_and_nothing_is_overwritten(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)
    await chat.grant("max", Role.LEADER)
    card = _card(chat)

    await _press(chat, "lee", _move_button(card, "accepted"))
    late = await chat.press(
        "max",
        actions.IDEA_NOTE_SUBMIT,
        f"{idea_id}:submitted:declined",
        fields={"note": "not now"},
        message_ref=LEADERS_ROOM,
    )

    assert any("already moved on" in text and "accepted" in text for text in texts(late))
    refreshed = [reply for reply in late if reply.replaces == LEADERS_ROOM]
    assert refreshed and refreshed[0].idea is not None
    assert refreshed[0].idea.state == "accepted"
    assert (await chat.idea(idea_id)).state == "accepted"
    assert [e.to_state for e in await chat.idea_events(idea_id)] == ["submitted", "accepted"]


async def test_forged_or_impossible_moves_are_refused_politely(chat: ChatHarness) -> None:
    idea_id = await _idea_with_card(chat)
    for value in ["nonsense", f"{idea_id}:submitted:shared", f"{idea_id}:sideways:accepted"]:
        replies = await chat.press("lee", actions.IDEA_MOVE, value, message_ref=LEADERS_ROOM)
        assert "no longer works" in texts(replies)[0]
    replies = await chat.press("lee", actions.IDEA_MOVE, "9999:submitted:accepted")
    assert "can't find idea #9999" in texts(replies)[0]
    assert (await chat.idea(idea_id)).state == "submitted"


async def test_an_anonymous_submitter_hears_the_news_but_the_card_never_names_them(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.open_prompts(["ana"], ["break-the-rules"], anonymity="anonymous")
    await chat.say("ana", "No meetings before clinic")
    await chat.outbox.dispatch_due()
    card = _card(chat)
    assert card.idea is not None and card.idea.facts[0] == "Anonymous"

    [moved] = await _press(chat, "lee", _move_button(card, "accepted"))

    assert moved.idea is not None and moved.idea.facts[0] == "Anonymous"
    assert "Ana" not in str(moved.idea)
    assert "Ana" not in moved.text
    sent_before = len(_news_for(chat, "ana"))
    await chat.outbox.dispatch_due()
    news = _news_for(chat, "ana")[sent_before:]
    assert len(news) == 1 and "accepted your idea" in news[0]
    [status] = chat.sender.messages_to("ana")[-1:]
    # Told it is theirs and that leaders do not see their name; still no name on it.
    assert status.idea is not None
    assert status.idea.facts[0] == "From you (leaders don't see your name)"
    assert "Ana" not in str(status.idea)


async def test_news_waits_for_the_end_of_the_submitters_quiet_hours(chat: ChatHarness) -> None:
    assert isinstance(chat.ctx.clock, FixedClock)
    idea_id = await _idea_with_card(chat)
    ana = await chat.person("ana")
    now = chat.ctx.clock.now()
    async with chat.database.transaction() as session:
        found = await PeopleRepository(session).get(ana.id)
        assert found is not None
        # Quiet for the next two hours, whatever the hour the clock says.
        found.quiet_hours_start = (now - timedelta(minutes=1)).strftime("%H:%M")
        found.quiet_hours_end = (now + timedelta(hours=2)).strftime("%H:%M")
        found.timezone = "UTC"

    await _press(chat, "lee", _move_button(_card(chat), "accepted"))
    await chat.outbox.dispatch_due()
    assert _news_for(chat, "ana") == []

    chat.ctx.clock.advance(timedelta(hours=2, minutes=1))
    await chat.outbox.dispatch_due()
    [news] = _news_for(chat, "ana")
    assert f"idea #{idea_id}" in news


async def _idea_answer_with_undo(chat: ChatHarness) -> tuple[OutboundMessage, Button]:
    """Ana answers the idea prompt; the confirmation carries Undo."""
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.open_prompts(["ana"], ["break-the-rules"])
    replies = await chat.say("ana", "No meetings before clinic")
    [confirmation] = [
        r for r in replies if any(b.action_id == actions.ANSWER_UNDO for b in r.buttons)
    ]
    [undo] = [b for b in confirmation.buttons if b.action_id == actions.ANSWER_UNDO]
    return confirmation, undo


async def test_undoing_an_idea_after_its_card_went_out_marks_the_card_withdrawn(
    chat: ChatHarness,
) -> None:
    confirmation, undo = await _idea_answer_with_undo(chat)
    await chat.outbox.dispatch_due()
    assert len(chat.sender.announced) == 1

    await chat.press_button("ana", undo, on=confirmation)
    await chat.outbox.dispatch_due()

    assert await chat.ideas() == []
    [(ref, withdrawn)] = chat.sender.updated
    assert ref == LEADERS_ROOM
    assert "withdrawn" in withdrawn.text
    assert withdrawn.buttons == () and withdrawn.idea is None  # nothing left to press


async def test_undoing_an_idea_before_its_card_went_out_means_the_card_never_goes(
    chat: ChatHarness,
) -> None:
    confirmation, undo = await _idea_answer_with_undo(chat)

    await chat.press_button("ana", undo, on=confirmation)
    await chat.outbox.dispatch_due()

    assert await chat.ideas() == []
    assert chat.sender.announced == [] and chat.sender.updated == []


async def test_an_organisation_of_two_workspaces_gets_a_card_in_each_and_both_follow_moves(
    chat: ChatHarness,
) -> None:
    # Ward B's workspace is joined to the local chat's organisation.
    await chat.join("ana")
    ward = PersonRef("local", "ward-b", "bo", "Bo")
    await chat.handle(MemberAdded(ward, ConversationRef("local", "ward-b", "dm-bo"), "evt-bo"))
    async with chat.database.transaction() as session:
        await link_workspace(session, "ward-b", "local", by="test", now=chat.ctx.clock.now())
    idea_id = await _idea_with_card(chat)

    # One card per workspace, each where that workspace's leaders read, both kept.
    assert [workspace for workspace, _audience, _card in chat.sender.announced] == [
        "local",
        "ward-b",
    ]
    posted = [MessageRef.from_dict(ref) for ref in (await chat.idea(idea_id)).card_refs]
    assert posted == [LEADERS_ROOM, MessageRef("local", "leaders-room", "2")]

    # Lee accepts on the first card: it is the reply; the other is updated by the outbox.
    [updated] = await _press(chat, "lee", _move_button(_card(chat), "accepted"))
    await chat.outbox.dispatch_due()

    assert updated.replaces == LEADERS_ROOM
    [(ref, card)] = chat.sender.updated
    assert ref == posted[1]
    assert card.idea is not None and card.idea.state == "accepted"
    # Ana's news went out too, with a status card of its own: not a leaders' card.
    assert [news.idea is not None for news in chat.sender.messages_to("ana")] == [True]
    assert len((await chat.idea(idea_id)).card_refs) == 2


async def test_asking_for_more_info_with_nothing_asked_asks_for_the_question(
    chat: ChatHarness,
) -> None:
    idea_id = await _idea_with_card(chat)
    ask = _move_button(_card(chat), "needs more info")

    refused = await chat.press("lee", actions.IDEA_NOTE_SUBMIT, ask.value, fields={"note": " "})

    assert texts(refused) == ["Please write your question: the submitter will read it."]
    assert (await chat.idea(idea_id)).state == "submitted"
    await chat.press(
        "lee", actions.IDEA_NOTE_SUBMIT, ask.value, fields={"note": "Which clinics first?"}
    )
    await chat.outbox.dispatch_due()
    # The leaders' card carries the question, as a declined one carries its reason.
    _ref, card = chat.sender.updated[-1]
    assert card.idea is not None
    assert [(n.label, n.text) for n in card.idea.notes] == [("Asked", "Which clinics first?")]


async def test_idea_anon_sends_an_idea_whose_card_never_names_the_sender(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)

    replies = await chat.say("ana", "idea anonymous Let us swap shifts without a form")
    await chat.say("ana", "anonymous idea: quiet room on every ward")
    await chat.say("ana", "idea anon")  # nothing to send: told how, nothing stored
    await chat.outbox.dispatch_due()

    first, second = sorted(await chat.ideas(), key=lambda idea: idea.id)
    assert first.anonymous and second.anonymous
    assert first.text == "Let us swap shifts without a form"
    assert second.text == "quiet room on every ward"
    assert "without your name" in texts(replies)[0]
    cards = [card for _w, _a, card in chat.sender.announced if card.idea is not None]
    assert [card.idea.facts[0] for card in cards if card.idea] == ["Anonymous", "Anonymous"]
    assert all("Ana" not in str(card) for card in cards)
    # The submitter still hears of it and finds it among their ideas.
    await _press(chat, "lee", _move_button(cards[0], "accepted"))
    await chat.outbox.dispatch_due()
    assert any("accepted your idea" in news for news in _news_for(chat, "ana"))
    [mine] = texts(await chat.say("ana", "my ideas"))
    assert "Let us swap shifts" in mine and "anonymous" not in mine.lower()


async def test_a_message_offered_as_an_idea_is_sent_as_written_even_if_it_starts_anonymous(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")

    await chat.press("ana", actions.IDEA_FROM_MESSAGE, "Anonymous feedback boxes on every ward")

    [idea] = await chat.ideas()
    assert not idea.anonymous and idea.text == "Anonymous feedback boxes on every ward"


async def test_idea_anon_with_a_question_open_is_an_anonymous_idea_not_an_answer(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"])

    replies = await chat.say("ana", "idea anon swap shifts without a form")

    [idea] = await chat.ideas()
    assert idea.anonymous and idea.text == "swap shifts without a form"
    assert "without your name" in texts(replies)[0]
    assert await chat.responses() == []  # the open question is still unanswered
