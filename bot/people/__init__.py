"""The people room: who is talking and what they may do.

Owns people (found or created on every turn), roles and the one permission
table, a person's preferences (snooze, pause, quiet hours) and their own data
(my answers, forget me).

May import: the neutral model, storage, and bot.outbox's send rules (a
preference is a send rule's input).
"""
