"""The chat command grammar, shared by every platform (DM text, /thrive, @mention)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.people.durations import parse_duration
from bot.people.roles import ROLE_WORDS


class CommandName(StrEnum):
    HELP = "help"
    IDEA = "idea"
    SNOOZE = "snooze"
    PAUSE = "pause"
    RESUME = "resume"
    MY_ANSWERS = "my answers"
    MY_IDEAS = "my ideas"
    FORGET_ME = "forget me"
    PULSES = "pulses"  # the wellness lead's list
    PULSE = "pulse"  # argument: "pause NAME", "resume NAME" or "send NAME"
    QUIET = "quiet"  # argument: "hours [HH:MM-HH:MM|off|default]" or "weekends [on|off|default]"
    ROLES = "roles"  # who has which role
    GRANT = "grant"  # argument: "PERSON ROLE" (PERSON: an @mention, a name, an id, an email)
    REVOKE = "revoke"  # argument: as for grant
    SUMMARY = "summary"  # the top themes per question (also typed as "matrix")
    EMERGING = "emerging"  # the wellness lead's candidate themes
    IDEAS = "ideas"  # the board: under way and implemented (leaders: the triage queue first)
    VOTE = "vote"  # argument: the idea's number
    MERGE = "merge"  # argument: "DUPLICATE INTO" (two idea numbers)
    DIGEST = "digest"  # argument: "on" or "off" (one's own "you said, we did" digest)
    DIGEST_SCHEDULE = "digest schedule"  # argument: "monthly", "weekly", "every N days", "off"
    REPORT = "report"  # this period's summary with a chart (bot/reports)
    # argument: "week", "month" or "off": the summary posted to the leaders on a schedule
    REPORT_SCHEDULE = "report every"


@dataclass(frozen=True)
class ParsedCommand:
    name: CommandName
    argument: str = ""


# Commands that take no argument must be the whole message, so an answer such as
# "pause between patients would help" is never mistaken for a command.
_BARE = {
    "help": CommandName.HELP,
    "?": CommandName.HELP,
    "help me": CommandName.HELP,
    "what can you do": CommandName.HELP,
    "what can i do": CommandName.HELP,
    "commands": CommandName.HELP,
    "menu": CommandName.HELP,
    "pause": CommandName.PAUSE,
    "stop": CommandName.PAUSE,
    # Ways people ask for no more messages: all of them pause (resume undoes it).
    "unsubscribe": CommandName.PAUSE,
    "no more": CommandName.PAUSE,
    "stop sending": CommandName.PAUSE,
    "stop messaging me": CommandName.PAUSE,
    "stop it": CommandName.PAUSE,
    "opt out": CommandName.PAUSE,
    "leave me alone": CommandName.PAUSE,
    "resume": CommandName.RESUME,
    "start": CommandName.RESUME,
    "my answers": CommandName.MY_ANSWERS,
    "my ideas": CommandName.MY_IDEAS,
    "forget me": CommandName.FORGET_ME,
    "pulses": CommandName.PULSES,
    "roles": CommandName.ROLES,
    "grant": CommandName.GRANT,
    "revoke": CommandName.REVOKE,
    "summary": CommandName.SUMMARY,
    "matrix": CommandName.SUMMARY,
    "emerging": CommandName.EMERGING,
    "ideas": CommandName.IDEAS,
    "board": CommandName.IDEAS,
    "report": CommandName.REPORT,
}
# The keyword, then a colon (spaces optional), a spaced dash or spaces, then the argument:
# "idea:text", "idea: text", "idea - text", "idea text"; "idea:" alone has no argument.
_WITH_ARGUMENT = re.compile(
    r"^(idea|snooze)(?:\s*:\s*|\s*-(?:\s+|$)|\s+|\s*$)(.*)$", re.IGNORECASE | re.DOTALL
)

# "anonymous idea <text>": the same as "idea anonymous <text>".
_ANONYMOUS_IDEA = re.compile(
    r"^anonymous\s+idea(?:\s*:\s*|\s*-(?:\s+|$)|\s+|\s*$)(.*)$", re.IGNORECASE | re.DOTALL
)

# Only with "hours" or "weekends", so "quiet days are rare" stays an answer.
_QUIET = re.compile(r"^quiet\s+(hours|weekends)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
# Only these exact forms, so "report every incident" stays an answer.
_REPORT_EVERY = re.compile(
    r"^report\s+(?:every\s+(week|month)|(weekly|monthly)|(off|schedule))[.!]?$", re.IGNORECASE
)
# Only with its verb, so "pulse checks feel rushed" stays an answer.
_PULSE = re.compile(
    r"^pulse\s+(pause|resume|send|new|create|edit)\b\s*(.*)$", re.IGNORECASE | re.DOTALL
)
# Someone named with "@" (any words after it), or one word (an id, an email) then a role:
# "grant more autonomy to every clinician" stays an answer.
_ROLE_CHANGE = re.compile(
    rf"^(grant|revoke)\s+((?:<?@)\S.*?|\S+\s+(?:{ROLE_WORDS}))[.!]?$", re.IGNORECASE | re.DOTALL
)
# Only with an idea's number: "vote for the new rota" stays an answer.
_VOTE = re.compile(r"^(?:up)?vote\s+(?:for\s+)?(?:idea\s+)?#?(\d{1,9})[.!]?$", re.IGNORECASE)
_MERGE = re.compile(
    r"^merge\s+(?:idea\s+)?#?(\d{1,9})\s+(?:into|with)\s+(?:idea\s+)?#?(\d{1,9})[.!]?$",
    re.IGNORECASE,
)
_DIGEST = re.compile(r"^digest\s+(on|off)[.!]?$", re.IGNORECASE)
_DIGEST_SCHEDULE = re.compile(r"^digest\s+schedule\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_PERSON_AND_ROLE = re.compile(rf"^(.+?)\s+({ROLE_WORDS})[.!]?$", re.IGNORECASE | re.DOTALL)


def parse_command(text: str) -> ParsedCommand | None:
    stripped = text.strip()
    words = " ".join(stripped.lower().split())
    bare = _BARE.get(words.rstrip(".!")) or _BARE.get(words.rstrip(".!?"))
    if bare is not None:
        return ParsedCommand(bare)
    quiet = _QUIET.match(stripped)
    if quiet:
        return ParsedCommand(
            CommandName.QUIET, f"{quiet.group(1).lower()} {quiet.group(2)}".strip()
        )
    report_every = _REPORT_EVERY.match(stripped)
    if report_every:
        every, adverb, word = (group and group.lower() for group in report_every.groups())
        argument = every or (adverb or "").removesuffix("ly") or ("off" if word == "off" else "")
        return ParsedCommand(CommandName.REPORT_SCHEDULE, argument or "month")
    pulse = _PULSE.match(stripped)
    if pulse:
        return ParsedCommand(
            CommandName.PULSE, f"{pulse.group(1).lower()} {pulse.group(2)}".strip()
        )
    for pattern, name in (
        (_VOTE, CommandName.VOTE),
        (_DIGEST, CommandName.DIGEST),
        (_DIGEST_SCHEDULE, CommandName.DIGEST_SCHEDULE),
    ):
        found = pattern.match(stripped)
        if found:
            return ParsedCommand(name, found.group(1).strip().lower())
    anonymous_idea = _ANONYMOUS_IDEA.match(stripped)
    if anonymous_idea:
        return ParsedCommand(CommandName.IDEA, f"anonymous {anonymous_idea.group(1)}".strip())
    merge = _MERGE.match(stripped)
    if merge:
        return ParsedCommand(CommandName.MERGE, f"{merge.group(1)} {merge.group(2)}")
    role_change = _ROLE_CHANGE.match(stripped)
    if role_change:
        return ParsedCommand(CommandName(role_change.group(1).lower()), role_change.group(2))
    match = _WITH_ARGUMENT.match(stripped)
    if not match:
        return None
    name, argument = CommandName(match.group(1).lower()), (match.group(2) or "").strip()
    if name == CommandName.SNOOZE and len(argument.split()) > 2 and not _is_duration(argument):
        # "snooze button is annoying" is an answer about snoozing, not a command.
        return None
    return ParsedCommand(name, argument)


def person_and_role(argument: str) -> tuple[str, str] | None:
    """'@Dr Lee wellness lead' -> ('@Dr Lee', 'wellness lead'); None without a role."""
    match = _PERSON_AND_ROLE.match(argument.strip())
    return (match.group(1).strip(), match.group(2)) if match else None


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True
