"""Test data for the exports: a small cluster class and a plausible 2022-like plan.

The real clusters come from the planner; the exports only need the shape, so the tests use
their own attrs class.  ``plausible_2022_plan`` splits the six regions into 10 clusters by
geography, hosts each at the member nearest the cluster's centre and dates the sessions over
the 15 working days with two trainer teams.  It is *not* the ministry's plan (which is not
public); it is realistic enough to look at.
"""

from __future__ import annotations

import datetime as dt
import math

import attrs

from schedcore.reference import Province, calendar_2022, vietnam_2022

#: How many clusters each region is split into (2 + 2 + 2 + 1 + 1 + 2 = 10).
_SPLITS = {
    "Northern Midlands and Mountains": 2,
    "Red River Delta": 2,
    "North Central and Central Coast": 2,
    "Central Highlands": 1,
    "Southeast": 1,
    "Mekong Delta": 2,
}


@attrs.frozen
class FakeCluster:
    """The planner's ``PlannedCluster`` shape, for tests that must not import the planner."""

    id: int
    host: str
    members: tuple[str, ...]
    date: dt.date | None = None
    trainer_team: str | None = None


def _nearest_to_centre(provinces: list[Province]) -> Province:
    lat = sum(p.lat for p in provinces) / len(provinces)
    lon = sum(p.lon for p in provinces) / len(provinces)
    return min(provinces, key=lambda p: math.hypot(p.lat - lat, p.lon - lon))


def plausible_2022_plan(*, dated: bool = True) -> tuple[FakeCluster, ...]:
    table = vietnam_2022()
    groups: list[list[Province]] = []
    for region in table.regions:
        provinces = list(table.in_region(region))
        parts = _SPLITS.get(region, 1)
        # Split along the region's longer axis so each part is compact.
        lat_span = max(p.lat for p in provinces) - min(p.lat for p in provinces)
        lon_span = max(p.lon for p in provinces) - min(p.lon for p in provinces)
        provinces.sort(key=(lambda p: -p.lat) if lat_span >= lon_span else (lambda p: p.lon))
        size = math.ceil(len(provinces) / parts)
        groups.extend(provinces[i : i + size] for i in range(0, len(provinces), size))
    groups.sort(key=lambda group: -max(p.lat for p in group))
    days = calendar_2022().working_days()
    clusters = []
    for index, group in enumerate(groups):
        north = index < len(groups) // 2
        # Two teams, each starting at either end of the country and moving every other day.
        day = days[(index if north else index - len(groups) // 2) * 3] if dated else None
        clusters.append(
            FakeCluster(
                id=index + 1,
                host=_nearest_to_centre(group).code,
                members=tuple(sorted(p.code for p in group)),
                date=day,
                trainer_team=("Team North" if north else "Team South") if dated else None,
            )
        )
    return tuple(clusters)
