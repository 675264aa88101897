"""The permission table, walked: for each role, every chat command and every button or
form it may not use is refused with the polite sentence and changes nothing in the
database; every one it may use is not refused."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from bot import actions
from bot.context import BotContext
from bot.conversation.action_routes import ACTIONS
from bot.conversation.commands import CommandName, parse_command
from bot.people.permissions import (
    ACTION_PERMISSIONS,
    COMMAND_PERMISSIONS,
    EVERYONE,
    ROLE_PERMISSIONS,
    Permission,
    permissions_of,
    roles_that_may,
)
from bot.people.roles import Role
from storage.engine import Database
from storage.models import Base
from tests.unit.bot.dispatch_harness import ChatHarness, texts
from tests.unit.bot.pulses.test_pulses import add_person, create

# One message per chat command, as a person would type it.
COMMAND_SAMPLES: dict[CommandName, str] = {
    CommandName.HELP: "help",
    CommandName.IDEA: "idea: protected admin time on Fridays",
    CommandName.SNOOZE: "snooze 2h",
    CommandName.PAUSE: "pause",
    CommandName.RESUME: "resume",
    CommandName.MY_ANSWERS: "my answers",
    CommandName.MY_IDEAS: "my ideas",
    CommandName.FORGET_ME: "forget me",
    CommandName.PULSES: "pulses",
    CommandName.PULSE: "pulse pause Weekly check-in",
    CommandName.QUIET: "quiet hours 21:00-07:00",
    CommandName.ROLES: "roles",
    CommandName.GRANT: "grant amara leader",
    CommandName.REVOKE: "revoke amara clinician",
    CommandName.SUMMARY: "summary",
    CommandName.EMERGING: "emerging",
    CommandName.IDEAS: "ideas",
    CommandName.VOTE: "vote #1",
    CommandName.MERGE: "merge #1 into #2",
    CommandName.DIGEST: "digest off",
    CommandName.DIGEST_SCHEDULE: "digest schedule monthly",
    CommandName.REPORT: "report",
    CommandName.REPORT_SCHEDULE: "report every month",
}
# One press per action id: (value, form fields). Values point at real rows where a
# handler needs one; a refusal must come before any of them is read.
ACTION_SAMPLES: dict[str, tuple[str, dict[str, str]]] = {
    actions.ANSWER_OPTION: ("1:autonomy-vital:4", {}),
    actions.ANSWER_OPEN: ("1:autonomy-vital", {}),
    actions.ANSWER_SUBMIT: ("1:autonomy-vital", {actions.ANSWER_FIELD: "4"}),
    actions.ANSWER_TEXT: ("1:autonomy-vital:4", {}),
    actions.ANSWER_UNDO: ("1:autonomy-vital:1:x", {}),
    actions.ANSWER_COMMENT: ("1:autonomy-vital:1:x", {actions.ANSWER_FIELD: "it depends"}),
    actions.ANSWER_COMMENT_OPEN: ("1:autonomy-vital:1:x", {}),
    actions.PROMPT_SKIP: ("1:autonomy-vital", {}),
    actions.PROMPT_SNOOZE: ("1:autonomy-vital", {}),
    actions.PROMPT_STOP: ("1:autonomy-vital", {}),
    actions.IDEA_FROM_MESSAGE: ("walking meetings", {}),
    actions.IDEA_OPEN_FORM: ("", {}),
    actions.IDEA_SUBMIT: ("", {actions.IDEA_FIELD: "a quiet room"}),
    actions.IDEA_MOVE: ("1:submitted:under_review", {}),
    actions.IDEA_NOTE_OPEN: ("1:submitted:declined", {}),
    actions.IDEA_NOTE_SUBMIT: ("1:submitted:declined", {actions.NOTE_FIELD: "not now"}),
    actions.IDEA_NOTE_CANCEL: ("1:submitted:declined", {}),
    actions.IDEA_VOTE: ("1", {}),
    actions.IDEA_VOTE_INSTEAD: ("2:1", {}),
    actions.FORGET_CONFIRM: ("0", {}),
    actions.FORGET_CANCEL: ("", {}),
    actions.PULSE_SEND_CONFIRM: ("1:0", {}),
    actions.PULSE_SEND_CANCEL: ("", {}),
    actions.PULSE_FORM_SUBMIT: ("", {"name": "Weekly"}),
    actions.PULSE_FORM_OPEN: ("", {}),
    actions.PULSE_SAVE: ('{"edit": null, "fields": {}}', {}),
    actions.PULSE_CHANGE: ('{"edit": null, "fields": {}}', {}),
    actions.EMERGING_ACCEPT: ("1", {}),
    actions.EMERGING_DISMISS: ("1", {}),
}
# Each role alone, and someone whose every role was taken away.
PERSONAS: dict[str, tuple[Role, ...]] = {
    "nobody": (),
    **{role.value: (role,) for role in Role},
}


def test_every_command_and_action_needs_a_permission() -> None:
    assert set(COMMAND_PERMISSIONS) == {name.value for name in CommandName}
    assert set(ACTION_PERMISSIONS) == set(ACTIONS)
    # ...and the walk below tries every one of them.
    assert set(COMMAND_SAMPLES) == set(CommandName)
    assert set(ACTION_SAMPLES) == set(ACTIONS)
    for name, typed in COMMAND_SAMPLES.items():
        parsed = parse_command(typed)
        assert parsed is not None and parsed.name == name, typed


def test_each_role_may_do_what_the_one_below_it_may() -> None:
    ladder = [Role.CLINICIAN, Role.LEADER, Role.WELLNESS_LEAD, Role.ADMIN]
    for lower, higher in itertools.pairwise(ladder):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]
    # An admin: everything a wellness lead may do, plus making admins (and running it).
    assert ROLE_PERMISSIONS[Role.ADMIN] - ROLE_PERMISSIONS[Role.WELLNESS_LEAD] == {
        Permission.GRANT_ADMIN,
        Permission.RUN_THE_SERVER,
    }
    assert permissions_of([]) == EVERYONE
    assert permissions_of(["a role nobody has any more"]) == EVERYONE


def test_every_refusal_says_who_can(ctx: BotContext) -> None:
    for permission in set(Permission) - EVERYONE:
        refusal = ctx.say(f"refused.{permission.value}")
        least_trusted = roles_that_may(permission)[0]
        assert ctx.say(f"role.{least_trusted.value}") in refusal.lower(), permission


async def _snapshot(database: Database) -> dict[str, list[Any]]:
    """Every row of every table: what "changes nothing" is checked against."""
    rows: dict[str, list[Any]] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = sorted(map(repr, result.all()))
    return rows


async def _world(chat: ChatHarness, ctx: BotContext, roles: tuple[Role, ...]) -> None:
    """`pat` holds `roles`; amara has sent an idea and has a question open; a pulse
    exists; pat has a question open too."""
    await add_person(chat.database, "pat", roles=roles)
    await chat.join("amara")
    await create(chat.database, ctx, name="Weekly check-in")
    await chat.open_prompts(["amara", "pat"], ["autonomy-vital"])
    await chat.say("amara", "idea: walking rounds")


@pytest.mark.parametrize("persona", list(PERSONAS))
async def test_each_role_is_refused_exactly_what_it_may_not_do(
    persona: str, chat: ChatHarness, ctx: BotContext
) -> None:
    roles = PERSONAS[persona]
    await _world(chat, ctx, roles)
    allowed = permissions_of(roles)
    refused_count = 0

    async def check(needed: Permission, request: str, send: Any) -> None:
        nonlocal refused_count
        refusal = ctx.say(f"refused.{needed.value}") if needed not in EVERYONE else None
        before = await _snapshot(chat.database)
        replies = texts(await send())
        if needed in allowed:
            assert refusal is None or refusal not in replies, (persona, request)
            return
        refused_count += 1
        assert replies == [refusal], (persona, request)
        assert await _snapshot(chat.database) == before, (persona, request)

    for name, typed in COMMAND_SAMPLES.items():
        await check(COMMAND_PERMISSIONS[name], typed, lambda typed=typed: chat.say("pat", typed))
    for action_id, (value, fields) in ACTION_SAMPLES.items():
        await check(
            ACTION_PERMISSIONS[action_id],
            action_id,
            lambda action_id=action_id, value=value, fields=fields: chat.press(
                "pat", action_id, value, fields=fields
            ),
        )

    expected_refusals = sum(
        COMMAND_PERMISSIONS[name] not in allowed for name in COMMAND_SAMPLES
    ) + sum(ACTION_PERMISSIONS[action_id] not in allowed for action_id in ACTION_SAMPLES)
    assert refused_count == expected_refusals
    assert (refused_count == 0) == (persona in {Role.WELLNESS_LEAD, Role.ADMIN})


@pytest.mark.parametrize("persona", list(PERSONAS))
async def test_a_plain_answer_needs_the_right_to_answer(
    persona: str, chat: ChatHarness, ctx: BotContext
) -> None:
    roles = PERSONAS[persona]
    await _world(chat, ctx, roles)
    before = await _snapshot(chat.database)

    replies = texts(await chat.say("pat", "4"))

    refusal = ctx.say("refused.answer_prompts")
    if Permission.ANSWER_PROMPTS in permissions_of(roles):
        assert refusal not in replies
        assert [response.text for response in await chat.responses()] == [None]
    else:
        assert replies == [refusal]
        assert await _snapshot(chat.database) == before
