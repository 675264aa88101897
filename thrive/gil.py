"""The serving process's switch interval, set once it has started: how long a thread
that wants the GIL waits before it asks the running thread to let go.

SQLite's driver (aiosqlite) runs each statement on a thread of its own, which needs the
GIL to start the statement and again to hand its result back. Under a fan-out the event
loop runs Python almost without pause, and at CPython's default (5 ms) such a thread
waited about a millisecond on average, and several at worst, each time: a send's record
took 2.6 ms where its SQL took 0.3, and the senders, who wait for their records
(bot.outbox.delivery), stood idle meanwhile. At 0.2 ms a record takes 1.9 ms, about what
PostgreSQL's take over the network (`python -m bench.fanout`). A thread that computes (a
chart, a clustering) gives the event loop its turn sooner too, at the cost of a few more
switches.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.0002  # seconds (CPython's default: 0.005)


def share_the_gil() -> None:
    """Call once the server has started; it holds for the whole process."""
    sys.setswitchinterval(SWITCH_INTERVAL)
