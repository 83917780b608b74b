"""The built-in scenario: Vietnam's September 2022 training of Community Digital Technology Teams.

Facts (from the programme's announcement): 46,105 teams with 212,761 members (as of 5 Sep
2022); in-person training in 10 clusters of localities between 12 and 30 Sep 2022, each session
relayed by video bridge to every commune; targets of 100% of teams trained in person by 30 Sep,
every member following the official information channel by 30 Sep, and 100% of members through
the online course by the end of November.

**Estimates** (the per-province figures and the ministry's cluster list are not public): teams,
members and in-person delegates per province are apportioned in proportion to the province's
number of communes (largest remainder, so the national totals are exact); each commune sends
one delegate (its team leader) to the hall and has one bridge point.
"""

from __future__ import annotations

from datetime import date

from schedcore.calendar import WorkingCalendar
from schedcore.domain.programme_spec import ProgrammeSpec

__all__ = [
    "CLUSTERS_2022",
    "MEMBERS_2022",
    "TEAMS_2022",
    "TIME_ZONE_2022",
    "WINDOW_2022",
    "calendar_2022",
    "programme_2022",
]

TEAMS_2022 = 46_105
MEMBERS_2022 = 212_761
CLUSTERS_2022 = 10
WINDOW_2022 = (date(2022, 9, 12), date(2022, 9, 30))
#: Vietnam has kept UTC+7 without daylight saving since 1975.
TIME_ZONE_2022 = "Asia/Ho_Chi_Minh"


def calendar_2022() -> WorkingCalendar:
    """Monday to Friday, 12-30 Sep 2022, Vietnam's 2022 public holidays: 15 working days."""
    from schedcore.programmes.builtin import builtin_programme

    return builtin_programme().calendar


def programme_2022() -> ProgrammeSpec:
    """The 2022 programme over the 63 provinces, with per-province figures estimated: the
    built-in programme file (``schedcore/programmes/data/vietnam_2022``) as a spec."""
    from schedcore.programmes.builtin import builtin_programme

    return builtin_programme().spec()
