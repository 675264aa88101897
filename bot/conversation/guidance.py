"""Finding one's way: the welcome and `help` per role, and the reply to a message that
answers nothing (no dead ends: a friendly word, the nearest command, or, only for
what reads like a suggestion, the offer to send it to leaders as an idea)."""

from __future__ import annotations

from bot import actions
from bot.context import Turn
from bot.conversation.small_talk import Reading, nearest_command, read
from bot.messages import Button, OutboundMessage
from bot.people.permissions import COMMAND_PERMISSIONS, Permission
from bot.people.welcome import role_welcome
from bot.privacy import kind_names, redact
from bot.safety import care_for, escalation_line

# Platforms cap a button's value (Slack: 2,000 characters); keep a margin.
MAX_BUTTON_TEXT = 1900
# Help for a role, most specific first (copy keys), for those who may use it.
ROLE_HELP = (
    (Permission.MANAGE_PULSES, ("pulse.help", "pulse.help_create", "report.schedule_help")),
    (Permission.GRANT_ROLES, ("roles.help",)),
    (Permission.ANALYSE_ANSWERS, ("emerging.help",)),
    (Permission.MOVE_IDEAS, ("help.leader",)),
    (Permission.SEE_REPORTS, ("report.help",)),
)
# Lines of a role's help that name a command, shown once the command exists and only to
# those the permission table lets use it (bot/people/permissions.py).
ROLE_COMMANDS: dict[Permission, tuple[tuple[str, str], ...]] = {
    Permission.MANAGE_PULSES: (("digest schedule", "help.digest_schedule"),),
    Permission.MOVE_IDEAS: (("ideas", "help.leader.ideas"), ("merge", "help.leader.merge")),
}
# What a greeting, thanks, a yes or no, a number or an emoji is told (copy keys).
_TALK = {
    Reading.THANKS: "talk.thanks",
    Reading.YES_NO: "talk.yes_no",
    Reading.NUMBER: "talk.number",
    Reading.EMOJI: "talk.emoji",
}


async def welcome(turn: Turn) -> OutboundMessage:
    """What the person's most trusted role can do here, and, where the organisation set
    an escalation contact, who it is."""
    roles = (grant.role for grant in turn.person.roles)
    text = role_welcome(turn.say, roles)
    line = await escalation_line(turn)
    return OutboundMessage(text=text if line is None else f"{text}\n\n{line}")


def help_text(turn: Turn) -> str:
    """The person's own role's commands first, then everyone's."""
    sections: list[str] = []
    for permission, keys in ROLE_HELP:
        if not turn.may(permission):
            continue
        section = [turn.say(key) for key in keys]
        section += [
            turn.say(key)
            for command, key in ROLE_COMMANDS.get(permission, ())
            if command in COMMAND_PERMISSIONS and turn.may(COMMAND_PERMISSIONS[command])
        ]
        sections.append("\n".join(section))
    if sections:
        sections.append(f"{turn.say('help.everyone_header')}\n{turn.say('help')}")
        return "\n".join(sections)
    return turn.say("help")


async def nothing_open(turn: Turn, text: str, *, closed: bool = False) -> list[OutboundMessage]:
    """The reply to a message when no question is open for the person."""
    # Words of distress are met with care, and nothing of them is kept or offered on.
    care = await care_for(turn, text)
    if care.distress:
        return list(care.messages)
    reading = read(text)
    if reading is Reading.SUGGESTION or (closed and reading is Reading.UNCLEAR):
        return [_idea_offer(turn, text, closed=closed)]
    if closed and reading in (Reading.NUMBER, Reading.YES_NO):
        return [OutboundMessage(text=turn.say("talk.closed"))]
    if reading is Reading.GREETING:
        # A first hello, or a leader's or lead's: what their role can do here.
        if turn.first_contact or turn.may(Permission.MOVE_IDEAS):
            return [await welcome(turn)]
        return [OutboundMessage(text=turn.say("talk.greeting", name=_first_name(turn)))]
    if reading in _TALK:
        return [OutboundMessage(text=turn.say(_TALK[reading]))]
    usable = [name for name, needed in COMMAND_PERMISSIONS.items() if turn.may(needed)]
    meant = nearest_command(text, usable)
    if meant is not None:
        said = turn.say("talk.did_you_mean", text=text.strip(), command=meant)
        return [OutboundMessage(text=said)]
    return [OutboundMessage(text=turn.say("talk.unclear"))]


def offered_notices(turn: Turn, removed: tuple[str, ...]) -> tuple[str, ...]:
    """What was taken out of text a button offers to send on (nothing is stored yet)."""
    if not removed:
        return ()
    kinds = ", ".join(kind_names(turn.say, removed))
    return (turn.say("privacy.redacted_offered", kinds=kinds),)


def _idea_offer(turn: Turn, text: str, *, closed: bool) -> OutboundMessage:
    # The text rides in the button (and so in the platform's copy of the message):
    # redact it first, as everything else that is kept, and say what was removed.
    redaction = redact(text)
    buttons: tuple[Button, ...] = ()
    if len(redaction.text) <= MAX_BUTTON_TEXT:
        buttons = (
            Button(turn.say("button.send_as_idea"), actions.IDEA_FROM_MESSAGE, redaction.text),
        )
    key = "answer.closed_then_idea" if closed else "answer.nothing_open"
    notices = offered_notices(turn, redaction.removed) if buttons else ()
    return OutboundMessage(text=turn.say(key), buttons=buttons, notices=notices)


def _first_name(turn: Turn) -> str:
    """ "Dr Amara Okafor" -> "Amara"; a title alone is no name."""
    words = [w for w in turn.person.display_name.split() if w.rstrip(".").lower() not in _TITLES]
    return words[0].rstrip(",") if words else turn.person.display_name


_TITLES = frozenset({"dr", "prof", "mr", "mrs", "ms", "mx"})
