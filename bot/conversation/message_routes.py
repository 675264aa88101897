"""Messages and commands: what a person types, whatever the platform.

A plain message answers the open prompt; a command does what it says; an
ambiguous "idea ..." while a question is open is asked about, not guessed.
"""

from __future__ import annotations

import re

from bot import actions, analysis, reports
from bot.analysis import emerging_chat
from bot.context import MAX_MESSAGE_LENGTH, Turn
from bot.conversation.commands import (
    CommandName,
    ParsedCommand,
    parse_command,
    person_and_role,
)
from bot.conversation.guidance import (
    MAX_BUTTON_TEXT,
    help_text,
    nothing_open,
    offered_notices,
    welcome,
)
from bot.conversation.small_talk import nearest_command
from bot.errors import MessageTooLong
from bot.events import MessageReceived, PersonRef
from bot.messages import Button, OutboundMessage
from bot.pathway import board, digest, ideas, merging, votes
from bot.people import my_data, preferences, role_chat
from bot.people.permissions import COMMAND_PERMISSIONS, Permission
from bot.privacy import redact
from bot.pulses import answers
from bot.pulses import definitions as pulses
from bot.safety import care_for, escalation_line
from prompts import PromptKind
from storage.models import Delivery

Replies = list[OutboundMessage]

# "idea: ...", "idea - ...", "idea #12 ..." (details leaders asked for) or an anonymous
# idea ("idea anon ...", "anonymous idea ...") is unmistakably the command, even with a
# question open.
_EXPLICIT_IDEA = re.compile(
    r"^\s*(?:idea\s*(?::|-\s|#\d|anon(?:ymous(?:ly)?)?\b)|anonymous\s+idea\b)", re.IGNORECASE
)


async def on_message(turn: Turn, event: MessageReceived) -> Replies:
    text = event.text.strip()
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    if not text:
        return [OutboundMessage(text=turn.say("answer.empty"))]
    command = parse_command(text)
    delivery = None
    closed_unanswered = False
    if event.in_reply_to is not None:  # a reply in a prompt's thread answers that prompt
        delivery = await answers.delivery_replied_to(turn, event.in_reply_to)
    delivery_in_thread = delivery is not None
    if delivery is None:
        found = await answers.awaiting(turn)
        delivery, closed_unanswered = found.open, found.closed_unanswered
    if command is not None and delivery is not None and _maybe_an_answer(command, text):
        prompt = answers.current_prompt(turn, delivery)
        if prompt.kind != PromptKind.IDEA:
            return await _idea_or_answer(turn, delivery, command.argument)
        # The open question asks for an idea: "idea ..." answers it.
        turn.require(Permission.ANSWER_PROMPTS)
        return await answers.record_answer(
            turn, delivery, prompt, answers.AnswerInput(text=command.argument)
        )
    if command is not None:
        return await run_command(turn, command, event.mentions)
    if delivery is None:
        return await nothing_open(turn, text, closed=closed_unanswered)
    turn.require(Permission.ANSWER_PROMPTS)
    # A reply in the next question's thread, or after pressing its Answer, answers it.
    chose_question = event.in_reply_to is not None and delivery_in_thread
    chose_question = chose_question or turn.person.answering_delivery_id == delivery.id
    commented = None if chose_question else await answers.pending_comment(turn, delivery, text)
    if commented is not None:
        return await answers.comment_typed(turn, commented, text)
    prompt = answers.current_prompt(turn, delivery)
    return await answers.record_answer(
        turn,
        delivery,
        prompt,
        answers.AnswerInput(text=text, typed=True),
        source_message_ref=event.message_ref,
    )


async def on_command(turn: Turn, text: str, mentions: tuple[PersonRef, ...] = ()) -> Replies:
    if not text.strip():
        return await help_reply(turn)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    command = parse_command(text)
    if command is None:
        usable = [name for name, needed in COMMAND_PERMISSIONS.items() if turn.may(needed)]
        meant = nearest_command(text, usable)
        if meant is not None:
            said = turn.say("talk.did_you_mean", text=text.strip()[:50], command=meant)
            return [OutboundMessage(text=said)]
        return [OutboundMessage(text=turn.say("command.unknown", text=text.strip()[:50]))]
    return await run_command(turn, command, mentions)


