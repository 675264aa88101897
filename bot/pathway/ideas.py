"""Ideas: from the idea prompt, from `idea <text>`, or from a message marked as an idea."""

from __future__ import annotations

import asyncio
import re

from bot import actions
from bot.analysis import code_idea
from bot.context import Turn
from bot.errors import BadAction
from bot.events import MessageRef
from bot.messages import Button, OutboundMessage, one_line
from bot.pathway import moves as pathway
from bot.pathway import votes
from bot.pathway.cards import state_label
from bot.pathway.news import announce_new_idea
from bot.pathway.similar import most_like
from bot.pathway.states import OPEN
from bot.privacy import redact, redaction_notices
from bot.safety import Care, care_for
from storage.models import Idea, IdeaEvent

ADD_DETAILS = re.compile(r"#(\d{1,9})\b[:,]?(.*)", re.DOTALL)
# `idea anon <text>` / `idea anonymous <text>` (and `anonymous idea <text>`, which the
# grammar hands over as "anonymous <text>"): leaders never see the sender's name.
ANONYMOUSLY = re.compile(r"anon(?:ymous(?:ly)?)?\b\s*[:,-]?\s*(.*)", re.IGNORECASE | re.DOTALL)
MAX_IDEA_LENGTH = 4000
Replies = list[OutboundMessage]


async def submit_idea(
    turn: Turn,
    text: str,
    *,
    source: str,
    anonymous: bool = False,
    response_id: int | None = None,
    care: Care | None = None,
) -> tuple[Idea, list[OutboundMessage]]:
    """Store the idea in state `submitted` (redacted first) and tell the submitter; the
    first reply is the submitter's confirmation, any others the safety net's.

    An idea whose words show signs of acute distress (`care`, screened here unless the
    caller did) is kept from leaders: no card, not in their queue, so no leader learns
    who wrote it; the submitter still finds it in `my ideas`."""
    redaction = redact(text.strip())
    if care is None:
        care = await care_for(turn, text)
    idea = Idea(
        organisation_id=turn.organisation_id,
        workspace_id=turn.person.workspace_id,
        text=redaction.text,
        state=pathway.SUBMITTED,
        source=source,
        anonymous=anonymous,
        distress=care.distress,
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
    if care.distress:  # kept from leaders, and from anyone's "looks like" hint
        reply = OutboundMessage(
            text=turn.say("idea.held", number=idea.id),
            notices=redaction_notices(turn.say, redaction.removed),
        )
        return idea, [reply, *care.messages]
    like = await _looks_like(turn, idea)
    if like is not None:
        idea.similar_to_id = like.id  # leaders see "looks like #12" on its card
        await turn.session.flush()
    await announce_new_idea(turn, idea)
    text = turn.say("idea.submitted_anonymous" if anonymous else "idea.submitted", number=idea.id)
    buttons: tuple[Button, ...] = ()
    if like is not None:
        text += "\n\n" + turn.say(
            "idea.looks_like", number=idea.id, other=like.id, summary=one_line(like.text, 80)
        )
        label = turn.say("button.vote_instead", number=like.id)
        buttons = (Button(label, actions.IDEA_VOTE_INSTEAD, f"{idea.id}:{like.id}"),)
    reply = OutboundMessage(
        text=text, buttons=buttons, notices=redaction_notices(turn.say, redaction.removed)
    )
    return idea, [reply, *care.messages]


async def _looks_like(turn: Turn, idea: Idea) -> Idea | None:
    """The open idea of the same organisation this one reads most like, if any."""
    others = [
        other
        for other in await turn.ideas.in_organisation(turn.organisation_id, states=OPEN)
        if other.id != idea.id
    ]
    found = await asyncio.to_thread(
        most_like, idea.text, [(other.id, other.text) for other in others]
    )
    return next((other for other in others if found and other.id == found.idea_id), None)


async def vote_instead(turn: Turn, value: str, pressed: MessageRef | None) -> Replies:
    """The submitter's idea looked like another: their vote goes to that one, and theirs
    is withdrawn if leaders have not touched it yet (else it stays, for leaders to merge)."""
    parts = value.split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise BadAction(f"malformed vote value {value[:50]!r}")
    new_id, other_id = int(parts[0]), int(parts[1])
    replies = await votes.vote(turn, other_id)
    mine = await turn.ideas.get(new_id)
    untouched = mine is not None and mine.submitter_id == turn.person.id
    if mine is not None and untouched and mine.state == pathway.SUBMITTED:
        await pathway.withdraw(turn, mine)
        replies.append(OutboundMessage(text=turn.say("idea.withdrawn_for_vote", number=new_id)))
    if pressed is not None:  # the offer cannot be taken twice
        settled = turn.say("idea.vote_instead_done", other=other_id)
        replies.insert(0, OutboundMessage(text=settled, replaces=pressed))
    return replies


async def idea_command(
    turn: Turn, text: str, *, source: str = "command", typed: bool = False
) -> list[OutboundMessage]:
    """`typed`: the `idea` command typed in chat, where `anon` first asks for no name (a
    message offered on, or a form's words, is taken as it stands)."""
    if not text.strip():
        return [OutboundMessage(text=turn.say("idea.usage"))]
    more = ADD_DETAILS.match(text.strip())
    if more is not None:  # `idea #12 the details leaders asked for`
        number, details = int(more.group(1)), more.group(2).strip()
        if not details:
            return [OutboundMessage(text=turn.say("idea.more_usage", number=number))]
        return await pathway.add_details(turn, number, details)
    anonymously = ANONYMOUSLY.fullmatch(text.strip()) if typed else None
    if anonymously is not None:
        text = anonymously.group(1)
        if not text.strip():
            return [OutboundMessage(text=turn.say("idea.anonymous_usage"))]
    if len(text) > MAX_IDEA_LENGTH:
        return [OutboundMessage(text=turn.say("error.too_long", limit=MAX_IDEA_LENGTH))]
    _idea, replies = await submit_idea(turn, text, source=source, anonymous=anonymously is not None)
    return replies


async def my_ideas(turn: Turn) -> list[OutboundMessage]:
    ideas = await turn.ideas.of_submitter(turn.person.id, turn.organisation_id)
    if not ideas:
        return [OutboundMessage(text=turn.say("idea.none_yet"))]
    lines = [
        turn.say(
            "idea.list_line",
            number=idea.id,
            state=state_label(turn.say, idea.state),
            text=one_line(idea.text, 80),
        )
        for idea in ideas
    ]
    return [OutboundMessage(text="\n".join([turn.say("idea.list_header"), *lines]))]
