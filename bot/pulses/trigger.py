"""An APScheduler trigger that fires a pulse's schedule in one time zone.

CronTrigger alone cannot say "every other week" or "inside the send window"; `next_fire`
can, so the scheduler asks it. Triggers are pickled into the job table: keep the state
small and versioned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]

from bot.local_time import describe_days
from bot.pulses.schedule import Schedule, ScheduleError, next_fire

_STATE_VERSION = 1


class PulseTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no types
    """Fires when `schedule` fires for someone living in the zone named `zone`."""

    __slots__ = ("_zone", "schedule", "zone")

    def __init__(self, schedule: Schedule, zone: str) -> None:
        self.schedule = schedule
        self.zone = zone
        self._zone = ZoneInfo(zone)  # an unknown name fails here, not at the first fire

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # With no previous fire, `now` itself may be a fire time: next_fire is strictly after.
        after = previous_fire_time or now - timedelta(microseconds=1)
        try:
            return next_fire(self.schedule, self._zone, after)
        except ScheduleError:
            return None  # never fires: APScheduler pauses the job

    def __getstate__(self) -> dict[str, Any]:
        return {"version": _STATE_VERSION, "schedule": self.schedule, "zone": self.zone}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version", 1) > _STATE_VERSION:
            raise ValueError(
                f"PulseTrigger state version {state['version']} is newer than this code "
                f"({_STATE_VERSION}): was the job stored by a newer release?"
            )
        self.__init__(state["schedule"], state["zone"])  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PulseTrigger):
            return NotImplemented
        return (self.schedule, self.zone) == (other.schedule, other.zone)

    def __hash__(self) -> int:
        return hash((self.schedule, self.zone))

    def __str__(self) -> str:
        schedule = self.schedule
        what = schedule.preset.value if schedule.preset is not None else f"cron[{schedule.cron}]"
        window = schedule.window
        return (
            f"pulse[{what}, {describe_days(window.days)} {window.start:%H:%M}-{window.end:%H:%M}, "
            f"anchor {schedule.anchor}, {self.zone}]"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({self})>"
