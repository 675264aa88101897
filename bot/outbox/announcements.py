"""Proactive messages that are not prompts, through the outbox like every proactive
message: to a group (the leaders; the platform's adapter knows where they read) or to
one person (an idea's submitter hearing what happened to it)."""

from __future__ import annotations

from bot.context import Turn
from bot.messages import OutboundMessage, to_body
from storage.models import Notification, Person
from storage.notifications import NotificationRepository
from storage.states import NotificationAudience, NotificationState


async def queue_notification(
    turn: Turn,
    audience: NotificationAudience,
    message: OutboundMessage,
    person: Person | None = None,
) -> None:
    """Queue `message` for the leaders of the current workspace, or for `person`."""
    workspace = (person or turn.person).workspace
    await NotificationRepository(turn.session).add(
        Notification(
            platform=workspace.platform,
            workspace=workspace.external_id,
            audience=audience,
            person_id=person.id if person is not None else None,
            body=to_body(message),
            state=NotificationState.PENDING,
            due_at=turn.now,
            attempts=0,
            created_at=turn.now,
        )
    )
