"""The pulses room: what to ask whom, and when.

Owns pulse definitions (every check in one place, for the CLI and the chat
form alike), the wellness lead's pulse form, the preview of who a pulse reaches
and when prompts arrive, their schedules and APScheduler trigger, audiences,
opening occurrences (runs), how a prompt is put to a person, recording and
undoing answers, and participation figures.

May import: the neutral model, storage, prompts, bot.outbox (occurrences are
delivered through it), bot.pathway (an idea prompt's answer becomes an idea),
bot.people, bot.privacy, bot.analysis (an answer is coded when stored) and bot.safety
(an answer is screened for distress when stored).
"""
