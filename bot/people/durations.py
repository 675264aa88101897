"""How long a snooze may be, as people type it: '2h', '3 days', 'tomorrow'."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^(\d{1,3})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$", re.IGNORECASE
)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
MIN_SNOOZE = timedelta(minutes=15)
MAX_SNOOZE = timedelta(days=90)


def parse_duration(text: str) -> timedelta:
    """'2h', '3 days', '1 week', 'tomorrow' -> a timedelta.

    ValueError if unreadable or outside 15 minutes to 90 days.
    """
    cleaned = text.strip().lower().removeprefix("for ").strip()
    if cleaned in ("tomorrow", "a day", "1day"):
        return timedelta(days=1)
    if cleaned in ("a week", "next week"):
        return timedelta(weeks=1)
    match = _DURATION.match(cleaned)
    if not match:
        raise ValueError(f"unreadable duration {text!r}")
    amount, unit = int(match.group(1)), match.group(2)[0].lower()
    duration = timedelta(seconds=amount * _UNIT_SECONDS[unit])
    if not MIN_SNOOZE <= duration <= MAX_SNOOZE:
        raise ValueError(f"duration {text!r} out of range")
    return duration
