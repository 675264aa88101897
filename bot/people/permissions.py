"""Who may do what, in one place: every check in the code reads these tables.

`ROLE_PERMISSIONS` says what each role may do; `COMMAND_PERMISSIONS`,
`ACTION_PERMISSIONS` and `CLI_PERMISSIONS` say which permission every chat
command, button or form, and `thrive` command needs. The dispatcher checks a
command or an action against them before any handler runs, so a refused request
changes nothing; tests walk the tables for every role.

A person may always look after themselves (help, snooze, pause, quiet hours, see
and delete their data), whatever their roles, even none: `EVERYONE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot import actions
from bot.people.roles import Role


class Permission(StrEnum):
    """What a person may do, in the domain's words. The value names the refusal's copy
    key, `refused.<value>`, for the permissions someone can lack."""

    ASK_FOR_HELP = "ask_for_help"
    CHOOSE_WHEN_ASKED = "choose_when_asked"  # snooze, pause, resume, quiet hours
    SEE_AND_DELETE_MY_DATA = "see_and_delete_my_data"  # my answers, my ideas, forget me
    ANSWER_PROMPTS = "answer_prompts"
    SUBMIT_IDEAS = "submit_ideas"
    VOTE = "vote"  # on ideas
    SEE_IDEAS = "see_ideas"  # the board: ideas under way and implemented
    SEE_TRIAGE_QUEUE = "see_triage_queue"
    SEE_REPORTS = "see_reports"  # themes across everyone's answers, small groups hidden
    MOVE_IDEAS = "move_ideas"  # along the pathway
    MANAGE_PULSES = "manage_pulses"
    SEE_PARTICIPATION = "see_participation"
    PUBLISH_DIGESTS = "publish_digests"  # "you said, we did": when it goes, and printing it
    EXPORT_IDEAS = "export_ideas"  # every idea's words in a file (audited)
    # What the answers say: emerging themes and decisions on them, earlier data brought in.
    ANALYSE_ANSWERS = "analyse_answers"
    SEE_ROLES = "see_roles"
    GRANT_ROLES = "grant_roles"  # clinician, leader, wellness lead
    GRANT_ADMIN = "grant_admin"
    SEE_AUDIT_LOG = "see_audit_log"  # who saw or changed what, when
    RUN_THE_SERVER = "run_the_server"  # the operator's commands: serve, migrate, set up


EVERYONE: frozenset[Permission] = frozenset(
    {Permission.ASK_FOR_HELP, Permission.CHOOSE_WHEN_ASKED, Permission.SEE_AND_DELETE_MY_DATA}
)
_TAKING_PART = EVERYONE | {
    Permission.ANSWER_PROMPTS,
    Permission.SUBMIT_IDEAS,
    Permission.VOTE,
    Permission.SEE_IDEAS,
}
_LEADING = _TAKING_PART | {
    Permission.SEE_TRIAGE_QUEUE,
    Permission.MOVE_IDEAS,
    Permission.SEE_REPORTS,
}
_RUNNING_THE_PROGRAMME = _LEADING | {
    Permission.MANAGE_PULSES,
    Permission.SEE_PARTICIPATION,
    Permission.PUBLISH_DIGESTS,
    Permission.EXPORT_IDEAS,
    Permission.ANALYSE_ANSWERS,
    Permission.SEE_ROLES,
    Permission.GRANT_ROLES,
    Permission.SEE_AUDIT_LOG,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: _TAKING_PART,
    Role.LEADER: _LEADING,
    Role.WELLNESS_LEAD: _RUNNING_THE_PROGRAMME,
    # Everything a wellness lead may do, plus making (and unmaking) admins.
    Role.ADMIN: _RUNNING_THE_PROGRAMME | {Permission.GRANT_ADMIN, Permission.RUN_THE_SERVER},
}

# Chat commands by their name in bot/conversation/commands.py (CommandName's values).
COMMAND_PERMISSIONS: dict[str, Permission] = {
    "help": Permission.ASK_FOR_HELP,
    "idea": Permission.SUBMIT_IDEAS,
    "snooze": Permission.CHOOSE_WHEN_ASKED,
    "pause": Permission.CHOOSE_WHEN_ASKED,
    "resume": Permission.CHOOSE_WHEN_ASKED,
    "quiet": Permission.CHOOSE_WHEN_ASKED,
    "my answers": Permission.SEE_AND_DELETE_MY_DATA,
    "my ideas": Permission.SEE_AND_DELETE_MY_DATA,
    "forget me": Permission.SEE_AND_DELETE_MY_DATA,
    "pulses": Permission.MANAGE_PULSES,
    "pulse": Permission.MANAGE_PULSES,
    "roles": Permission.SEE_ROLES,
    "grant": Permission.GRANT_ROLES,
    "revoke": Permission.GRANT_ROLES,
    "summary": Permission.SEE_REPORTS,
    "report": Permission.SEE_REPORTS,
    # The summary posted to the leaders on a schedule: the wellness lead's, like pulses.
    "report every": Permission.MANAGE_PULSES,
    "emerging": Permission.ANALYSE_ANSWERS,
    "ideas": Permission.SEE_IDEAS,
    "vote": Permission.VOTE,
    "merge": Permission.MOVE_IDEAS,
    # One's own digest, like quiet hours: everyone's to choose.
    "digest": Permission.CHOOSE_WHEN_ASKED,
    "digest schedule": Permission.PUBLISH_DIGESTS,
}

ACTION_PERMISSIONS: dict[str, Permission] = {
    actions.ANSWER_OPTION: Permission.ANSWER_PROMPTS,
    actions.ANSWER_OPEN: Permission.ANSWER_PROMPTS,
    actions.ANSWER_SUBMIT: Permission.ANSWER_PROMPTS,
    actions.ANSWER_TEXT: Permission.ANSWER_PROMPTS,
    actions.ANSWER_UNDO: Permission.ANSWER_PROMPTS,
    actions.ANSWER_COMMENT: Permission.ANSWER_PROMPTS,
    actions.ANSWER_COMMENT_OPEN: Permission.ANSWER_PROMPTS,
    actions.PROMPT_SKIP: Permission.ANSWER_PROMPTS,
    actions.PROMPT_SNOOZE: Permission.CHOOSE_WHEN_ASKED,
    actions.PROMPT_STOP: Permission.CHOOSE_WHEN_ASKED,
    actions.IDEA_FROM_MESSAGE: Permission.SUBMIT_IDEAS,
    actions.IDEA_OPEN_FORM: Permission.SUBMIT_IDEAS,
    actions.IDEA_SUBMIT: Permission.SUBMIT_IDEAS,
    actions.IDEA_MOVE: Permission.MOVE_IDEAS,
    actions.IDEA_NOTE_OPEN: Permission.MOVE_IDEAS,
    actions.IDEA_NOTE_SUBMIT: Permission.MOVE_IDEAS,
    actions.IDEA_NOTE_CANCEL: Permission.MOVE_IDEAS,
    actions.IDEA_VOTE: Permission.VOTE,
    actions.IDEA_VOTE_INSTEAD: Permission.VOTE,
    actions.FORGET_CONFIRM: Permission.SEE_AND_DELETE_MY_DATA,
    actions.FORGET_CANCEL: Permission.SEE_AND_DELETE_MY_DATA,
    actions.PULSE_SEND_CONFIRM: Permission.MANAGE_PULSES,
    actions.PULSE_SEND_CANCEL: Permission.MANAGE_PULSES,
    actions.PULSE_FORM_SUBMIT: Permission.MANAGE_PULSES,
    actions.PULSE_FORM_OPEN: Permission.MANAGE_PULSES,
    actions.PULSE_SAVE: Permission.MANAGE_PULSES,
    actions.PULSE_CHANGE: Permission.MANAGE_PULSES,
    actions.EMERGING_ACCEPT: Permission.ANALYSE_ANSWERS,
    actions.EMERGING_DISMISS: Permission.ANALYSE_ANSWERS,
}

# `thrive` commands act for the server's operator, who holds the database and is trusted
# as an admin (the first admin can only come from here). The table says what each one
# amounts to, so the CLI and chat grow along the same lines.
CLI_PERMISSIONS: dict[str, Permission] = {
    "serve": Permission.RUN_THE_SERVER,
    "demo": Permission.RUN_THE_SERVER,
    "db upgrade": Permission.RUN_THE_SERVER,
    "prompts validate": Permission.RUN_THE_SERVER,
    "code": Permission.RUN_THE_SERVER,  # codes standard input with the content; no database
    "redact": Permission.RUN_THE_SERVER,  # redacts standard input; no database
    "screen": Permission.RUN_THE_SERVER,  # screens standard input for distress; no database
    "slack manifest": Permission.RUN_THE_SERVER,
    "teams package": Permission.RUN_THE_SERVER,
    "pulse create": Permission.MANAGE_PULSES,
    "pulse list": Permission.MANAGE_PULSES,
    "pulse show": Permission.MANAGE_PULSES,
    "pulse pause": Permission.MANAGE_PULSES,
    "pulse resume": Permission.MANAGE_PULSES,
    "pulse delete": Permission.MANAGE_PULSES,
    "pulse send-now": Permission.MANAGE_PULSES,
    "roles list": Permission.SEE_ROLES,
    "roles grant": Permission.GRANT_ADMIN,
    "roles revoke": Permission.GRANT_ADMIN,
    # Which workspaces make one programme: the operator's, like serving.
    "org list": Permission.RUN_THE_SERVER,
    "org link": Permission.RUN_THE_SERVER,
    # The matrix; with --quotes it shows answers' words (recorded in the audit log).
    "analysis matrix": Permission.SEE_REPORTS,
    "audit list": Permission.SEE_AUDIT_LOG,
    # The matrix as a file; quotes, the Summary sheet and a .qdpx are answers' words,
    # the operator's as an admin's, and recorded in the audit log.
    "report": Permission.SEE_REPORTS,
    # Deletes someone's answers for them (what their own `forget me` deletes): an admin's.
    "people forget": Permission.RUN_THE_SERVER,
    "analysis emerging": Permission.ANALYSE_ANSWERS,
    "analysis emerging accept": Permission.ANALYSE_ANSWERS,
    "analysis emerging merge": Permission.ANALYSE_ANSWERS,
    "analysis emerging dismiss": Permission.ANALYSE_ANSWERS,
    "answers import": Permission.ANALYSE_ANSWERS,
    # Reading and coding answers' words: the wellness lead's, like participation.
    "analysis recode": Permission.ANALYSE_ANSWERS,
    "analysis review": Permission.ANALYSE_ANSWERS,
    "analysis export-codes": Permission.ANALYSE_ANSWERS,
    "analysis import-codes": Permission.ANALYSE_ANSWERS,
    "analysis agreement": Permission.ANALYSE_ANSWERS,
    # The pathway from the command line: what leaders do on their cards, and the digest.
    "ideas list": Permission.SEE_TRIAGE_QUEUE,
    "ideas show": Permission.SEE_TRIAGE_QUEUE,
    "ideas move": Permission.MOVE_IDEAS,
    "ideas merge": Permission.MOVE_IDEAS,
    "ideas export": Permission.EXPORT_IDEAS,
    "ideas digest": Permission.PUBLISH_DIGESTS,
}


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    """Everything someone holding these roles may do (a role no longer known gives nothing)."""
    known = {role.value for role in Role}
    allowed = set(EVERYONE)
    for role in roles:
        if role in known:
            allowed |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(allowed)


def roles_that_may(permission: Permission) -> tuple[Role, ...]:
    """The roles holding `permission`, from the least to the most trusted."""
    return tuple(role for role in Role if permission in ROLE_PERMISSIONS[role])


def permission_to_grant(role: Role) -> Permission:
    """Making someone an admin takes an admin; any other role, a wellness lead."""
    return Permission.GRANT_ADMIN if role is Role.ADMIN else Permission.GRANT_ROLES
