"""Routes inbound events to the services and returns the replies.

Each event is one transaction: a retried platform event id is recognised and
ignored; a domain error rolls everything back and becomes one sentence for
the person, with the details in the log.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from bot import actions, answers, ideas, metrics, my_data, preferences
from bot.commands import CommandName, ParsedCommand, parse_command
from bot.context import MAX_MESSAGE_LENGTH, BotContext, Turn
from bot.errors import BadAction, MessageTooLong, ThriveError
from bot.events import (
    ActionInvoked,
    CommandInvoked,
    HomeOpened,
    InboundEvent,
    MemberAdded,
    MessageReceived,
    MessageRef,
)
from bot.messages import Button, Form, FormField, OutboundMessage
from bot.people import Role, ensure_person
from bot.privacy import redact
from prompts import PromptKind
from storage.deliveries import DeliveryRepository
from storage.engine import Database
from storage.ledger import LedgerRepository
from storage.models import Delivery
from storage.people import PeopleRepository

log = structlog.get_logger(__name__)

Replies = list[OutboundMessage]

# Platforms cap a button's value (Slack: 2,000 characters); keep a margin.
MAX_BUTTON_TEXT = 1900
# "idea: ..." or "idea - ..." is unmistakably the command, even with a question open.
_EXPLICIT_IDEA = re.compile(r"^\s*idea\s*(?::|-\s)", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """The replies to send, and whether the event was a repeat that was ignored."""

    replies: Replies
    duplicate: bool = False
    # The person asked to be forgotten: adapters erase what they keep of the chat.
    erase_history: bool = False


class Dispatcher:
    def __init__(self, database: Database, ctx: BotContext) -> None:
        self.database = database
        self.ctx = ctx

    async def handle(self, event: InboundEvent) -> Outcome:
        platform = event.person.platform
        with metrics.INBOUND_SECONDS.labels(platform).time():
            outcome, result = await self._handle(event)
        metrics.INBOUND_EVENTS.labels(platform, type(event).__name__, result).inc()
        return outcome

    async def _handle(self, event: InboundEvent) -> tuple[Outcome, str]:
        try:
            async with self.database.transaction() as session:
                turn_now = self.ctx.clock.now()
                turn_ledger = LedgerRepository(session)
                if event.event_id and not await turn_ledger.first_time_seen(
                    event.person.platform, event.event_id, turn_now
                ):
                    log.info(
                        "inbound.duplicate", platform=event.person.platform, event_id=event.event_id
                    )
                    return Outcome([], duplicate=True), "duplicate"
                person = await ensure_person(
                    PeopleRepository(session),
                    event.person,
                    event.conversation,
                    now=turn_now,
                    default_timezone=self.ctx.default_timezone,
                )
                turn = Turn(self.ctx, session, person, turn_now)
                replies = await self._route(turn, event)
                return Outcome(replies, erase_history=turn.erase_history), "handled"
        except ThriveError as error:
            log.info(
                "inbound.refused",
                error=type(error).__name__,
                detail=str(error),
                platform=event.person.platform,
                user=event.person.user_id,
            )
            reply = OutboundMessage(text=self.ctx.say(error.copy_key, **error.values))
            return Outcome([reply]), "refused"
        except Exception:
            # A bug or an outage: nothing was committed; the person still gets a sentence.
            log.exception(
                "inbound.failed", platform=event.person.platform, event=type(event).__name__
            )
            return Outcome([OutboundMessage(text=self.ctx.say("error.generic"))]), "failed"

    async def prompt_shown(self, delivery_id: int, ref: MessageRef) -> None:
        """Remember where a prompt sent as a reply appeared, to mark it answered later."""
        async with self.database.transaction() as session:
            delivery = await DeliveryRepository(session).get(delivery_id)
            if delivery is not None:
                delivery.message_ref = ref.to_dict()

    async def _route(self, turn: Turn, event: InboundEvent) -> Replies:
        if isinstance(event, MessageReceived):
            return await self._message(turn, event)
        if isinstance(event, CommandInvoked):
            return await self._command(turn, event.text)
        if isinstance(event, ActionInvoked):
            return await self._action(turn, event)
        if isinstance(event, HomeOpened):
            return await home(turn)
        if isinstance(event, MemberAdded):
            return [OutboundMessage(text=turn.say("welcome"))]
        raise BadAction(f"unhandled event {type(event).__name__}")

    async def _message(self, turn: Turn, event: MessageReceived) -> Replies:
        text = event.text.strip()
        if len(text) > MAX_MESSAGE_LENGTH:
            raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
        if not text:
            return [OutboundMessage(text=turn.say("answer.empty"))]
        command = parse_command(text)
        delivery = await answers.find_open_delivery(turn)
        if command is not None and delivery is not None and _maybe_an_answer(command, text):
            prompt = answers.current_prompt(turn, delivery)
            if prompt.kind != PromptKind.IDEA:
                return [_idea_or_answer(turn, delivery, command.argument)]
            # The open question asks for an idea: "idea ..." answers it.
            return await answers.record_answer(
                turn, delivery, prompt, answers.AnswerInput(text=command.argument)
            )
        if command is not None:
            return await run_command(turn, command)
        if delivery is None:
            if await answers.has_recently_closed_prompt(turn):
                return [_nothing_open(turn, text, closed=True)]
            return [_nothing_open(turn, text)]
        prompt = answers.current_prompt(turn, delivery)
        return await answers.record_answer(
            turn,
            delivery,
            prompt,
            answers.AnswerInput(text=text),
            source_message_ref=event.message_ref,
        )

    async def _command(self, turn: Turn, text: str) -> Replies:
        if not text.strip():
            return await help_reply(turn)
        if len(text) > MAX_MESSAGE_LENGTH:
            raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
        command = parse_command(text)
        if command is None:
            return [OutboundMessage(text=turn.say("command.unknown", text=text.strip()[:50]))]
        return await run_command(turn, command)

    async def _action(self, turn: Turn, event: ActionInvoked) -> Replies:
        handler = _ACTIONS.get(event.action_id)
        if handler is None:
            raise BadAction(f"unknown action id {event.action_id!r}")
        return await handler(turn, event)


async def run_command(turn: Turn, command: ParsedCommand) -> Replies:
    match command.name:
        case CommandName.HELP:
            return await help_reply(turn)
        case CommandName.IDEA:
            return await ideas.idea_command(turn, command.argument)
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


async def help_reply(turn: Turn) -> Replies:
    return [OutboundMessage(text=turn.say("help"))]


async def home(turn: Turn) -> Replies:
    """A summary for a home tab: what is open for you, and how your ideas are doing."""
    open_delivery = await answers.find_open_delivery(turn)
    replies: Replies = [
        OutboundMessage(text=turn.say("home.header", name=turn.person.display_name))
    ]
    if open_delivery is not None:
        prompt = answers.current_prompt(turn, open_delivery)
        replies.append(OutboundMessage(text=turn.say("home.open_prompt", question=prompt.text)))
    else:
        replies.append(OutboundMessage(text=turn.say("home.nothing_open")))
    replies += await ideas.my_ideas(turn)
    if turn.has_role(Role.LEADER) or turn.has_role(Role.WELLNESS_LEAD):
        replies.append(OutboundMessage(text=turn.say("home.leader_note")))
    return replies


def _nothing_open(turn: Turn, text: str, *, closed: bool = False) -> OutboundMessage:
    # Someone typing to the bot with nothing open may well have an idea: offer one tap.
    # The text rides in the button (and so in the platform's copy of the message):
    # redact it first, as everything else that is kept.
    safe = redact(text).text
    buttons: tuple[Button, ...] = ()
    if len(safe) <= MAX_BUTTON_TEXT:
        buttons = (Button(turn.say("button.send_as_idea"), actions.IDEA_FROM_MESSAGE, safe),)
    key = "answer.closed_then_idea" if closed else "answer.nothing_open"
    return OutboundMessage(text=turn.say(key), buttons=buttons)


def _maybe_an_answer(command: ParsedCommand, text: str) -> bool:
    """'Idea sharing over lunch' typed while a question is open may be an answer."""
    return (
        command.name == CommandName.IDEA
        and bool(command.argument)
        and not _EXPLICIT_IDEA.match(text)
        and len(text) <= MAX_BUTTON_TEXT  # too long to ask about: take the command at its word
    )


def _idea_or_answer(turn: Turn, delivery: Delivery, argument: str) -> OutboundMessage:
    """Ask rather than guess: one tap either way, and nothing is stored until then."""
    prompt = answers.current_prompt(turn, delivery)
    whole = redact(f"Idea {argument}").text
    idea_text = redact(argument).text
    target = actions.PromptTarget(delivery.id, prompt.id)
    return OutboundMessage(
        text=turn.say("answer.idea_or_answer", question=prompt.text),
        buttons=(
            Button(turn.say("button.send_as_idea"), actions.IDEA_FROM_MESSAGE, idea_text),
            Button(
                turn.say("button.its_my_answer"),
                actions.ANSWER_TEXT,
                target.value(whole),
            ),
        ),
    )


# --- Action handlers: each validates its value and calls one service. ---

ActionHandler = Callable[[Turn, ActionInvoked], Awaitable[Replies]]


async def _answer_option(turn: Turn, event: ActionInvoked) -> Replies:
    target, (option,) = actions.parse_target(event.value, extra=1)
    delivery, prompt = await answers.load_target(turn, target)
    return await answers.record_answer(
        turn,
        delivery,
        prompt,
        answers.AnswerInput(option=option),
        answered_message_ref=event.message_ref,
    )


async def _answer_open(turn: Turn, event: ActionInvoked) -> Replies:
    target, _ = actions.parse_target(event.value)
    delivery, prompt = await answers.load_target(turn, target)
    answers.focus_on(turn, delivery)
    return [
        OutboundMessage(
            text=prompt.text,
            form=Form(
                title=turn.say("form.answer_title"),
                intro=prompt.text,
                fields=(
                    FormField(
                        name=actions.ANSWER_FIELD,
                        label=turn.say("form.answer_label"),
                        placeholder=prompt.follow_up or "",
                        max_length=MAX_MESSAGE_LENGTH,
                    ),
                ),
                submit=Button(turn.say("button.submit"), actions.ANSWER_SUBMIT, target.value()),
            ),
        )
    ]


async def _answer_submit(turn: Turn, event: ActionInvoked) -> Replies:
    target, _ = actions.parse_target(event.value)
    text = event.fields.get(actions.ANSWER_FIELD, "")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    delivery, prompt = await answers.load_target(turn, target)
    return await answers.record_answer(turn, delivery, prompt, answers.AnswerInput(text=text))


async def _answer_text(turn: Turn, event: ActionInvoked) -> Replies:
    target, text = actions.parse_target_with_text(event.value)
    delivery, prompt = await answers.load_target(turn, target)
    replies = await answers.record_answer(turn, delivery, prompt, answers.AnswerInput(text=text))
    return _settle(event, turn.say("answer.took_as_answer")) + replies


def _settle(event: ActionInvoked, text: str) -> Replies:
    """Replace the message whose button was pressed, so it cannot be pressed again."""
    if event.message_ref is None:
        return []
    return [OutboundMessage(text=text, replaces=event.message_ref)]


async def _answer_undo(turn: Turn, event: ActionInvoked) -> Replies:
    return await answers.undo_answer(turn, event.value, event.message_ref)


async def _prompt_skip(turn: Turn, event: ActionInvoked) -> Replies:
    target, _ = actions.parse_target(event.value)
    return await answers.skip_prompt(turn, target, event.message_ref)


async def _prompt_snooze(turn: Turn, event: ActionInvoked) -> Replies:
    return await preferences.not_now(turn)


async def _prompt_stop(turn: Turn, event: ActionInvoked) -> Replies:
    return await preferences.pause(turn)


async def _idea_from_message(turn: Turn, event: ActionInvoked) -> Replies:
    replies = await ideas.idea_command(turn, event.value, source="message")
    return _settle(event, turn.say("idea.took_as_idea")) + replies


async def _forget_confirm(turn: Turn, event: ActionInvoked) -> Replies:
    return await my_data.forget_confirmed(turn, event.value, event.message_ref)


async def _forget_cancel(turn: Turn, event: ActionInvoked) -> Replies:
    return await my_data.forget_cancelled(turn, event.message_ref)


_ACTIONS: dict[str, ActionHandler] = {
    actions.ANSWER_OPTION: _answer_option,
    actions.ANSWER_OPEN: _answer_open,
    actions.ANSWER_SUBMIT: _answer_submit,
    actions.ANSWER_TEXT: _answer_text,
    actions.ANSWER_UNDO: _answer_undo,
    actions.PROMPT_SKIP: _prompt_skip,
    actions.PROMPT_SNOOZE: _prompt_snooze,
    actions.PROMPT_STOP: _prompt_stop,
    actions.IDEA_FROM_MESSAGE: _idea_from_message,
    actions.FORGET_CONFIRM: _forget_confirm,
    actions.FORGET_CANCEL: _forget_cancel,
}
