"""A person's own data: see their answers, delete them all ("forget me")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import actions
from bot.context import Turn
from bot.errors import BadAction
from bot.events import MessageRef
from bot.messages import Button, ButtonStyle, OutboundMessage
from bot.privacy.audit import Actor, Audited, in_chat, record
from storage.answers import AnswerRepository
from storage.models import Person

SHOWN_ANSWERS = 10


async def my_answers(turn: Turn) -> list[OutboundMessage]:
    responses = await turn.answers.of_person(
        turn.person.id, turn.organisation_id, limit=SHOWN_ANSWERS
    )
    # Viewing raw answers is audited, even one's own: the log must be complete.
    await record(
        turn.session,
        Audited.OWN_ANSWERS_VIEWED,
        by=in_chat(turn.person.id),
        now=turn.now,
        organisation_id=turn.organisation_id,
        subject=f"person:{turn.person.id}",
        detail={"shown": len(responses), "limit": SHOWN_ANSWERS},
    )
    if not responses:
        return [OutboundMessage(text=turn.say("my_answers.none"))]
    zone = ZoneInfo(turn.person.timezone or turn.ctx.default_timezone)
    lines = [turn.say("my_answers.header", shown=len(responses))]
    for response in responses:
        prompt = turn.ctx.content.prompt(response.prompt_id)
        answer = response.text or ""
        if response.choice is not None:
            labels = {option.value: option.label for option in prompt.options}
            answer = labels.get(response.choice, response.choice)
        if response.scale_value is not None:
            answer = f"{response.scale_value} {answer}".strip()
        lines.append(
            turn.say(
                "my_answers.line",
                date=response.created_at.astimezone(zone).strftime("%d %b"),
                question=prompt.text,
                answer=answer,
            )
        )
    return [OutboundMessage(text="\n".join(lines))]


async def forget_me(turn: Turn) -> list[OutboundMessage]:
    count = await turn.answers.count_of_person(turn.person.id, turn.organisation_id)
    if count == 0:
        return [OutboundMessage(text=turn.say("forget.nothing"))]
    return [
        OutboundMessage(
            text=turn.say("forget.confirm_question", count=count),
            buttons=(
                Button(
                    turn.say("button.forget_confirm"),
                    actions.FORGET_CONFIRM,
                    str(count),
                    ButtonStyle.DANGER,
                ),
                Button(turn.say("button.cancel"), actions.FORGET_CANCEL),
            ),
        )
    ]


async def forget_confirmed(
    turn: Turn, confirmed_count: str, pressed: MessageRef | None
) -> list[OutboundMessage]:
    """Delete the person's answers, if they are still the ones the person agreed to."""
    if not confirmed_count.isdigit():
        raise BadAction(f"malformed forget confirmation {confirmed_count[:20]!r}")
    current = await turn.answers.count_of_person(turn.person.id, turn.organisation_id)
    if current == 0:  # pressed twice, or nothing left
        return _settled(turn, pressed, "forget.nothing")
    if current != int(confirmed_count):
        # An old confirmation: there are answers the person did not agree to delete yet.
        return _settled(turn, pressed, "forget.stale") + await forget_me(turn)
    removed = await forget_person(
        turn.session, turn.person, turn.organisation_id, by=in_chat(turn.person.id), now=turn.now
    )
    turn.erase_history = True
    return [OutboundMessage(text=turn.say("forget.done", count=removed))]


async def forget_person(
    session: AsyncSession, person: Person, organisation_id: int, *, by: Actor, now: datetime
) -> int:
    """What `forget me` deletes, for chat and for `thrive people forget`: every answer the
    person gave in the organisation (anonymous ones cannot be told apart, so they stay).
    Audited with how many, never which."""
    removed = await AnswerRepository(session).remove_all_of_person(person.id, organisation_id)
    await record(
        session,
        Audited.ANSWERS_FORGOTTEN,
        by=by,
        now=now,
        organisation_id=organisation_id,
        subject=f"person:{person.id}",
        detail={"removed": removed},
    )
    return removed


async def forget_cancelled(turn: Turn, pressed: MessageRef | None) -> list[OutboundMessage]:
    return _settled(turn, pressed, "forget.cancelled")


def _settled(turn: Turn, pressed: MessageRef | None, key: str) -> list[OutboundMessage]:
    """The answer, in place of the confirmation whose button was pressed if we know it."""
    return [OutboundMessage(text=turn.say(key), replaces=pressed)]
