"""Proactive messages that are not prompts, through the outbox like every proactive
message: to an organisation's leaders (the platform's adapter knows where they read) or
to one person (an idea's submitter hearing what happened to it).

An organisation may span several workspaces (a Slack workspace and a Teams tenant,
say): a new idea's card goes to the leaders of each, one notification per workspace,
and each card posted is remembered on the idea (bot.outbox.notifier), so every later
change updates them all, each where it was posted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Scope
from bot.events import MessageRef
from bot.messages import OutboundMessage, to_body
from storage.models import Idea, Notification, Person
from storage.notifications import NotificationRepository
from storage.organisations import OrganisationRepository
from storage.states import NotificationAudience, NotificationState


async def queue_for_leaders(turn: Scope, message: OutboundMessage) -> None:
    """`message` (a new card) for the leaders of every workspace of the turn's organisation."""
    await queue_for_leaders_of(turn.session, turn.organisation_id, message, turn.now)


async def queue_for_leaders_of(
    session: AsyncSession, organisation_id: int, message: OutboundMessage, now: datetime
) -> int:
    """`message` for the leaders of every workspace of an organisation, with no turn (a
    scheduled report); how many notifications were queued."""
    workspaces = await OrganisationRepository(session).workspaces(organisation_id)
    for workspace in workspaces:
        await NotificationRepository(session).add(
            _notification(
                organisation_id,
                workspace.platform,
                workspace.external_id,
                NotificationAudience.LEADERS,
                message,
                now,
            )
        )
    return len(workspaces)


async def queue_card_updates(
    turn: Scope, idea: Idea, message: OutboundMessage, *, except_at: MessageRef | None = None
) -> None:
    """`message` in place of each of the idea's leaders' cards (but the one at `except_at`,
    just updated as a reply)."""
    for posted in idea.card_refs:
        ref = MessageRef.from_dict(posted)
        if except_at is None or except_at.key != ref.key:
            updated = replace(message, replaces=ref)
            await _queue(
                turn, ref.platform, str(posted["workspace"]), NotificationAudience.LEADERS, updated
            )


async def queue_for_person(turn: Scope, person: Person, message: OutboundMessage) -> None:
    workspace = person.workspace
    await _queue(
        turn,
        workspace.platform,
        workspace.external_id,
        NotificationAudience.PERSON,
        message,
        person,
    )


async def _queue(
    turn: Scope,
    platform: str,
    workspace: str,
    audience: NotificationAudience,
    message: OutboundMessage,
    person: Person | None = None,
) -> None:
    await NotificationRepository(turn.session).add(
        _notification(
            turn.organisation_id, platform, workspace, audience, message, turn.now, person
        )
    )


def _notification(
    organisation_id: int,
    platform: str,
    workspace: str,
    audience: NotificationAudience,
    message: OutboundMessage,
    now: datetime,
    person: Person | None = None,
) -> Notification:
    return Notification(
        organisation_id=organisation_id,
        platform=platform,
        workspace=workspace,
        audience=audience,
        person_id=person.id if person is not None else None,
        body=to_body(message),
        state=NotificationState.PENDING,
        due_at=now,
        attempts=0,
        created_at=now,
    )
