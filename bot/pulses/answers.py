"""Answers: record a reply against the right open prompt, confirm it, allow Undo.

The right prompt is the one the person pressed a button on, or, for a plain
message, their oldest sent prompt that is still open (what they saw first). Anonymous
occurrences store no link from the answer to the person; the Undo button
carries a keyed token instead, so only the answerer can undo.
"""

from __future__ import annotations

import dataclasses
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from bot import actions
from bot.analysis import code_answer
from bot.context import MAX_MESSAGE_LENGTH, Turn
from bot.errors import BadAction, PromptAlreadyAnswered, PromptClosed
from bot.events import MessageRef
from bot.messages import Button, Form, FormField, OutboundMessage, shorten
from bot.pathway import moves as pathway
from bot.pathway.ideas import submit_idea
from bot.pathway.moves import SUBMITTED
from bot.people.roles import highest_role
from bot.privacy import pseudonym, redact, redaction_notices
from bot.pulses.prompting import answered_message, question_message
from bot.safety import Care, care_for
from prompts import PromptKind, PromptSpec
from storage.models import Delivery, Response
from storage.states import ASKED, Anonymity, DeliveryState

SUMMARY_LENGTH = 120  # how much of an answer a confirmation repeats
# A message typed this soon after a pressed point whose follow-up ("What makes you say
# that?") is still empty is that comment, not the next question's answer.
COMMENT_WINDOW = timedelta(minutes=5)
# A typed scale answer starts with the number, then optionally a comment: "4", "4 - very",
# "4, it depends", "4." ("4.5" or "4-5" is not a number on the scale).
_LEADING_NUMBER = re.compile(r"-?\d+(?=$|\s|[,.:](?!\d))")


@dataclass(frozen=True)
class AnswerInput:
    text: str | None = None
    option: str | None = None  # a scale number or a choice value, from a button
    # Typed in the chat: the person's own message shows it, so no reply repeats it.
    typed: bool = False


@dataclass(frozen=True)
class Awaiting:
    """What a plain message may answer, from one query: the open prompt it answers, and
    whether a prompt closed unanswered (so a late reply is told so, not 'nothing open')."""

    open: Delivery | None
    closed_unanswered: bool


async def awaiting(turn: Turn) -> Awaiting:
    """The open prompt is the one the person pressed Answer on if it is still open, else
    their oldest sent prompt that is still open, if any: a pulse arriving while another
    question waits must not take the reply meant for the question seen first."""
    still_open: list[Delivery] = []
    closed = False
    for delivery in await turn.deliveries.awaiting_answer(turn.person.id, include_closed=True):
        if delivery.occurrence.is_open_at(turn.now):
            still_open.append(delivery)
        else:
            closed = True
    chosen = next((d for d in still_open if d.id == turn.person.answering_delivery_id), None)
    # awaiting_answer lists the most recently sent first.
    return Awaiting(chosen or (still_open[-1] if still_open else None), closed)


