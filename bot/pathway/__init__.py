"""The pathway room: ideas on their way from a clinician to leaders and back.

Owns ideas (from the idea prompt, a command or a marked message), the
pathway's states and the moves leaders may make, the idea card, and the news
each move sends to the submitter and the leaders.

May import: the neutral model, storage, bot.outbox (news goes through it),
bot.people, bot.privacy, bot.analysis (an idea is coded when stored) and bot.safety
(an idea is screened for distress when stored, and kept from leaders if it alarms).
"""