async def run_command(
    turn: Turn, command: ParsedCommand, mentions: tuple[PersonRef, ...] = ()
) -> Replies:
    # Before the handler: a refused command changes nothing.
    turn.require(COMMAND_PERMISSIONS[command.name])
    match command.name:
        case CommandName.HELP:
            return await help_reply(turn)
        case CommandName.IDEA:
            return await ideas.idea_command(turn, command.argument, typed=True)
        case CommandName.SNOOZE:
            return await preferences.snooze(turn, command.argument)
        case CommandName.PAUSE:
            return await preferences.pause(turn)
        case CommandName.RESUME:
            return await preferences.resume(turn)
        case CommandName.MY_ANSWERS:
            return await my_data.my_answers(turn)
        case CommandName.MY_IDEAS:
            return await ideas.my_ideas(turn)
        case CommandName.FORGET_ME:
            return await my_data.forget_me(turn)
        case CommandName.QUIET:
            return await preferences.quiet(turn, command.argument)
        case CommandName.PULSES | CommandName.PULSE:
            return await pulses.chat_command(turn, command.argument)
        case CommandName.ROLES:
            return await role_chat.roles_listing(turn)
        case CommandName.SUMMARY:
            return await analysis.summary(turn)
        case CommandName.EMERGING:
            return await emerging_chat.emerging_listing(turn)
        case CommandName.IDEAS:
            return await board.board(turn)
        case CommandName.VOTE:
            return await votes.vote(turn, int(command.argument))
        case CommandName.MERGE:
            duplicate, into = (int(number) for number in command.argument.split())
            return await merging.merge_in_chat(turn, duplicate, into)
        case CommandName.DIGEST:
            return await digest.my_digest(turn, command.argument)
        case CommandName.DIGEST_SCHEDULE:
            return await digest.schedule_command(turn, command.argument)
        case CommandName.REPORT:
            return await reports.report_command(turn)
        case CommandName.REPORT_SCHEDULE:
            return await reports.schedule_command(turn, command.argument)
        case CommandName.GRANT | CommandName.REVOKE:
            return await role_chat.change_role(
                turn,
                person_and_role(command.argument),
                mentions,
                granting=command.name == CommandName.GRANT,
            )


async def help_reply(turn: Turn) -> Replies:
    sections = [help_text(turn)]
    escalation = await escalation_line(turn)
    if escalation is not None:
        sections.append(escalation)
    return [OutboundMessage(text="\n".join(sections))]


async def welcome_reply(turn: Turn) -> Replies:
    return [await welcome(turn)]


def _maybe_an_answer(command: ParsedCommand, text: str) -> bool:
    """'Idea sharing over lunch' typed while a question is open may be an answer."""
    return (
        command.name == CommandName.IDEA
        and bool(command.argument)
        and not _EXPLICIT_IDEA.match(text)
        and len(text) <= MAX_BUTTON_TEXT  # too long to ask about: take the command at its word
    )


async def _idea_or_answer(turn: Turn, delivery: Delivery, argument: str) -> Replies:
    """Ask rather than guess: one tap either way, and nothing is stored until then
    (words of distress are met with care instead, and not offered on)."""
    care = await care_for(turn, argument)
    if care.distress:
        return list(care.messages)
    prompt = answers.current_prompt(turn, delivery)
    whole = redact(f"Idea {argument}")
    idea_text = redact(argument).text
    target = actions.PromptTarget(delivery.id, prompt.id)
    message = OutboundMessage(
        text=turn.say("answer.idea_or_answer", question=prompt.text),
        notices=offered_notices(turn, whole.removed),
        buttons=(
            Button(turn.say("button.send_as_idea"), actions.IDEA_FROM_MESSAGE, idea_text),
            Button(
                turn.say("button.its_my_answer"),
                actions.ANSWER_TEXT,
                target.value(whole.text),
            ),
        ),
    )
    return [message]