async def find_open_delivery(turn: Turn) -> Delivery | None:
    return (await awaiting(turn)).open


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
    if index < delivery.next_index or delivery.state == DeliveryState.ANSWERED:
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
    index = delivery.occurrence.prompt_ids.index(prompt.id)
    await _move_past(turn, delivery, index)  # first, so a double submit stores nothing twice
    if turn.person.answering_delivery_id == delivery.id:
        turn.person.answering_delivery_id = None
    redaction = redact(text) if text else None
    notices = redaction_notices(turn.say, redaction.removed) if redaction else ()
    anonymous = delivery.occurrence.anonymity == Anonymity.ANONYMOUS
    target = actions.PromptTarget(delivery.id, prompt.id)
    care = await care_for(turn, text)

    comment: Form | None = None
    if prompt.kind == PromptKind.IDEA and redaction is not None:
        summary, confirmation = await _record_idea(turn, delivery, prompt, redaction.text, care)
    else:
        response = await turn.answers.add(
            Response(
                organisation_id=delivery.occurrence.organisation_id,
                occurrence_id=delivery.occurrence_id,
                prompt_id=prompt.id,
                person_id=None if anonymous else turn.person.id,
                respondent_key=None if anonymous else _respondent_key(turn),
                site=turn.person.site,
                role=highest_role(grant.role for grant in turn.person.roles),
                text=redaction.text if redaction else None,
                scale_value=scale_value,
                choice=choice,
                redactions=list(redaction.removed) if redaction else [],
                distress=care.distress,
                source_message_key=(
                    source_message_ref.key if source_message_ref and not anonymous else None
                ),
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
        await code_answer(turn.session, turn.ctx.content, response, turn.now, new=True)
        summary = _summary(turn, prompt, response)
        # An answer is shown once: a picked point or option by its label here, typed
        # words in the person's own message, a form's words on the answered question.
        picked = scale_value is not None or choice is not None
        confirmation = OutboundMessage(
            text=turn.say("answer.saved", answer=summary)
            if picked
            else turn.say("answer.saved_plain"),
            buttons=(_undo_button(turn, target, str(response.id)),),
        )
        comment = _comment_form(turn, prompt, target, response) if given.option else None

    replies: list[OutboundMessage] = []
    # Turn the prompt itself into a plain "answered" line so it cannot be pressed twice.
    prompt_ref = answered_message_ref or _prompt_message_ref(delivery)
    if prompt_ref is not None:
        shown = None if given.typed or prompt.kind != PromptKind.FREE_TEXT else summary
        answered = answered_message(turn.ctx, prompt, shown)
        if prompt.kind != PromptKind.IDEA and comment is not None:
            # Platforms show a form instead of the text: the form says it too.
            answered = OutboundMessage(
                text=answered.text, form=dataclasses.replace(comment, intro=answered.text)
            )
        replies.append(_replacing(answered, prompt_ref))
    # Only the answerer sees it, Undo included (an ephemeral message on Slack).
    replies.append(
        OutboundMessage(
            text=confirmation.text, buttons=confirmation.buttons, notices=notices, private=True
        )
    )
    # The safety net's message, if the words called for it, before anything else is asked.
    return replies + list(care.messages) + await _next_prompt(turn, delivery)


def _comment_form(
    turn: Turn, prompt: PromptSpec, target: actions.PromptTarget, response: Response
) -> Form | None:
    """After a pressed point or option, the question's follow-up as an optional comment,
    right where the question was."""
    if not prompt.follow_up:
        return None
    subject = str(response.id)
    value = target.value(subject, undo_token(turn, subject))
    return Form(
        title=turn.say("answer.comment_title"),
        fields=(
            FormField(
                name=actions.ANSWER_FIELD,
                label=prompt.follow_up,
                required=False,
                max_length=MAX_MESSAGE_LENGTH,
            ),
        ),
        submit=Button(turn.say("button.submit"), actions.ANSWER_COMMENT, value),
        cancel_label=turn.say("button.cancel"),
        # Where a form cannot sit in a message (Slack), a button opens it as a modal.
        opener=Button(turn.say("answer.comment_open"), actions.ANSWER_COMMENT_OPEN, value),
    )


async def comment_form(turn: Turn, value: str) -> list[OutboundMessage]:
    """The comment's form on its own (pressed where it could not sit in the message)."""
    target, (subject, token) = actions.parse_target(value, extra=2)
    if not subject.isdigit() or not hmac.compare_digest(token, undo_token(turn, subject)):
        raise BadAction("comment token does not match this person")
    delivery = await turn.deliveries.get(target.delivery_id)
    if delivery is None or delivery.person_id != turn.person.id:
        raise BadAction("comment on another person's delivery")
    _ensure_open(turn, delivery)
    response = await turn.answers.get(int(subject))
    if response is None or response.prompt_id != target.prompt_id:
        return [OutboundMessage(text=turn.say("answer.undo_gone"))]
    prompt = turn.ctx.content.prompt(target.prompt_id)
    form = _comment_form(turn, prompt, target, response)
    if form is None:
        raise BadAction(f"prompt {prompt.id} has no follow-up to comment on")
    opened = dataclasses.replace(form, intro=prompt.text, opener=None)
    return [OutboundMessage(text=prompt.text, form=opened)]


async def add_comment(
    turn: Turn, value: str, text: str, pressed: MessageRef | None
) -> list[OutboundMessage]:
    """The optional comment after a pressed point: it joins that answer."""
    target, (subject, token) = actions.parse_target(value, extra=2)
    if not subject.isdigit() or not hmac.compare_digest(token, undo_token(turn, subject)):
        raise BadAction("comment token does not match this person")
    delivery = await turn.deliveries.get(target.delivery_id, lock=True)
    if delivery is None or delivery.person_id != turn.person.id:
        raise BadAction("comment on another person's delivery")
    _ensure_open(turn, delivery)
    response = await turn.answers.get(int(subject))
    if response is None or response.prompt_id != target.prompt_id:
        return [OutboundMessage(text=turn.say("answer.undo_gone"))]
    prompt = turn.ctx.content.prompt(target.prompt_id)
    replies: list[OutboundMessage] = []
    if pressed is not None:  # the form goes: the question is answered, plainly
        replies.append(_replacing(answered_message(turn.ctx, prompt, None), pressed))
    if not text.strip():
        return replies
    redaction = redact(text.strip())
    response.text = redaction.text
    response.redactions = sorted(set(response.redactions or []) | set(redaction.removed))
    response.updated_at = turn.now
    await code_answer(turn.session, turn.ctx.content, response, turn.now, new=False)
    notices = redaction_notices(turn.say, redaction.removed)
    said = turn.say("answer.comment_added", answer=_point(turn, prompt, response))
    return [*replies, OutboundMessage(text=said, notices=notices, private=True)]


async def pending_comment(turn: Turn, delivery: Delivery, text: str) -> Response | None:
    """The just-pressed point a typed message comments on, if it is one.

    After a pressed point the follow-up opens in place and the next question is asked
    at once; words typed in the chat box within minutes, while that comment is still
    empty, answer the follow-up (the person saw it last), unless they fit the next
    question's scale or options. Anonymous answers are not linked to the person, so
    they are never found here.
    """
    index = delivery.next_index - 1
    if index < 0 or delivery.occurrence.anonymity == Anonymity.ANONYMOUS:
        return None
    previous = turn.ctx.content.prompt(delivery.occurrence.prompt_ids[index])
    if previous.kind not in (PromptKind.SCALE, PromptKind.CHOICE) or not previous.follow_up:
        return None
    response = await turn.answers.to_prompt(turn.person.id, delivery.occurrence_id, previous.id)
    if (
        response is None
        or response.text is not None
        or response.created_at < turn.now - COMMENT_WINDOW
    ):
        return None
    current = current_prompt(turn, delivery)
    if current.kind in (PromptKind.SCALE, PromptKind.CHOICE) and not isinstance(
        _interpret(turn, current, AnswerInput(text=text, typed=True)), OutboundMessage
    ):
        return None  # "4" with a scale question open answers it
    return response


async def comment_typed(turn: Turn, response: Response, text: str) -> list[OutboundMessage]:
    """A typed message joins the pressed point as its comment; the next question stays."""
    prompt = turn.ctx.content.prompt(response.prompt_id)
    redaction = redact(text.strip())
    care = await care_for(turn, text)
    response.text = redaction.text
    response.redactions = sorted(set(response.redactions or []) | set(redaction.removed))
    response.distress = response.distress or care.distress
    response.updated_at = turn.now
    await code_answer(turn.session, turn.ctx.content, response, turn.now, new=False)
    notices = redaction_notices(turn.say, redaction.removed)
    said = turn.say("answer.comment_added", answer=_point(turn, prompt, response))
    return [OutboundMessage(text=said, notices=notices, private=True), *care.messages]


async def _record_idea(
    turn: Turn, delivery: Delivery, prompt: PromptSpec, text: str, care: Care
) -> tuple[str, OutboundMessage]:
    """The idea prompt's answer becomes an idea on the pathway.

    In an anonymous pulse it is stored only as an anonymous idea: an answer row
    with the same words beside an idea that (for notifications) knows its
    submitter would link the two, which anonymity forbids.
    """
    anonymous = delivery.occurrence.anonymity == Anonymity.ANONYMOUS
    target = actions.PromptTarget(delivery.id, prompt.id)
    response_id = None
    if not anonymous:
        response = await turn.answers.add(
            Response(
                organisation_id=delivery.occurrence.organisation_id,
                occurrence_id=delivery.occurrence_id,
                prompt_id=prompt.id,
                person_id=turn.person.id,
                respondent_key=_respondent_key(turn),
                site=turn.person.site,
                role=highest_role(grant.role for grant in turn.person.roles),
                text=text,
                distress=care.distress,
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
        await code_answer(turn.session, turn.ctx.content, response, turn.now, new=True)
        response_id = response.id
    # The caller adds the safety net's message (`care`) once, after the confirmation.
    idea, (idea_reply, *_care) = await submit_idea(
        turn, text, source="prompt", anonymous=anonymous, response_id=response_id, care=care
    )
    undo_subject = str(response_id) if response_id is not None else f"i{idea.id}"
    return shorten(text, SUMMARY_LENGTH), OutboundMessage(
        text=idea_reply.text, buttons=(_undo_button(turn, target, undo_subject),)
    )


async def skip_prompt(
    turn: Turn, target: actions.PromptTarget, pressed: MessageRef | None = None
) -> list[OutboundMessage]:
    delivery, prompt = await load_target(turn, target)
    await _move_past(turn, delivery, delivery.occurrence.prompt_ids.index(prompt.id))
    prompt_ref = pressed or _prompt_message_ref(delivery)
    skipped = OutboundMessage(text=turn.say("prompt.skipped", question=prompt.text))
    replies = [_replacing(skipped, prompt_ref)] if prompt_ref else [skipped]
    return replies + await _next_prompt(turn, delivery)


async def undo_answer(
    turn: Turn, value: str, confirmation_ref: MessageRef | None
) -> list[OutboundMessage]:
    """Take back the latest answer (or the idea an anonymous idea prompt created)."""
    target, (subject, token) = actions.parse_target(value, extra=2)
    is_idea = subject.startswith("i")
    if not subject.removeprefix("i").isdigit():
        raise BadAction(f"malformed undo value {value!r}")
    if not hmac.compare_digest(token, undo_token(turn, subject)):
        raise BadAction("undo token does not match this person")
    delivery = await turn.deliveries.get(target.delivery_id, lock=True)
    if delivery is None or delivery.person_id != turn.person.id:
        raise BadAction("undo for another person's delivery")
    if target.prompt_id not in delivery.occurrence.prompt_ids:
        raise BadAction(f"prompt {target.prompt_id} is not in delivery {delivery.id}")
    _ensure_open(turn, delivery)
    index = delivery.occurrence.prompt_ids.index(target.prompt_id)
    if index != delivery.next_index - 1:
        return [OutboundMessage(text=turn.say("answer.undo_only_latest"))]
    number = int(subject.removeprefix("i"))
    if is_idea:
        idea = await turn.ideas.get(number)
        if idea is None or idea.submitter_id != turn.person.id:
            return [OutboundMessage(text=turn.say("answer.undo_gone"))]
        if idea.state != SUBMITTED:
            return [OutboundMessage(text=turn.say("answer.undo_too_late"))]
        await pathway.withdraw(turn, idea)
    else:
        response = await turn.answers.get(number)
        if response is None or response.prompt_id != target.prompt_id:
            return [OutboundMessage(text=turn.say("answer.undo_gone"))]
        await _withdraw_idea(turn, response.id)
        await turn.answers.remove(response)
    moved = await turn.deliveries.move(
        delivery, from_index=index + 1, to_index=index, state=DeliveryState.SENT, answered_at=None
    )
    if not moved:  # a concurrent undo or answer won; roll back everything above
        raise PromptAlreadyAnswered()
    prompt = turn.ctx.content.prompt(target.prompt_id)
    undone = OutboundMessage(text=turn.say("answer.undone"))
    total = len(delivery.occurrence.prompt_ids)
    return [
        _replacing(undone, confirmation_ref) if confirmation_ref else undone,
        question_message(turn.ctx, prompt, delivery.id, index, total),
    ]


def undo_token(turn: Turn, subject: str | int) -> str:
    """Proof that this Undo button was given to this person, for this answer or idea."""
    return pseudonym(turn.ctx.secret_key, "undo", subject, turn.person.id)[:16]


def _undo_button(turn: Turn, target: actions.PromptTarget, subject: str) -> Button:
    return Button(
        turn.say("button.undo"),
        actions.ANSWER_UNDO,
        target.value(subject, undo_token(turn, subject)),
    )


def _respondent_key(turn: Turn) -> str:
    return pseudonym(turn.ctx.secret_key, "respondent", turn.person.id)


def _ensure_open(turn: Turn, delivery: Delivery) -> None:
    # A delivery closes on its own when its person's workspace moves to another
    # organisation: a prompt of the old one still on their screen is closed too.
    if delivery.state == DeliveryState.CLOSED or not delivery.occurrence.is_open_at(turn.now):
        raise PromptClosed()


async def _move_past(turn: Turn, delivery: Delivery, index: int) -> None:
    """Record that the prompt at `index` is dealt with; refuse if it already was."""
    last = index + 1 >= len(delivery.occurrence.prompt_ids)
    anonymous = delivery.occurrence.anonymity == Anonymity.ANONYMOUS
    moved = await turn.deliveries.move(
        delivery,
        from_index=index,
        to_index=index + 1,
        state=DeliveryState.ANSWERED if last else DeliveryState.SENT,
        # In an anonymous pulse, an answer time beside the answer's own time would link them.
        answered_at=turn.now if last and not anonymous else None,
    )
    if not moved:
        raise PromptAlreadyAnswered()


async def _next_prompt(turn: Turn, delivery: Delivery) -> list[OutboundMessage]:
    """The occurrence's next prompt; after its last, what happens next and who sees what
    (an idea sent here carries the sender's name to leaders, unless the pulse is anonymous:
    the closing line says so rather than promise "never your name"), and "that's all" only
    if no other pulse's question still waits for the person."""
    prompt_ids = delivery.occurrence.prompt_ids
    if delivery.next_index >= len(prompt_ids):
        anonymity = delivery.occurrence.anonymity
        waiting = await _another_open(turn, delivery)
        key = f"answer.{'pulse_done' if waiting is not None else 'all_done'}.{anonymity}"
        text = turn.say(key, minimum=turn.ctx.min_group_size)
        if await turn.ideas.named_from_occurrence(turn.person.id, delivery.occurrence_id):
            text += " " + turn.say("answer.all_done.named_idea")
        if waiting is not None:
            question = current_prompt(turn, waiting).text
            text += "\n\n" + turn.say("answer.still_waiting", question=question)
        return [OutboundMessage(text=text)]
    prompt = turn.ctx.content.prompt(prompt_ids[delivery.next_index])
    return [question_message(turn.ctx, prompt, delivery.id, delivery.next_index, len(prompt_ids))]


async def _another_open(turn: Turn, done: Delivery) -> Delivery | None:
    """The oldest other delivery still waiting for this person's answer, if any."""
    others = [
        delivery
        for delivery in await turn.deliveries.awaiting_answer(turn.person.id)
        if delivery.id != done.id and delivery.occurrence.is_open_at(turn.now)
    ]
    return others[-1] if others else None


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


def _summary(turn: Turn, prompt: PromptSpec, response: Response) -> str:
    if response.choice is not None:
        labels = {option.value: option.label for option in prompt.options}
        return labels.get(response.choice, response.choice)
    if response.scale_value is not None:
        scale = _point(turn, prompt, response)
        return f"{scale} ({response.text})" if response.text else scale
    return shorten(response.text or "", SUMMARY_LENGTH)


def _point(turn: Turn, prompt: PromptSpec, response: Response) -> str:
    """A scale answer by its number and its words, as copy puts them ("4, Agree")."""
    value = response.scale_value
    label = prompt.scale.label_of(value) if prompt.scale and value is not None else None
    return turn.say("answer.scale_point", value=value, label=label) if label else str(value)


def _prompt_message_ref(delivery: Delivery) -> MessageRef | None:
    # The adapter reports where each prompt was shown (see Dispatcher.prompt_shown).
    return MessageRef.from_dict(delivery.message_ref) if delivery.message_ref else None


def _replacing(message: OutboundMessage, ref: MessageRef) -> OutboundMessage:
    return OutboundMessage(
        text=message.text,
        question=message.question,
        buttons=message.buttons,
        form=message.form,
        notices=message.notices,
        replaces=ref,
    )


async def _withdraw_idea(turn: Turn, response_id: int) -> None:
    """Undoing the idea prompt's answer also withdraws the idea it created, if untouched."""
    idea = await turn.ideas.from_response(response_id)
    if idea is not None and idea.state == SUBMITTED:
        await pathway.withdraw(turn, idea)


async def delivery_replied_to(turn: Turn, ref: MessageRef) -> Delivery | None:
    """The person's open delivery whose prompt is the message they replied to (a thread)."""
    delivery = await turn.deliveries.shown_at(ref.key)
    if delivery is None or delivery.person_id != turn.person.id or delivery.state not in ASKED:
        return None
    return delivery if delivery.occurrence.is_open_at(turn.now) else None


async def edit_answer(turn: Turn, ref: MessageRef, new_text: str) -> list[OutboundMessage]:
    """The person edited the message that carried an answer: the answer follows the edit.

    Edits of messages that were not answers change nothing and say nothing; an
    answer to a closed question stays as it was (the person is told).
    """
    response = await turn.answers.by_source_message(ref.key)
    if response is None or response.person_id != turn.person.id:
        return []
    occurrence_open = True
    if response.occurrence_id is not None:
        occurrence = await turn.deliveries.occurrence(response.occurrence_id)
        if occurrence is not None:
            occurrence_open = occurrence.is_open_at(turn.now)
    if not occurrence_open:
        return [OutboundMessage(text=turn.say("answer.edit_closed"))]
    prompt = turn.ctx.content.prompt(response.prompt_id)
    parsed = _interpret(turn, prompt, AnswerInput(text=new_text))
    if isinstance(parsed, OutboundMessage):
        return [parsed]
    text, scale_value, choice = parsed
    redaction = redact(text) if text else None
    care = await care_for(turn, text)
    response.text = redaction.text if redaction else None
    response.scale_value = scale_value
    response.choice = choice
    response.redactions = list(redaction.removed) if redaction else []
    # The edited words decide: an answer edited into distress leaves the quotes, and
    # one edited out of it may be quoted again.
    response.distress = care.distress
    response.updated_at = turn.now
    await code_answer(turn.session, turn.ctx.content, response, turn.now, new=False)
    notices = redaction_notices(turn.say, redaction.removed) if redaction else ()
    return [
        OutboundMessage(
            text=turn.say("answer.edited", answer=_summary(turn, prompt, response)), notices=notices
        ),
        *care.messages,
    ]
