"""The outbox room: every proactive message leaves through here.

Owns the delivery outbox and its dispatcher (claim, decide, send, record),
the people-level send rules and the per-workspace limits, what a row does
after a failed send, notifications (the leaders' cards, a submitter's news)
and queueing them.

May import: the neutral model, storage, bot.pulses' prompting (how a
prompt is laid out when it is sent) and bot.pathway's cards (to word an idea
card queued, unworded, by an older version).
"""
