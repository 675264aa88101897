"""Ideas: from the idea prompt, from `idea <text>`, or from a message marked as an idea."""

from __future__ import annotations

import re

from bot.analysis import code_idea
from bot.context import Turn
from bot.messages import OutboundMessage, shorten
from bot.pathway import moves as pathway
from bot.pathway.cards import state_label
from bot.pathway.moves import announce_new_idea
from bot.privacy import redact, redaction_notices
from storage.models import Idea, IdeaEvent

ADD_DETAILS = re.compile(r"#(\d{1,9})\b[:,]?(.*)", re.DOTALL)
MAX_IDEA_LENGTH = 4000


async def submit_idea(
    turn: Turn,
    text: str,
    *,
    source: str,
    anonymous: bool = False,
    response_id: int | None = None,
) -> tuple[Idea, OutboundMessage]:
    """Store the idea in state `submitted` (redacted first) and tell the submitter."""
    redaction = redact(text.strip())
    idea = Idea(
        organisation_id=turn.organisation_id,
        workspace_id=turn.person.workspace_id,
        text=redaction.text,
        state=pathway.SUBMITTED,
        source=source,
        anonymous=anonymous,
        submitter_id=turn.person.id,
        response_id=response_id,
        site=turn.person.site,
        created_at=turn.now,
        updated_at=turn.now,
    )
    event = IdeaEvent(
        idea_id=0, from_state=None, to_state=pathway.SUBMITTED, actor_id=None, created_at=turn.now
    )
    await turn.ideas.add(idea, event)
    await code_idea(turn.session, turn.ctx.content, idea, turn.now, new=True)
    await announce_new_idea(turn, idea)
    reply = OutboundMessage(
        text=turn.say("idea.submitted", number=idea.id),
        notices=redaction_notices(turn.say, redaction.removed),
    )
    return idea, reply


async def idea_command(turn: Turn, text: str, *, source: str = "command") -> list[OutboundMessage]:
    if not text.strip():
        return [OutboundMessage(text=turn.say("idea.usage"))]
    more = ADD_DETAILS.match(text.strip())
    if more is not None:  # `idea #12 the details leaders asked for`
        number, details = int(more.group(1)), more.group(2).strip()
        if not details:
            return [OutboundMessage(text=turn.say("idea.more_usage", number=number))]
        return await pathway.add_details(turn, number, details)
    if len(text) > MAX_IDEA_LENGTH:
        return [OutboundMessage(text=turn.say("error.too_long", limit=MAX_IDEA_LENGTH))]
    _idea, reply = await submit_idea(turn, text, source=source)
    return [reply]


async def my_ideas(turn: Turn) -> list[OutboundMessage]:
    ideas = await turn.ideas.of_submitter(turn.person.id, turn.organisation_id)
    if not ideas:
        return [OutboundMessage(text=turn.say("idea.none_yet"))]
    lines = [
        turn.say(
            "idea.list_line",
            number=idea.id,
            state=state_label(turn.say, idea.state),
            text=shorten(idea.text, 80),
        )
        for idea in ideas
    ]
    return [OutboundMessage(text="\n".join([turn.say("idea.list_header"), *lines]))]
