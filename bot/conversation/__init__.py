"""The conversation room: where inbound events arrive and are routed.

Owns the dispatcher (one transaction per event, retries recognised), the
command grammar, the routes from messages, commands and button presses to the
other rooms' services, the home view, each role's welcome and help, and the
reading of a message that answers no open question (small talk, a suggestion,
a mistyped command).

May import: the neutral model (bot.events, bot.messages, bot.errors,
bot.context, bot.actions), storage, and every other room: it is the top of
the core, and no room imports it.
"""
