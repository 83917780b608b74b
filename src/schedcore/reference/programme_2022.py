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

from schedcore.calendar import VIETNAM_HOLIDAYS_2022, WorkingCalendar
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.reference.apportion import apportion
from schedcore.reference.provinces import ProvinceTable, vietnam_2022

__all__ = [
    "CLUSTERS_2022",
    "MEMBERS_2022",
    "TEAMS_2022",
    "WINDOW_2022",
    "programme_2022",
]

TEAMS_2022 = 46_105
MEMBERS_2022 = 212_761
CLUSTERS_2022 = 10
WINDOW_2022 = (date(2022, 9, 12), date(2022, 9, 30))


def calendar_2022() -> WorkingCalendar:
    """Monday to Friday, 12-30 Sep 2022, Vietnam's 2022 public holidays: 15 working days."""
    return WorkingCalendar(*WINDOW_2022, holidays=VIETNAM_HOLIDAYS_2022)


def programme_2022(provinces: ProvinceTable | None = None) -> ProgrammeSpec:
    """The 2022 programme over the 63 provinces, with per-province figures estimated."""
    table = provinces or vietnam_2022()
    communes = {p.code: p.communes for p in table}
    return ProgrammeSpec(
        name="Community Digital Technology Teams training, September 2022",
        calendar=calendar_2022(),
        clusters=CLUSTERS_2022,
        teams=apportion(TEAMS_2022, communes),
        members=apportion(MEMBERS_2022, communes),
        delegates=dict(communes),
        bridge_points=dict(communes),
        targets=(
            Target(Measure.TEAMS_TRAINED_IN_PERSON, 1.0, date(2022, 9, 30)),
            Target(Measure.MEMBERS_FOLLOWING_CHANNEL, 1.0, date(2022, 9, 30)),
            Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 11, 30)),
        ),
        notes=(
            "Per-province teams, members and delegates are estimates proportional to communes; "
            "national totals are the published figures of 5 Sep 2022."
        ),
    )
