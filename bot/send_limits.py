"""How fast the outbox may send to one workspace (a Slack workspace, a Teams tenant).

A leaky bucket per workspace from aiolimiter, sized to the platform's documented limit,
with no burst (one message per 1/rate seconds) so the rate is never exceeded; a 429's
Retry-After pauses that workspace's whole queue, not just the message that got it (on
the bot's clock: the rows wait in the outbox, nobody sleeps).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aiolimiter import AsyncLimiter

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
        self._limiters: dict[tuple[str, str], AsyncLimiter] = {}
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
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = AsyncLimiter(1, 1 / rate)
        await limiter.acquire()

    def pause(self, platform: str, workspace: str, until: datetime) -> None:
        """The platform said Retry-After: nothing more goes to that workspace until then."""
        key = (platform, workspace)
        current = self._paused_until.get(key)
        self._paused_until[key] = until if current is None else max(current, until)

    def paused_until(self, platform: str, workspace: str, now: datetime) -> datetime | None:
        until = self._paused_until.get((platform, workspace))
        return until if until is not None and until > now else None
