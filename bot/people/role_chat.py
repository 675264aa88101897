"""Roles in chat, for wellness leads and admins: `roles`, `grant @person leader`,
`revoke @person leader`. The route has checked the asker may see or grant roles;
who may grant which role, and the last admin, are bot/people/granting.py's rules.

The person is whoever the message @mentions (the adapter says who), else the words
before the role: a user id, an email or a display name, in the asker's workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Turn
from bot.events import PersonRef
from bot.messages import OutboundMessage
from bot.people.directory import find_people
from bot.people.granting import Granter, grant_role, held_roles, revoke_role
from bot.people.roles import Role, parse_role
from storage.models import Person
from storage.roles import RoleRepository

Replies = list[OutboundMessage]
CHAT = "chat"


async def roles_listing(turn: Turn) -> Replies:
    """Who holds which role in the asker's organisation; clinicians only counted (many)."""
    holders = await RoleRepository(turn.session).people_with_roles(
        organisation_id=turn.organisation_id
    )
    lines = [turn.say("roles.list_header")]
    for role in reversed(Role):  # the most trusted first
        having = [person.display_name for person in holders if role in held_roles(person)]
        names = ", ".join(having) if having else turn.say("roles.nobody")
        lines.append(turn.say(f"roles.list.{role.value}", names=names, count=len(having)))
    return [OutboundMessage(text="\n".join(lines))]


async def change_role(
    turn: Turn,
    parsed: tuple[str, str] | None,
    mentions: Sequence[PersonRef],
    *,
    granting: bool,
) -> Replies:
    """`grant PERSON ROLE` (granting) or `revoke PERSON ROLE`; `parsed` is the grammar's
    (person, role) words, None if it found no role at the end."""
    role = parse_role(parsed[1]) if parsed else None
    if parsed is None or role is None or len(mentions) > 1:
        return [_say(turn, "roles.usage")]
    found = await _the_person(turn, parsed[0], mentions)
    if isinstance(found, OutboundMessage):
        return [found]
    by = Granter(turn.person, CHAT)
    values = {"name": found.display_name, "role": turn.say(f"role.{role.value}")}
    if granting:
        changed = await grant_role(turn.session, found, role, by=by, now=turn.now, welcome=turn.say)
        key = "roles.granted" if changed else "roles.already"
    else:
        changed = await revoke_role(turn.session, found, role, by=by, now=turn.now)
        key = "roles.revoked" if changed else "roles.not_held"
    return [_say(turn, key, **values)]


async def _the_person(
    turn: Turn, words: str, mentions: Sequence[PersonRef]
) -> Person | OutboundMessage:
    """The one person meant, or the reply that says why there isn't one."""
    if mentions:
        ref = mentions[0]
        person = await turn.people.find_by_ref(ref.platform, ref.workspace, ref.user_id)
        # Someone of another organisation (in a channel shared across them) is no one here.
        if person is None or person.workspace.organisation_id != turn.organisation_id:
            return _say(turn, "roles.not_met", name=ref.display_name or words)
        return person
    found = await find_people(turn.people, words, turn.organisation_id)
    if not found:
        return _say(turn, "roles.unknown_person", person=words)
    if len(found) > 1:
        lines = [turn.say("roles.ambiguous", person=words)] + [
            turn.say("roles.match_line", name=person.display_name, user_id=person.platform_user_id)
            for person in found
        ]
        return OutboundMessage(text="\n".join(lines))
    return found[0]


def _say(turn: Turn, key: str, **values: object) -> OutboundMessage:
    return OutboundMessage(text=turn.say(key, **values))
