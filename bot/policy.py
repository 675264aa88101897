"""The organisation's defaults for reaching people: quiet hours and the fatigue cap.

Part of the neutral model: the context carries them, and the outbox's send rules
apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

QUIET_START = time(19, 0)
QUIET_END = time(7, 0)


@dataclass(frozen=True)
class FatigueCap:
    """Organisation-wide: at most `max_prompts` per person in any `days` days, reminders too."""

    max_prompts: int = 2
    days: int = 7

    def __post_init__(self) -> None:
        if self.max_prompts < 1 or self.days < 1:
            raise ValueError("a fatigue cap needs at least one prompt in at least one day")

    @property
    def period(self) -> timedelta:
        return timedelta(days=self.days)
