"""Which country a person is probably in, from their time zone: the system's zone.tab
(tzdata's table of zones by country). None when the zone or the table is unknown."""

from __future__ import annotations

from functools import cache
from pathlib import Path

ZONE_TABLES = (Path("/usr/share/zoneinfo/zone.tab"), Path("/usr/share/zoneinfo/zone1970.tab"))


@cache
def _countries_by_zone() -> dict[str, str]:
    found: dict[str, str] = {}
    for table in ZONE_TABLES:
        try:
            lines = table.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                # zone1970.tab lists several countries for a shared zone: the first is
                # the zone's own.
                found.setdefault(fields[2], fields[0].split(",")[0])
    return found


def country_of(timezone: str | None) -> str | None:
    if not timezone:
        return None
    return _countries_by_zone().get(timezone)
