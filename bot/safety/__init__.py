"""The safety room: what Thrive does when someone's words suggest acute distress or
thoughts of self-harm.

Owns the distress safety net's answer: the private, kind message with the organisation's
resources and a crisis line for the person's country (safety.yaml, worded in copy.yaml),
telling them the bot is not watched in real time; telling an escalation contact, if the
organisation set one (and the welcome line that says so). The screen itself (which words
alarm) is bot.privacy's; keeping flagged answers out of quotes and exports is storage's
queries; keeping flagged ideas from leaders is the pathway's.

May import: the neutral model, storage, bot.privacy (the screen) and bot.outbox (the
escalation contact hears through it).
"""

from bot.safety.care import Care, care_for, escalation_line

__all__ = ["Care", "care_for", "escalation_line"]
