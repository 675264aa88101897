"""Shared by the time tests: UTC moments, a schedule's next fires, and how they read locally."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.pulses.schedule import Schedule, next_fire


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fires(schedule: Schedule, zone: ZoneInfo, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = next_fire(schedule, zone, after)
        found.append(after)
    return found


def local(moments: list[datetime], zone: ZoneInfo) -> list[str]:
    return [moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for moment in moments]
