"""Every role's first five minutes: a welcome and help for each role, and no reply that
misreads a clinician (small talk is small talk, only suggestions are offered as ideas)."""

from __future__ import annotations

import pytest

from bot import actions
from bot.context import BotContext
from bot.conversation.small_talk import Reading, nearest_command, read
from bot.events import MemberAdded
from bot.messages import OutboundMessage
from bot.people.roles import Role
from tests.unit.bot.dispatch_harness import (
    ChatHarness,
    button,
    conversation_ref,
    person_ref,
    texts,
)
from tests.unit.bot.pulses.test_pulses import add_person

COMMANDS = ["help", "idea", "snooze", "pause", "resume", "my answers", "pulses", "summary"]


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        ("hi", Reading.GREETING),
        ("Good morning!", Reading.GREETING),
        ("thanks!", Reading.THANKS),
        ("Thank you so much 🙏", Reading.THANKS),
        ("yes", Reading.YES_NO),
        ("Nope.", Reading.YES_NO),
        ("5", Reading.NUMBER),
        ("👍", Reading.EMOJI),
        ("We should protect admin time on Fridays", Reading.SUGGESTION),
        ("what if MAs did the refills", Reading.SUGGESTION),
        ("It would help if rooming started on time", Reading.SUGGESTION),
        ("Rotate the front desk lead weekly", Reading.SUGGESTION),
        ("more scribes", Reading.SUGGESTION),
        ("The afternoon sessions always run late and nobody covers the phones", Reading.SUGGESTION),
        ("banana", Reading.UNCLEAR),
    ],
)
def test_messages_are_read_by_their_shape(typed: str, reading: Reading) -> None:
    assert read(typed) == reading


def test_a_mistyped_command_is_matched_to_the_nearest_one() -> None:
    assert nearest_command("pulsse", COMMANDS) == "pulses"
    assert nearest_command("sumary", COMMANDS) == "summary"
    assert nearest_command("banana", COMMANDS) is None
    # A sentence is never mistaken for a command.
    assert nearest_command("pause between patients would help", COMMANDS) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hi", "Hi, I'm Thrive. As a leader"),
        ("thanks!", "You're welcome!"),
        ("yes", "There's no question open for you right now, so I didn't save that."),
        ("5", "There's no question waiting for a number right now"),
        ("👍", "🙂 Noted."),
        ("banana", "I'm not sure what you mean"),
        ("sumary", "I don't know “sumary”. Did you mean `summary`?"),
    ],
)
async def test_small_talk_gets_a_friendly_reply_not_the_idea_offer(
    chat: ChatHarness, typed: str, expected: str
) -> None:
    await add_person(chat.database, "ana", roles=(Role.LEADER,))

    replies = await chat.say("ana", typed)

    [reply] = replies
    assert reply.text.startswith(expected)
    assert reply.buttons == ()  # no "Send this as an idea" for "👍"
    assert await chat.ideas() == []


async def test_only_a_suggestion_is_offered_as_an_idea(chat: ChatHarness) -> None:
    await chat.join("ana")

    [reply] = await chat.say("ana", "We should have a quiet room for charting")

    offer = button([reply], actions.IDEA_FROM_MESSAGE)
    assert offer.value == "We should have a quiet room for charting"


@pytest.mark.parametrize("typed", ["unsubscribe", "stop", "no more", "Stop sending!", "opt out"])
async def test_asking_for_no_more_messages_pauses(chat: ChatHarness, typed: str) -> None:
    await chat.join("ana")

    [reply] = await chat.say("ana", typed)

    assert reply.text.startswith("Paused.")
    assert (await chat.person("ana")).paused


async def test_help_me_is_help(chat: ChatHarness, ctx: BotContext) -> None:
    await chat.join("ana")
    assert texts(await chat.say("ana", "help me")) == [ctx.say("help")]


@pytest.mark.parametrize(
    ("role", "says"),
    [
        (Role.CLINICIAN, "`idea`"),
        (Role.LEADER, "`summary`"),
        (Role.WELLNESS_LEAD, "`pulse new`"),
        (Role.ADMIN, "`grant @person admin`"),
    ],
)
async def test_each_role_is_welcomed_with_what_it_can_do(
    chat: ChatHarness, ctx: BotContext, role: Role, says: str
) -> None:
    await chat.grant("ana", role)

    # The chat opened again (the app re-added): the most trusted role's own welcome.
    welcome = await _member_added(chat, "ana")
    hello = texts(await chat.say("ana", "hello"))

    assert welcome.text == ctx.say(f"welcome.{role.value}") and says in welcome.text
    assert len(welcome.text) < 420  # three or four lines, not an essay
    if role is Role.CLINICIAN:
        assert hello == [ctx.say("talk.greeting", name="Ana")]
    else:  # a leader's hello is answered with what leaders do here
        assert hello == [welcome.text]


