"""How fast the outbox may send to one workspace (a Slack workspace, a Teams tenant).

A pacer per workspace, sized to the platform's documented limit: never more than the
limit in any one-second window, and close to it over time. (aiolimiter's leaky bucket
was tried first: with no burst allowed, every timer's lateness is lost for good and it
reached only about 85% of 200/s; allowing a burst lets a window go over.) A 429's
Retry-After pauses that workspace's whole queue, not just the message that got it (on
the bot's clock: the rows wait in the outbox, nobody sleeps).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from datetime import datetime

# Messages per second per workspace. Slack: chat.postMessage allows about one message
# per second per channel and "several hundred per minute" per workspace; each DM is its
# own channel, so the workspace figure binds (300/min). Teams: about 30 requests per
# second per app per tenant. The local chat has no limit.
DEFAULT_RATES: Mapping[str, float] = {"slack": 5.0, "teams": 30.0}


class SendLimits:
    def __init__(
        self, rates: Mapping[str, float] | None = None, override: float | None = None
    ) -> None:
        self._rates = dict(DEFAULT_RATES if rates is None else rates)
        self._override = override  # THRIVE_SEND_RATE: one figure for every platform
        self._pacers: dict[tuple[str, str], Pacer] = {}
        self._paused_until: dict[tuple[str, str], datetime] = {}

    def rate(self, platform: str) -> float | None:
        """Messages per second for one workspace of this platform; None: unlimited."""
        rate = self._override if self._override is not None else self._rates.get(platform)
        return rate if rate else None

    async def acquire(self, platform: str, workspace: str) -> None:
        """Wait for this workspace's next slot (no wait where the platform has no limit)."""
        rate = self.rate(platform)
        if rate is None:
            return
        key = (platform, workspace)
        pacer = self._pacers.get(key)
        if pacer is None:
            pacer = self._pacers[key] = Pacer(rate)
        await pacer.acquire()

    def pause(self, platform: str, workspace: str, until: datetime) -> None:
        """The platform said Retry-After: nothing more goes to that workspace until then."""
        key = (platform, workspace)
        current = self._paused_until.get(key)
        self._paused_until[key] = until if current is None else max(current, until)

    def paused_until(self, platform: str, workspace: str, now: datetime) -> datetime | None:
        until = self._paused_until.get((platform, workspace))
        return until if until is not None and until > now else None


class Pacer:
    """One slot every 1/rate seconds; a send that comes late may use the few slots it
    missed (so timer lateness is not lost), but a log of the last `rate` sends keeps any
    one-second window at or under the rate."""

    CATCH_UP_SLOTS = 2
    # The platform counts arrivals, not departures: network jitter bunches them, so the
    # pace keeps a little headroom below the limit.
    HEADROOM = 0.97

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * self.HEADROOM)
        self._recent: deque[float] = deque(maxlen=max(1, int(rate * self.HEADROOM)))
        self._next_slot = 0.0
        self._turn = asyncio.Lock()  # one waiter at a time, in arrival order

    async def acquire(self) -> None:
        async with self._turn:
            loop = asyncio.get_running_loop()
            now = loop.time()
            slot = max(self._next_slot, now - self.interval * self.CATCH_UP_SLOTS)
            wait = slot - now
            if len(self._recent) == self._recent.maxlen:
                wait = max(wait, self._recent[0] + 1.0 - now)
            if wait > 0:
                await asyncio.sleep(wait)
            self._recent.append(loop.time())
            self._next_slot = slot + self.interval
