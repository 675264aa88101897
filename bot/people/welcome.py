"""What each role is told when it arrives, or gains a role: what it can do here.

A clinician hears how questions come and how to send an idea; a leader where
ideas arrive and `summary`; the wellness lead how to run pulses. The words are
copy (`welcome.<role>`); the most trusted role held decides which one is said.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import OutboundMessage, Say, to_body
from bot.people.roles import Role, highest_role
from storage.models import Notification, Person
from storage.notifications import NotificationRepository
from storage.states import NotificationAudience, NotificationState


def role_welcome(say: Say, roles: Iterable[str]) -> str:
    """The welcome for the most trusted of `roles` (a clinician's for none)."""
    role = highest_role(roles) or Role.CLINICIAN.value
    return say(f"welcome.{role}")


async def queue_role_welcome(
    session: AsyncSession,
    say: Say,
    person: Person,
    role: Role,
    *,
    now: datetime,
    granted: bool = True,
) -> None:
    """Tell someone just given `role` what it lets them do, through the outbox (they may
    not be in the conversation where it was granted). A clinician's role, everyone's
    from the start, needs no news."""
    if role is Role.CLINICIAN:
        return
    text = say(f"welcome.{role.value}")
    if granted:  # news of a new role, not a first arrival
        text = f"{say('welcome.role_granted', role=say(f'role.{role.value}'))} {text}"
    workspace = person.workspace
    await NotificationRepository(session).add(
        Notification(
            organisation_id=workspace.organisation_id,
            platform=workspace.platform,
            workspace=workspace.external_id,
            audience=NotificationAudience.PERSON,
            person_id=person.id,
            body=to_body(OutboundMessage(text=text)),
            state=NotificationState.PENDING,
            due_at=now,
            attempts=0,
            created_at=now,
        )
    )