async def _member_added(chat: ChatHarness, user_id: str) -> OutboundMessage:
    event = MemberAdded(person_ref(user_id), conversation_ref(user_id), f"evt-again-{user_id}")
    [reply] = (await chat.handle(event)).replies
    return reply


async def test_a_newcomers_first_hello_is_answered_with_the_welcome(
    chat: ChatHarness, ctx: BotContext
) -> None:
    first = texts(await chat.say("newcomer", "hello"))
    again = texts(await chat.say("newcomer", "hello"))

    assert first == [ctx.say("welcome.clinician")]
    assert again[0].startswith("Hi ")  # after that, a short hello back


async def test_a_leader_is_welcomed_by_role_when_first_met(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.grant("helen", Role.LEADER)

    reply = await _member_added(chat, "helen")

    assert reply.text == ctx.say("welcome.leader")


async def test_someone_given_a_role_in_chat_hears_what_it_lets_them_do(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await chat.grant("ana", Role.WELLNESS_LEAD)
    await chat.join("lee")

    await chat.say("ana", "grant lee leader")
    await chat.outbox.dispatch_due()

    [told] = chat.sender.messages_to("lee")
    assert told.text.startswith("You now have the leader role here.")
    assert ctx.say("welcome.leader") in told.text


@pytest.mark.parametrize(
    ("anonymity", "who_sees"),
    [
        ("anonymous", "your answers carry no link to you"),
        ("confidential", "never your name on an answer"),
        ("identified", "your wellness team can see which answers are yours"),
    ],
)
async def test_after_the_last_question_a_closing_line_says_what_happens_next(
    chat: ChatHarness, anonymity: str, who_sees: str
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["joy-more"], anonymity=anonymity)

    replies = await chat.say("ana", "Teaching residents")

    closing = texts(replies)[-1]
    assert closing.startswith("That's all for now, thank you. What happens next:")
    assert who_sees in closing
    assert "leaders see your name" not in closing  # no idea was sent in this pulse


@pytest.mark.parametrize(
    ("anonymity", "closing_says", "card_names"),
    [
        ("anonymous", "an idea you send here reaches leaders without your name", False),
        ("confidential", "leaders see your name on it", True),
        ("identified", "leaders see your name on it", True),
    ],
)
async def test_the_closing_line_after_an_idea_says_truly_whether_leaders_see_the_name(
    chat: ChatHarness, anonymity: str, closing_says: str, card_names: bool
) -> None:
    await chat.join("ana")
    await chat.grant("lee", Role.LEADER)
    await chat.open_prompts(["ana"], ["break-the-rules"], anonymity=anonymity)

    replies = await chat.say("ana", "No meetings before clinic")

    closing = texts(replies)[-1]
    assert closing_says in closing
    await chat.outbox.dispatch_due()
    _workspace, _audience, card = chat.sender.announced[-1]
    assert card.idea is not None
    assert ("From Ana" in card.idea.facts) is card_names
    if not card_names:  # the submitter still finds it as theirs
        assert "No meetings before clinic" in texts(await chat.say("ana", "my ideas"))[0]


async def test_a_pressed_point_is_named_and_its_comment_joins_the_answer(
    chat: ChatHarness,
) -> None:
    await chat.join("ana")
    await chat.open_prompts(["ana"], ["autonomy-vital"])
    [asked] = chat.sender.messages_to("ana")

    pressed = await chat.pick("ana", asked, "4")

    assert "Thanks, saved: 4 \u2013 Agree" in texts(pressed)
    [card] = [reply for reply in pressed if reply.form is not None]
    assert card.form is not None
    commented = await chat.press(
        "ana",
        card.form.submit.action_id,
        card.form.submit.value,
        fields={actions.ANSWER_FIELD: "Control over my schedule matters most"},
        message_ref=card.replaces,
    )

    assert "Added your comment to 4 \u2013 Agree." in texts(commented)
    [response] = await chat.responses()
    assert (response.scale_value, response.text) == (4, "Control over my schedule matters most")
    # The form is gone from the question: it cannot be sent twice.
    assert commented[0].form is None and commented[0].text.endswith("✓ Answered")
    # Another person cannot add to it with the same button.
    await chat.join("lee")
    refused = await chat.press(
        "lee", card.form.submit.action_id, card.form.submit.value, fields={"answer": "x"}
    )
    assert "no longer works" in texts(refused)[0]
