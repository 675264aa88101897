"""The people room: who is talking and what they may do.

Owns people (found or created on every turn; found by id, email or name:
directory), the roles (roles) and the one permission table every check reads
(permissions), the rules for granting and revoking them (granting) and the chat
commands for it (role_chat), what each role is told on arrival or when granted
(welcome), a person's preferences (snooze, pause, quiet hours) and their own
data (my answers, forget me).

May import: the neutral model, storage, and bot.outbox's send rules (a
preference is a send rule's input).
"""
