"""Granting roles in chat: `roles`, `grant @person leader`, `revoke @person leader`.

Wellness leads and admins may; a wellness lead may not make admins; nobody may take
away the last admin; every grant and revoke is recorded with who and when."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot import actions
from bot.context import BotContext
from bot.events import ConversationRef, MemberAdded, MessageReceived, PersonRef
from bot.messages import OutboundMessage
from bot.people.roles import Role
from storage.models import AuditEntry, Person, RoleGrant
from tests.unit.bot.dispatch_harness import (
    ChatHarness,
    conversation_ref,
    person_ref,
    texts,
)
from tests.unit.bot.pulses.test_pulses import NOW, add_person


async def _say(
    chat: ChatHarness, user_id: str, text: str, mentions: Sequence[str] = ()
) -> list[str]:
    """A message, with the people it @mentions as the platform's adapter reports them."""
    event = MessageReceived(
        person_ref(user_id),
        conversation_ref(user_id),
        f"evt-{user_id}-{text}",
        text=text,
        mentions=tuple(person_ref(mentioned) for mentioned in mentions),
    )
    replies: list[OutboundMessage] = (await chat.handle(event)).replies
    return texts(replies)


async def _roles_of(chat: ChatHarness, user_id: str) -> set[str]:
    return {grant.role for grant in (await chat.person(user_id)).roles}


async def _grants(chat: ChatHarness) -> list[tuple[str, str]]:
    async with chat.database.transaction() as session:
        rows = await session.execute(select(RoleGrant.role, RoleGrant.person_id))
        return sorted((role, str(person)) for role, person in rows.all())


async def _role_audit(chat: ChatHarness) -> list[AuditEntry]:
    return [entry for entry in await chat.audit() if entry.action.startswith("role.")]


async def test_a_wellness_lead_grants_leader_by_mention_and_it_is_recorded(
    chat: ChatHarness, ctx: BotContext
) -> None:
    lead = await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    amara = await chat.join("amara")
    before = len(await _role_audit(chat))

    replies = await _say(chat, "wes", "grant @Amara leader", mentions=["amara"])

    assert replies == ["Done: Amara now has the leader role."]
    assert await _roles_of(chat, "amara") == {"clinician", "leader"}
    async with chat.database.transaction() as session:
        grant = await session.scalar(
            select(RoleGrant).where(RoleGrant.person_id == amara.id, RoleGrant.role == "leader")
        )
    assert grant is not None
    assert (grant.granted_by_id, grant.granted_at) == (lead.id, ctx.clock.now())
    [entry, *_] = await _role_audit(chat)  # newest first
    assert len(await _role_audit(chat)) == before + 1
    assert (entry.action, entry.actor_id, entry.subject, entry.created_at) == (
        "role.granted",
        lead.id,
        f"person:{amara.id}",
        ctx.clock.now(),
    )
    assert entry.detail == {"role": "leader", "person_id": amara.id, "via": "chat"}


async def test_the_new_leader_may_move_ideas_at_once(chat: ChatHarness, ctx: BotContext) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await chat.join("amara")
    await chat.join("ben")
    await chat.say("amara", "idea: walking rounds")
    move = ("1:submitted:under_review",)
    assert texts(await chat.press("ben", actions.IDEA_MOVE, *move)) == [
        ctx.say("refused.move_ideas")
    ]

    await _say(chat, "wes", "grant ben leader")

    moved = texts(await chat.press("ben", actions.IDEA_MOVE, *move))
    assert moved == [ctx.say("pathway.done", number=1, state="under review")]
    assert (await chat.idea(1)).state == "under review"


async def test_a_name_typed_in_the_local_chat_finds_the_person_without_case(
    chat: ChatHarness,
) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await add_person(chat.database, "maria.santos")  # displayed as "Maria.Santos"

    replies = await _say(chat, "wes", "grant @maria.SANTOS wellness lead")

    assert replies == ["Done: Maria.Santos now has the wellness lead role."]
    assert await _roles_of(chat, "maria.santos") == {"clinician", "wellness_lead"}


async def test_an_ambiguous_name_lists_the_matches_and_changes_nothing(
    chat: ChatHarness,
) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    for user_id in ("sam1", "sam2"):
        person = await add_person(chat.database, user_id)
        async with chat.database.transaction() as session:
            found = await session.get(Person, person.id)
            assert found is not None
            found.display_name = "Sam Patel"
    grants_before = await _grants(chat)

    [reply] = await _say(chat, "wes", "grant @sam patel leader")

    assert reply.splitlines() == [
        "Several people match @sam patel; nothing was changed. Name one by their user id:",
        "• Sam Patel (user id sam1)",
        "• Sam Patel (user id sam2)",
    ]
    assert await _grants(chat) == grants_before


async def test_someone_unknown_or_never_met_is_said_so(chat: ChatHarness) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    grants_before = await _grants(chat)

    unknown = await _say(chat, "wes", "grant @Nobody Here leader")
    never_met = await _say(chat, "wes", "grant @Zed leader", mentions=["zed"])

    assert unknown == [
        "I can't find anyone called @Nobody Here here. Try their @mention, user id or email."
    ]
    assert never_met == [
        "Zed hasn't talked to me yet, so I can't give them a role. "
        "Ask them to say hello to me first."
    ]
    assert await _grants(chat) == grants_before


