"""People and roles: who is talking, what they may do, how to reach them later."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.events import ConversationRef, PersonRef
from storage.models import Person
from storage.people import PeopleRepository


class Role(StrEnum):
    CLINICIAN = "clinician"
    LEADER = "leader"
    WELLNESS_LEAD = "wellness_lead"


def valid_timezone(name: str | None) -> str | None:
    """The zone name if the tz database knows it, else None (callers fall back to a default)."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


async def ensure_person(
    people: PeopleRepository,
    ref: PersonRef,
    conversation: ConversationRef | None,
    *,
    now: datetime,
    default_timezone: str,
) -> Person:
    """The person behind an inbound event, created on first contact as a clinician,
    with their workspace (and so their organisation): a workspace seen for the first
    time starts as an organisation of its own.

    Every turn refreshes the stored conversation reference, so proactive
    messages still reach them after a restart or a reinstall.
    """
    person = await people.find_by_ref(ref.platform, ref.workspace, ref.user_id)
    if person is None:
        workspace = await people.workspace(ref.platform, ref.workspace, now=now)
        person, added = await people.add_if_absent(
            Person(
                workspace_id=workspace.id,
                platform_user_id=ref.user_id,
                display_name=ref.display_name or ref.user_id,
                timezone=valid_timezone(ref.timezone) or default_timezone,
                tags=[],
                paused=False,
                gone=False,
                created_at=now,
            )
        )
        if added:
            await people.grant(person, Role.CLINICIAN, now=now)
    elif ref.timezone and valid_timezone(ref.timezone):
        person.timezone = ref.timezone
    if conversation is not None:
        person.conversation_ref = conversation.to_dict()
        # Someone the platform once reported gone is back (reactivated, reinstalled):
        # they are reachable at this conversation again.
        person.gone = False
    return person
