"""Answers: record a reply against the right open prompt, confirm it, allow Undo.

The right prompt is the one the person pressed a button on, or, for a plain
message, their most recently sent prompt that is still open. Anonymous
occurrences store no link from the answer to the person; the Undo button
carries a keyed token instead, so only the answerer can undo.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from bot import actions
from bot.context import Turn
from bot.errors import BadAction, PromptAlreadyAnswered, PromptClosed
from bot.events import MessageRef
from bot.ideas import SUBMITTED, redaction_notices, submit_idea
from bot.messages import Button, OutboundMessage
from bot.privacy import pseudonym, redact
from bot.prompting import answered_message, question_message
from prompts import PromptKind, PromptSpec
from storage.deliveries import ANSWERED, SENT
from storage.models import Delivery, Response

ANONYMOUS = "anonymous"
# A typed scale answer starts with the number, then optionally a comment: "4", "4 - very",
# "4, it depends", "4." ("4.5" or "4-5" is not a number on the scale).
_LEADING_NUMBER = re.compile(r"-?\d+(?=$|\s|[,.:](?!\d))")


@dataclass(frozen=True)
class AnswerInput:
    text: str | None = None
    option: str | None = None  # a scale number or a choice value, from a button


async def find_open_delivery(turn: Turn) -> Delivery | None:
    """The prompt a plain message answers: the one the person pressed Answer on if it is
    still open, else their most recently sent prompt that is still open, if any."""
    open_deliveries = [
        delivery
        for delivery in await turn.deliveries.awaiting_answer(turn.person.id)
        if delivery.occurrence.closes_at is None or delivery.occurrence.closes_at > turn.now
    ]
    for delivery in open_deliveries:
        if delivery.id == turn.person.answering_delivery_id:
            return delivery
    return open_deliveries[0] if open_deliveries else None


def focus_on(turn: Turn, delivery: Delivery) -> None:
    """Remember that the person chose to answer this prompt (they pressed Answer)."""
    turn.person.answering_delivery_id = delivery.id


async def load_target(turn: Turn, target: actions.PromptTarget) -> tuple[Delivery, PromptSpec]:
    """The delivery and prompt a button points at, checked to be this person's and askable."""
    delivery = await turn.deliveries.get(target.delivery_id, lock=True)
    if delivery is None or delivery.person_id != turn.person.id:
        raise BadAction(f"delivery {target.delivery_id} is not this person's")
    prompt_ids = delivery.occurrence.prompt_ids
    if target.prompt_id not in prompt_ids:
        raise BadAction(f"prompt {target.prompt_id} is not in delivery {delivery.id}")
    _ensure_open(turn, delivery)
    index = prompt_ids.index(target.prompt_id)
    if index < delivery.next_index or delivery.state == ANSWERED:
        raise PromptAlreadyAnswered()
    if index > delivery.next_index:
        raise BadAction(f"prompt {target.prompt_id} has not been asked yet")
    return delivery, turn.ctx.content.prompt(target.prompt_id)


def current_prompt(turn: Turn, delivery: Delivery) -> PromptSpec:
    return turn.ctx.content.prompt(delivery.occurrence.prompt_ids[delivery.next_index])


async def record_answer(
    turn: Turn,
    delivery: Delivery,
    prompt: PromptSpec,
    given: AnswerInput,
    *,
    answered_message_ref: MessageRef | None = None,
    source_message_ref: MessageRef | None = None,
) -> list[OutboundMessage]:
    """Validate, redact, store; then confirm with Undo and put the next prompt, if any."""
    parsed = _interpret(turn, prompt, given)
    if isinstance(parsed, OutboundMessage):
        return [parsed]  # a helpful "please pick one of ..." reply; nothing stored
    text, scale_value, choice = parsed
    if turn.person.answering_delivery_id == delivery.id:
        turn.person.answering_delivery_id = None
    redaction = redact(text) if text else None
    anonymous = delivery.occurrence.anonymity == ANONYMOUS
    response = await turn.answers.add(
        Response(
            occurrence_id=delivery.occurrence_id,
            prompt_id=prompt.id,
            person_id=None if anonymous else turn.person.id,
            respondent_key=None if anonymous else _respondent_key(turn),
            site=turn.person.site,
            text=redaction.text if redaction else None,
            scale_value=scale_value,
            choice=choice,
            redactions=list(redaction.removed) if redaction else [],
            source_message_ref=source_message_ref.to_dict() if source_message_ref else None,
            created_at=turn.now,
            updated_at=turn.now,
        )
    )
    replies: list[OutboundMessage] = []
    summary = _summary(prompt, response)
    # Turn the prompt itself into a plain "answered" line so it cannot be pressed twice.
    prompt_ref = answered_message_ref or _prompt_message_ref(delivery)
    if prompt_ref is not None:
        replies.append(_replacing(answered_message(turn.ctx, prompt, summary), prompt_ref))

    notices = redaction_notices(turn, redaction.removed) if redaction else ()
    target = actions.PromptTarget(delivery.id, prompt.id)
    undo = Button(
        turn.say("button.undo"),
        actions.ANSWER_UNDO,
        target.value(response.id, undo_token(turn, response.id)),
    )
    if prompt.kind == PromptKind.IDEA and response.text:
        _idea, idea_reply = await submit_idea(
            turn, response.text, source="prompt", anonymous=anonymous, response_id=response.id
        )
        replies.append(OutboundMessage(text=idea_reply.text, buttons=(undo,), notices=notices))
    else:
        replies.append(
            OutboundMessage(
                text=turn.say("answer.saved", answer=summary), buttons=(undo,), notices=notices
            )
        )
    replies += _advance(turn, delivery)
    return replies


