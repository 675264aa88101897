"""People: who is talking, how to reach them later, and finding someone by what an
admin types (a platform user id, an email or a display name)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.events import ConversationRef, PersonRef
from bot.people.roles import Role
from storage.models import Person
from storage.people import PeopleRepository
from storage.roles import RoleRepository


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
) -> tuple[Person, bool]:
    """The person behind an inbound event, created on first contact as a clinician,
    with their workspace (and so their organisation): a workspace seen for the first
    time starts as an organisation of its own.

    Every turn refreshes the stored conversation reference, so proactive
    messages still reach them after a restart or a reinstall. The flag says whether
    this is their first contact (they are welcomed).
    """
    person = await people.find_by_ref(ref.platform, ref.workspace, ref.user_id)
    added = False
    if person is None:
        workspace = await people.workspace(ref.platform, ref.workspace, now=now)
        person, added = await people.add_if_absent(
            Person(
                workspace_id=workspace.id,
                platform_user_id=ref.user_id,
                display_name=ref.display_name or ref.user_id,
                email=ref.email,
                timezone=valid_timezone(ref.timezone) or default_timezone,
                tags=[],
                paused=False,
                gone=False,
                created_at=now,
            )
        )
        if added:
            await RoleRepository(people.session).starting_role(person, Role.CLINICIAN, now=now)
    else:
        if ref.timezone and valid_timezone(ref.timezone):
            person.timezone = ref.timezone
        if ref.email:
            person.email = ref.email
    if conversation is not None:
        person.conversation_ref = conversation.to_dict()
        # Someone the platform once reported gone is back (reactivated, reinstalled):
        # they are reachable at this conversation again.
        person.gone = False
    return person, added


async def find_people(
    people: PeopleRepository, reference: str, organisation_id: int | None = None
) -> list[Person]:
    """Whoever `reference` names (in one organisation, or in any): a platform user id,
    else an email, else a display name (without case). Several means the reference is
    ambiguous; the caller lists them."""
    wanted = reference.strip().removeprefix("@").strip()
    if not wanted:
        return []
    for tier in (people.with_user_id, people.with_email, people.with_display_name):
        found = await tier(wanted, organisation_id)
        if found:
            return found
    return []
