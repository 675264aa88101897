"""The distress safety net's answer to the person, and to the escalation contact.

Everything happens in the turn that stored the words, so the person reads it with the
bot's reply, within a second. The message is private (ephemeral on Slack, their own 1:1
chat on Teams). Nothing here records who alarmed the screen: no audit entry, no log line
with a person, so nobody reading the audit log or the logs learns it. The only one told
is the organisation's escalation contact, if it set one, and the welcome says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.context import Turn
from bot.messages import OutboundMessage
from bot.outbox.announcements import queue_for_person
from bot.privacy import screen
from bot.safety.countries import country_of
from prompts import SafetyPlan
from prompts.schema import EscalationContact
from storage.models import Organisation

log = structlog.get_logger(__name__)

DEFAULT_LINE = "default"


@dataclass(frozen=True)
class Care:
    """Whether the words alarmed the screen, and what to say to the person if they did."""

    distress: bool
    messages: tuple[OutboundMessage, ...] = ()


async def care_for(turn: Turn, text: str | None) -> Care:
    """Screen what the person wrote; if it shows signs of acute distress or self-harm, the
    private message with their organisation's resources (and the contact is told)."""
    if not text or not screen(text).distress:
        return Care(False)
    plan = await plan_of(turn)
    lines = [*plan.resources, *_crisis_lines(plan, turn.person.timezone)]
    parts = [turn.say("safety.reached_out")]
    parts += [turn.say("safety.line", line=line) for line in lines]
    parts.append(turn.say("safety.kept_private"))
    contact = plan.escalation_contact
    if contact is not None and await _tell_contact(turn, contact):
        parts.append(turn.say("safety.escalated", contact=contact.name))
    return Care(True, (OutboundMessage(text="\n".join(parts), private=True),))


async def escalation_line(turn: Turn) -> str | None:
    """Who is told when someone may be in danger, if the organisation set anyone: said in
    the welcome (Teams), and in `help` and the home view, which every platform has."""
    contact = (await plan_of(turn)).escalation_contact
    return None if contact is None else turn.say("welcome.escalation", contact=contact.name)


async def plan_of(turn: Turn) -> SafetyPlan:
    organisation = await turn.session.get(Organisation, turn.organisation_id)
    name = organisation.name if organisation is not None else ""
    return turn.ctx.content.safety.plan_for(name)


def _crisis_lines(plan: SafetyPlan, timezone: str | None) -> list[str]:
    """The crisis line of the person's country (their time zone's, else the plan's), then
    the line for anywhere."""
    country = country_of(timezone) or plan.country
    chosen = [plan.crisis_lines.get(country or ""), plan.crisis_lines.get(DEFAULT_LINE)]
    return [line for line in chosen if line]


async def _tell_contact(turn: Turn, contact: EscalationContact) -> bool:
    """Queue the contact's private notice (their quiet hours apply, like all news); False
    if the organisation has nobody with that email to tell."""
    found = [
        person
        for person in await turn.people.with_email(contact.email, turn.organisation_id)
        if person.id != turn.person.id
    ]
    if not found:
        # No person named, no text: only that the setting points at nobody reachable.
        log.warning("safety.escalation_contact_not_found", organisation=turn.organisation_id)
        return False
    notice = OutboundMessage(
        text=turn.say("safety.escalation_notice", person=turn.person.display_name or "someone")
    )
    for person in found:
        await queue_for_person(turn, person, notice)
    return True
