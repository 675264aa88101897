"""The pathway room: ideas on their way from a clinician to leaders and back.

Owns ideas (from the idea prompt, a command or a marked message), the
pathway's states and the moves leaders may make (states, moves), the idea card
(cards), the news each move sends to submitters and leaders (news), votes, the
board, similar ideas and merges (similar, merging), the "you said, we did"
digest and the weekly nudge about ideas left waiting (digest, nudges).

May import: the neutral model, storage, bot.outbox (news goes through it),
bot.people, bot.privacy, bot.analysis (an idea is coded when stored) and bot.safety
(an idea is screened for distress when stored, and kept from leaders if it alarms).
"""
