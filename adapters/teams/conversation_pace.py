"""Teams' limits per conversation: what the bot writes into one chat or channel.

Microsoft documents them per bot per thread, in sliding windows: 7 messages in any
1 s, 8 in 2 s, 60 in 30 s and 1800 in an hour. A burst of idea cards to the
leaders' channel (and the updates to those cards) would otherwise meet 429s, which
hold the whole tenant's outbox. The outbox's per-tenant pacer (bot/send_limits.py)
cannot see conversations, so each conversation keeps a log of its writes here.

A write takes the earliest time every window has room for, in order of asking, and
sleeps until then with nothing held; its entry is moved to when the write finished,
since Teams saw it no later than that. A wait over MAX_WAIT_SECONDS, or any wait for
a caller that must not sleep (the outbox's paced sends), is not taken: it is raised
as ConversationBusy, a RateLimited for this conversation only. A 1:1 chat gets one
prompt at a time and never waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from bot.errors import ConversationBusy

# (messages, seconds): Microsoft's "per bot per thread" limits for sending to a conversation.
THREAD_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# Teams counts arrivals; writes started together may arrive a little bunched.
MARGIN_SECONDS = 0.05
MAX_WAIT_SECONDS = 10.0
# Logs of conversations quiet for longer than the longest window are dropped now and then.
SWEEP_EVERY = 1000


@dataclass(eq=False)  # each write is itself: removed by identity, not by its time
class _Write:
    at: float  # when it may start (a reservation), then when it finished


class ConversationPace:
    def __init__(self, limits: Sequence[tuple[int, float]] = THREAD_LIMITS) -> None:
        if not limits or any(count < 1 or seconds <= 0 for count, seconds in limits):
            raise ValueError("each limit needs at least one message in a positive window")
        self.limits = tuple(limits)
        self._longest = max(seconds for _count, seconds in self.limits)
        self._keep = max(count for count, _seconds in self.limits)
        self._logs: dict[str, deque[_Write]] = {}
        self._since_sweep = 0

    @asynccontextmanager
    async def write(self, conversation_id: str, *, may_wait: bool = True) -> AsyncIterator[None]:
        """Hold one write into the conversation: waits for its turn first, or raises
        ConversationBusy when the wait is over MAX_WAIT_SECONDS (or at all, if not
        `may_wait`). Make the platform call inside the block."""
        loop = asyncio.get_running_loop()
        self._sweep(loop.time())
        writes = self._logs.get(conversation_id)
        if writes is None:
            writes = self._logs[conversation_id] = deque(maxlen=self._keep)
        now = loop.time()
        delay = self._earliest(writes, now) - now
        if delay > 0 and (not may_wait or delay > MAX_WAIT_SECONDS):
            raise ConversationBusy(delay, f"Teams: conversation at its limit for {delay:.1f} s")
        write = _Write(now + max(delay, 0.0))
        writes.append(write)
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                _forget(writes, write)  # never written: its place goes to the next
                raise
        try:
            yield
        finally:
            write.at = max(write.at, loop.time())

    def _earliest(self, writes: deque[_Write], now: float) -> float:
        times = sorted(write.at for write in writes)
        earliest = max(now, times[-1]) if times else now  # in order of asking
        for count, seconds in self.limits:
            if len(times) >= count:
                # The write `count` back must have left the window before this one goes.
                earliest = max(earliest, times[-count] + seconds + MARGIN_SECONDS)
        return earliest

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < SWEEP_EVERY:
            return
        self._since_sweep = 0
        quiet = [
            conversation
            for conversation, writes in self._logs.items()
            if not writes or max(write.at for write in writes) < now - self._longest
        ]
        for conversation in quiet:
            del self._logs[conversation]

    def tracked(self) -> int:
        """How many conversations have a log (for tests of the sweep)."""
        return len(self._logs)


def _forget(writes: deque[_Write], write: _Write) -> None:
    with suppress(ValueError):  # already pushed out of a full log
        writes.remove(write)
