"""Announcements to a group, through the outbox like every proactive message: a new
idea goes to the leaders (the platform's adapter knows where they read it)."""

from __future__ import annotations

from bot.context import Turn
from bot.messages import IdeaCard, OutboundMessage, to_body
from storage.models import Idea, Notification
from storage.notifications import NotificationRepository

LEADERS = "leaders"


async def announce_new_idea(turn: Turn, idea: Idea) -> None:
    """The idea card for the leaders. An anonymous idea's card names nobody."""
    submitted_by = None if idea.anonymous else turn.person.display_name
    card = OutboundMessage(
        text=turn.say("idea.new_for_leaders", number=idea.id),
        idea=IdeaCard(idea.id, idea.text, idea.state, votes=0, submitted_by=submitted_by),
    )
    workspace = turn.person.workspace
    await NotificationRepository(turn.session).add(
        Notification(
            platform=workspace.platform,
            workspace=workspace.external_id,
            audience=LEADERS,
            body=to_body(card),
            state="pending",
            due_at=turn.now,
            attempts=0,
            created_at=turn.now,
        )
    )
