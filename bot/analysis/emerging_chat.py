"""`emerging` in chat: the wellness lead sees the candidate themes, each with Accept and
Dismiss buttons (merging into an existing theme is on the command line, which can
name the theme)."""

from __future__ import annotations

from bot import actions
from bot.analysis import emerging
from bot.context import Turn
from bot.errors import BadAction
from bot.events import ActionInvoked
from bot.messages import Button, ButtonStyle, OutboundMessage
from bot.privacy.audit import in_chat

Replies = list[OutboundMessage]


async def emerging_listing(turn: Turn) -> Replies:
    """One message for the list, then one per candidate with its words, its quotes (a
    raw-data view, audited under the lead's name) and the buttons."""
    minimum = turn.ctx.min_group_size_comments
    found = await emerging.propose(
        turn.session, turn.organisation_id, minimum=minimum, now=turn.now
    )
    shown = await emerging.with_quotes(
        turn.session,
        turn.organisation_id,
        found,
        minimum=minimum,
        now=turn.now,
        by=in_chat(turn.person.id),
    )
    if not shown:
        return [OutboundMessage(text=turn.say("emerging.none"))]
    replies = [OutboundMessage(text=turn.say("emerging.header", count=len(shown)))]
    for candidate in shown:
        lines = [
            turn.say(
                "emerging.candidate",
                id=candidate.id,
                terms=", ".join(candidate.top_terms),
                answers=candidate.answers,
            )
        ]
        lines += [turn.say("emerging.quote", quote=quote) for quote in candidate.quotes]
        value = str(candidate.id)
        replies.append(
            OutboundMessage(
                text="\n".join(lines),
                buttons=(
                    Button(
                        turn.say("emerging.accept"),
                        actions.EMERGING_ACCEPT,
                        value,
                        ButtonStyle.PRIMARY,
                    ),
                    Button(turn.say("emerging.dismiss"), actions.EMERGING_DISMISS, value),
                ),
            )
        )
    return replies


async def accept_pressed(turn: Turn, event: ActionInvoked) -> Replies:
    candidate = _candidate_id(event.value)
    theme, coded = await emerging.accept(
        turn.session, turn.organisation_id, candidate, turn.ctx.content, label=None, now=turn.now
    )
    said = turn.say(
        "emerging.accepted", id=candidate, label=theme.label, theme=theme.id, answers=coded
    )
    return [OutboundMessage(text=said, replaces=event.message_ref)]


async def dismiss_pressed(turn: Turn, event: ActionInvoked) -> Replies:
    candidate = _candidate_id(event.value)
    await emerging.dismiss(turn.session, turn.organisation_id, candidate, now=turn.now)
    said = turn.say("emerging.dismissed", id=candidate)
    return [OutboundMessage(text=said, replaces=event.message_ref)]


def _candidate_id(value: str) -> int:
    if not value.isdigit():
        raise BadAction(f"malformed emerging theme id {value[:20]!r}")
    return int(value)
