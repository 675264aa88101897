"""Button presses and form submissions: each handler validates its value and calls one
service. `ACTIONS` maps the action ids in bot/actions.py to their handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import actions
from bot.analysis import emerging_chat
from bot.context import MAX_MESSAGE_LENGTH, Turn
from bot.errors import BadAction, MessageTooLong
from bot.events import ActionInvoked
from bot.messages import Button, Form, FormField, OutboundMessage
from bot.pathway import ideas, votes
from bot.pathway import moves as pathway
from bot.people import my_data, preferences
from bot.pulses import answers, pulse_form
from bot.pulses import definitions as pulses
from bot.pulses.prompting import answer_form

Replies = list[OutboundMessage]


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
    return [answer_form(turn.ctx, prompt, target)]


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
    given = answers.AnswerInput(text=text, typed=True)  # the person's message shows it
    replies = await answers.record_answer(turn, delivery, prompt, given)
    return _settle(event, turn.say("answer.took_as_answer")) + replies


def _settle(event: ActionInvoked, text: str) -> Replies:
    """Replace the message whose button was pressed, so it cannot be pressed again."""
    if event.message_ref is None:
        return []
    return [OutboundMessage(text=text, replaces=event.message_ref)]


async def _answer_undo(turn: Turn, event: ActionInvoked) -> Replies:
    return await answers.undo_answer(turn, event.value, event.message_ref)


async def _answer_comment_open(turn: Turn, event: ActionInvoked) -> Replies:
    return await answers.comment_form(turn, event.value)


async def _answer_comment(turn: Turn, event: ActionInvoked) -> Replies:
    text = event.fields.get(actions.ANSWER_FIELD, "")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageTooLong(limit=MAX_MESSAGE_LENGTH)
    return await answers.add_comment(turn, event.value, text, event.message_ref)


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


async def _idea_open_form(turn: Turn, event: ActionInvoked) -> Replies:
    return [
        OutboundMessage(
            text=turn.say("form.idea_intro"),
            form=Form(
                title=turn.say("form.idea_title"),
                intro=turn.say("form.idea_intro"),
                fields=(
                    FormField(
                        name=actions.IDEA_FIELD,
                        label=turn.say("form.idea_label"),
                        max_length=MAX_MESSAGE_LENGTH,
                        required_error=turn.say("form.required"),
                    ),
                ),
                submit=Button(turn.say("button.submit"), actions.IDEA_SUBMIT),
                cancel_label=turn.say("button.cancel"),
            ),
        )
    ]


async def _idea_submit(turn: Turn, event: ActionInvoked) -> Replies:
    return await ideas.idea_command(turn, event.fields.get(actions.IDEA_FIELD, ""))


async def _idea_move(turn: Turn, event: ActionInvoked) -> Replies:
    return await pathway.move(turn, event.value, pressed=event.message_ref)


async def _idea_note_open(turn: Turn, event: ActionInvoked) -> Replies:
    return await pathway.note_form(turn, event.value)


async def _idea_note_cancel(turn: Turn, event: ActionInvoked) -> Replies:
    return await pathway.note_cancelled(turn, event.value, event.message_ref)


async def _idea_note_submit(turn: Turn, event: ActionInvoked) -> Replies:
    note = event.fields.get(actions.NOTE_FIELD, "")
    # Where the form replaced the card (the local chat), the card comes back in its place.
    return await pathway.move(turn, event.value, note=note, pressed=event.message_ref)


async def _idea_vote(turn: Turn, event: ActionInvoked) -> Replies:
    if not event.value.isdigit():
        raise BadAction(f"malformed idea number {event.value[:50]!r}")
    return await votes.vote(turn, int(event.value))


async def _idea_vote_instead(turn: Turn, event: ActionInvoked) -> Replies:
    return await ideas.vote_instead(turn, event.value, event.message_ref)


async def _forget_confirm(turn: Turn, event: ActionInvoked) -> Replies:
    return await my_data.forget_confirmed(turn, event.value, event.message_ref)


async def _forget_cancel(turn: Turn, event: ActionInvoked) -> Replies:
    return await my_data.forget_cancelled(turn, event.message_ref)


ACTIONS: dict[str, ActionHandler] = {
    actions.ANSWER_OPTION: _answer_option,
    actions.ANSWER_OPEN: _answer_open,
    actions.ANSWER_SUBMIT: _answer_submit,
    actions.ANSWER_TEXT: _answer_text,
    actions.ANSWER_UNDO: _answer_undo,
    actions.ANSWER_COMMENT: _answer_comment,
    actions.ANSWER_COMMENT_OPEN: _answer_comment_open,
    actions.PROMPT_SKIP: _prompt_skip,
    actions.PROMPT_SNOOZE: _prompt_snooze,
    actions.PROMPT_STOP: _prompt_stop,
    actions.IDEA_FROM_MESSAGE: _idea_from_message,
    actions.IDEA_OPEN_FORM: _idea_open_form,
    actions.IDEA_SUBMIT: _idea_submit,
    actions.IDEA_MOVE: _idea_move,
    actions.IDEA_NOTE_OPEN: _idea_note_open,
    actions.IDEA_NOTE_SUBMIT: _idea_note_submit,
    actions.IDEA_NOTE_CANCEL: _idea_note_cancel,
    actions.IDEA_VOTE: _idea_vote,
    actions.IDEA_VOTE_INSTEAD: _idea_vote_instead,
    actions.FORGET_CONFIRM: _forget_confirm,
    actions.FORGET_CANCEL: _forget_cancel,
    actions.PULSE_SEND_CONFIRM: pulses.send_confirmed,
    actions.PULSE_SEND_CANCEL: pulses.send_cancelled,
    actions.PULSE_FORM_SUBMIT: pulse_form.submitted,
    actions.PULSE_FORM_OPEN: pulse_form.reopen,
    actions.PULSE_SAVE: pulse_form.save,
    actions.PULSE_CHANGE: pulse_form.change,
    actions.EMERGING_ACCEPT: emerging_chat.accept_pressed,
    actions.EMERGING_DISMISS: emerging_chat.dismiss_pressed,
}