async def skip_prompt(
    turn: Turn, target: actions.PromptTarget, pressed: MessageRef | None = None
) -> list[OutboundMessage]:
    delivery, prompt = await load_target(turn, target)
    prompt_ref = pressed or _prompt_message_ref(delivery)
    skipped = OutboundMessage(text=turn.say("prompt.skipped", question=prompt.text))
    replies = [_replacing(skipped, prompt_ref)] if prompt_ref else [skipped]
    return replies + _advance(turn, delivery)


async def undo_answer(
    turn: Turn, value: str, confirmation_ref: MessageRef | None
) -> list[OutboundMessage]:
    target, (response_id_text, token) = actions.parse_target(value, extra=2)
    if not response_id_text.isdigit():
        raise BadAction(f"malformed undo value {value!r}")
    response_id = int(response_id_text)
    if not hmac.compare_digest(token, undo_token(turn, response_id)):
        raise BadAction("undo token does not match this person")
    response = await turn.answers.get(response_id)
    if response is None:
        return [OutboundMessage(text=turn.say("answer.undo_gone"))]
    delivery = await turn.deliveries.get(target.delivery_id, lock=True)
    if delivery is None or delivery.person_id != turn.person.id:
        raise BadAction("undo for another person's delivery")
    _ensure_open(turn, delivery)
    index = delivery.occurrence.prompt_ids.index(response.prompt_id)
    if index != delivery.next_index - 1:
        return [OutboundMessage(text=turn.say("answer.undo_only_latest"))]
    await _withdraw_idea(turn, response.id)
    await turn.answers.remove(response)
    delivery.next_index = index
    delivery.state = SENT
    delivery.answered_at = None
    prompt = turn.ctx.content.prompt(response.prompt_id)
    replies = []
    undone = OutboundMessage(text=turn.say("answer.undone"))
    replies.append(_replacing(undone, confirmation_ref) if confirmation_ref else undone)
    total = len(delivery.occurrence.prompt_ids)
    replies.append(question_message(turn.ctx, prompt, delivery.id, index, total))
    return replies


def undo_token(turn: Turn, response_id: int) -> str:
    return pseudonym(turn.ctx.secret_key, "undo", response_id, turn.person.id)[:16]


def _respondent_key(turn: Turn) -> str:
    return pseudonym(turn.ctx.secret_key, "respondent", turn.person.id)


def _ensure_open(turn: Turn, delivery: Delivery) -> None:
    occurrence = delivery.occurrence
    closed = occurrence.closed_at is not None or (
        occurrence.closes_at is not None and occurrence.closes_at <= turn.now
    )
    if closed:
        raise PromptClosed()


def _advance(turn: Turn, delivery: Delivery) -> list[OutboundMessage]:
    """Move to the next prompt of the occurrence, or mark the delivery answered."""
    prompt_ids = delivery.occurrence.prompt_ids
    delivery.next_index += 1
    if delivery.next_index >= len(prompt_ids):
        delivery.state = ANSWERED
        delivery.answered_at = turn.now
        return []
    prompt = turn.ctx.content.prompt(prompt_ids[delivery.next_index])
    return [question_message(turn.ctx, prompt, delivery.id, delivery.next_index, len(prompt_ids))]


def _interpret(
    turn: Turn, prompt: PromptSpec, given: AnswerInput
) -> tuple[str | None, int | None, str | None] | OutboundMessage:
    """(text, scale value, choice) for a valid answer, or a reply explaining what fits."""
    raw = (given.option if given.option is not None else given.text or "").strip()
    if prompt.kind == PromptKind.SCALE and prompt.scale is not None:
        low, high = prompt.scale.min, prompt.scale.max
        leading = _LEADING_NUMBER.match(raw)
        number = leading.group(0) if leading else ""
        if number and low <= int(number) <= high:
            rest = raw[len(number) :].strip(" -,.:") if given.option is None else ""
            return (rest or None), int(number), None
        if given.option is not None:
            raise BadAction(f"scale value {raw!r} outside {low}..{high}")
        return OutboundMessage(text=turn.say("answer.pick_scale", low=low, high=high))
    if prompt.kind == PromptKind.CHOICE:
        for option in prompt.options:
            if raw.lower() in (option.value.lower(), option.label.lower()):
                return None, None, option.value
        if given.option is not None:
            raise BadAction(f"choice {raw!r} is not an option of {prompt.id}")
        labels = ", ".join(option.label for option in prompt.options)
        return OutboundMessage(text=turn.say("answer.pick_choice", options=labels))
    if not raw:
        return OutboundMessage(text=turn.say("answer.empty"))
    return raw, None, None


def _summary(prompt: PromptSpec, response: Response) -> str:
    if response.choice is not None:
        labels = {option.value: option.label for option in prompt.options}
        return labels.get(response.choice, response.choice)
    if response.scale_value is not None:
        scale = str(response.scale_value)
        return f"{scale} ({response.text})" if response.text else scale
    text = response.text or ""
    return text if len(text) <= 120 else text[:119].rstrip() + "…"


def _prompt_message_ref(delivery: Delivery) -> MessageRef | None:
    # The adapter reports where each prompt was shown (see Dispatcher.prompt_shown).
    return MessageRef.from_dict(delivery.message_ref) if delivery.message_ref else None


def _replacing(message: OutboundMessage, ref: MessageRef) -> OutboundMessage:
    return OutboundMessage(
        text=message.text,
        question=message.question,
        buttons=message.buttons,
        notices=message.notices,
        replaces=ref,
    )


async def _withdraw_idea(turn: Turn, response_id: int) -> None:
    """Undoing the idea prompt's answer also withdraws the idea it created, if untouched."""
    idea = await turn.ideas.from_response(response_id)
    if idea is not None and idea.state == SUBMITTED:
        await turn.ideas.remove(idea)