async def test_a_wellness_lead_may_not_grant_or_revoke_admin(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await add_person(chat.database, "ada", roles=(Role.ADMIN,))
    await chat.join("amara")
    grants_before = await _grants(chat)
    audit_before = await _role_audit(chat)

    for typed in ("grant amara admin", "grant wes admin", "revoke ada admin"):
        assert await _say(chat, "wes", typed) == [ctx.say("refused.grant_admin")], typed

    assert await _grants(chat) == grants_before
    assert len(await _role_audit(chat)) == len(audit_before)


async def test_an_admin_makes_another_admin_and_the_last_admin_stays(
    chat: ChatHarness, ctx: BotContext
) -> None:
    ada = await add_person(chat.database, "ada", roles=(Role.ADMIN,))
    await chat.join("amara")

    assert await _say(chat, "ada", "revoke ada admin") == [
        "Ada is the last admin, so the role stays: make someone else an admin first."
    ]
    assert await _say(chat, "ada", "grant amara admin") == ["Done: Amara now has the admin role."]
    assert await _say(chat, "amara", "revoke ada admin") == [
        "Done: Ada no longer has the admin role."
    ]
    assert await _say(chat, "amara", "revoke amara admin") == [
        "Amara is the last admin, so the role stays: make someone else an admin first."
    ]
    assert await _roles_of(chat, "ada") == set()
    assert await _roles_of(chat, "amara") == {"clinician", "admin"}
    [revoked] = [entry for entry in await _role_audit(chat) if entry.action == "role.revoked"]
    assert (revoked.actor_id, revoked.detail["role"], revoked.subject) == (
        (await chat.person("amara")).id,
        "admin",
        f"person:{ada.id}",
    )
    assert revoked.created_at == NOW


async def test_granting_twice_or_revoking_what_is_not_held_says_so(chat: ChatHarness) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await chat.join("amara")
    audit_before = len(await _role_audit(chat))

    assert await _say(chat, "wes", "grant amara clinician") == [
        "Amara already has the clinician role."
    ]
    assert await _say(chat, "wes", "revoke amara leader") == [
        "Amara doesn't have the leader role, so there was nothing to take away."
    ]
    assert len(await _role_audit(chat)) == audit_before


async def test_a_grant_without_a_known_role_shows_how(chat: ChatHarness, ctx: BotContext) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await chat.join("amara")

    for typed in ("grant", "grant @amara boss", "revoke @amara"):
        assert await _say(chat, "wes", typed) == [ctx.say("roles.usage")], typed
    two = await _say(chat, "wes", "grant @amara @ben leader", mentions=["amara", "ben"])
    assert two == [ctx.say("roles.usage")]


async def test_roles_lists_who_has_which_role_here(chat: ChatHarness) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    await add_person(chat.database, "ada", roles=(Role.ADMIN, Role.WELLNESS_LEAD))
    for user_id in ("amara", "ben", "cat"):
        await chat.join(user_id)

    [listing] = await _say(chat, "wes", "roles")

    assert listing.splitlines() == [
        "Roles here:",
        "• Admins: Ada",
        "• Wellness leads: Ada, Wes",
        "• Leaders: nobody yet",
        "• Clinicians: 3",
    ]


async def test_leaders_and_clinicians_are_refused_politely(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await add_person(chat.database, "lee", roles=(Role.LEADER,))
    await chat.join("amara")
    grants_before = await _grants(chat)

    for user_id in ("lee", "amara"):
        assert await _say(chat, user_id, "roles") == [ctx.say("refused.see_roles")]
        assert await _say(chat, user_id, "grant @amara leader") == [ctx.say("refused.grant_roles")]
        assert await _say(chat, user_id, "revoke lee leader") == [ctx.say("refused.grant_roles")]

    assert await _grants(chat) == grants_before


async def test_help_shows_the_role_commands_to_those_who_may_use_them(
    chat: ChatHarness, ctx: BotContext
) -> None:
    await add_person(chat.database, "ada", roles=(Role.ADMIN,))
    await add_person(chat.database, "lee", roles=(Role.LEADER,))

    [admin_help] = await _say(chat, "ada", "help")
    [leader_help] = await _say(chat, "lee", "help")

    assert ctx.say("roles.help") in admin_help and "`grant @person leader`" in admin_help
    # A leader's help starts with what leaders do (cards, `summary`), then everyone's.
    assert leader_help.startswith(ctx.say("help.leader"))
    assert leader_help.endswith(ctx.say("help")) and ctx.say("roles.help") not in leader_help


async def test_someone_of_another_organisation_is_nobody_here(chat: ChatHarness) -> None:
    await add_person(chat.database, "wes", roles=(Role.WELLNESS_LEAD,))
    # Eve talks to Thrive from another workspace: an organisation of its own.
    eve = PersonRef("local", "elsewhere", "eve", "Eve")
    await chat.handle(MemberAdded(eve, ConversationRef("local", "elsewhere", "dm-eve"), "evt-e"))
    grants_before = await _grants(chat)

    by_name = await _say(chat, "wes", "grant Eve leader")
    # Mentioned in a channel both organisations share, she is still not one of ours.
    mentioned = MessageReceived(
        person_ref("wes"), conversation_ref("wes"), "evt-m", text="grant @Eve leader",
        mentions=(eve,),
    )  # fmt: skip
    by_mention = texts((await chat.handle(mentioned)).replies)
    listing = await _say(chat, "wes", "roles")

    assert by_name == ["I can't find anyone called Eve here. Try their @mention, user id or email."]
    assert by_mention == [
        "Eve hasn't talked to me yet, so I can't give them a role. "
        "Ask them to say hello to me first."
    ]
    assert "• Clinicians: 0" in listing[0]  # Eve is a clinician, of another organisation
    assert await _grants(chat) == grants_before
