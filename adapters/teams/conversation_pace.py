"""Teams' limits per conversation: what the bot writes into one chat or channel.

Microsoft documents them per bot per thread, in sliding windows: 7 messages in any
1 s, 8 in 2 s, 60 in 30 s and 1800 in an hour. A burst of idea cards to the
leaders' channel (and the updates to those cards) would otherwise meet 429s, which
hold the whole tenant's outbox. The outbox's per-tenant pacer (bot/send_limits.py)
cannot see conversations, so each one keeps a log of its recent writes here and a
write waits until every window has room. A 1:1 chat gets one prompt at a time and
never waits. A wait longer than MAX_WAIT_SECONDS (the 60-in-30 s or hourly windows)
is not slept out: it is raised as RateLimited, as a 429 would be, for the caller to
hold the message rather than tie up a task.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.errors import RateLimited

# (messages, seconds): Microsoft's "per bot per thread" limits for sending to a conversation.
THREAD_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# Teams counts arrivals, not departures: network jitter bunches them.
MARGIN_SECONDS = 0.05
MAX_WAIT_SECONDS = 10.0
# Logs of conversations quiet for longer than the longest window are dropped now and then.
SWEEP_EVERY = 1000


@dataclass
class _Log:
    writes: deque[float]
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)  # first come, first served


class ConversationPace:
    def __init__(self, limits: Sequence[tuple[int, float]] = THREAD_LIMITS) -> None:
        if not limits or any(count < 1 or seconds <= 0 for count, seconds in limits):
            raise ValueError("each limit needs at least one message in a positive window")
        self.limits = tuple(limits)
        self._longest = max(seconds for _count, seconds in self.limits)
        self._keep = max(count for count, _seconds in self.limits)
        self._logs: dict[str, _Log] = {}
        self._since_sweep = 0

    async def acquire(self, conversation_id: str) -> None:
        """Wait until a write into this conversation stays within every window; raise
        RateLimited when that would take longer than MAX_WAIT_SECONDS."""
        log = self._logs.get(conversation_id)
        if log is None:
            log = self._logs[conversation_id] = _Log(deque(maxlen=self._keep))
        loop = asyncio.get_running_loop()
        async with log.turn:
            wait = self._wait(log.writes, loop.time())
            if wait > MAX_WAIT_SECONDS:
                raise RateLimited(wait, f"Teams: conversation limit, room in {wait:.0f} s")
            if wait > 0:
                await asyncio.sleep(wait)
            log.writes.append(loop.time())
        self._sweep(loop.time())

    def _wait(self, writes: deque[float], now: float) -> float:
        wait = 0.0
        for count, seconds in self.limits:
            if len(writes) >= count:
                # The write `count` back must have left the window before this one goes.
                wait = max(wait, writes[-count] + seconds + MARGIN_SECONDS - now)
        return wait

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < SWEEP_EVERY:
            return
        self._since_sweep = 0
        quiet = [
            conversation
            for conversation, log in self._logs.items()
            if not log.turn.locked() and (not log.writes or log.writes[-1] < now - self._longest)
        ]
        for conversation in quiet:
            del self._logs[conversation]

    def tracked(self) -> int:
        """How many conversations have a log (for tests of the sweep)."""
        return len(self._logs)
