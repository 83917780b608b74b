"""hypothesis strategies shared by the test suite (one place, as the style guide asks)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from schedcore.planning.problem import Problem, TrainerTeam, Unit, Weights
from schedcore.reference import calendar_2022, vietnam_2022
from tests.exports.plans import FakeCluster

# --- plans, for the exports ----------------------------------------------------------------


@st.composite
def plan_clusters(draw: st.DrawFn) -> tuple[FakeCluster, ...]:
    """The clusters of a valid plan over some of the 63 provinces of 2022.

    Each unit is in exactly one cluster, each host is a member, ids are distinct but not
    necessarily 1..P, and dates and trainer teams may be missing.
    """
    codes = draw(
        st.lists(st.sampled_from(vietnam_2022().codes), min_size=1, max_size=20, unique=True)
    )
    count = draw(st.integers(min_value=1, max_value=len(codes)))
    # Split the drawn codes at count - 1 distinct cut points: every cluster gets a member.
    cuts = (
        sorted(
            draw(st.sets(st.integers(1, len(codes) - 1), min_size=count - 1, max_size=count - 1))
        )
        if count > 1
        else []
    )
    bounds = [0, *cuts, len(codes)]
    ids = draw(st.lists(st.integers(1, 500), min_size=count, max_size=count, unique=True))
    days = calendar_2022().working_days()
    clusters = []
    for index in range(count):
        members = tuple(sorted(codes[bounds[index] : bounds[index + 1]]))
        clusters.append(
            FakeCluster(
                id=ids[index],
                host=draw(st.sampled_from(members)),
                members=members,
                date=draw(st.none() | st.sampled_from(days)),
                trainer_team=draw(
                    st.none()
                    | st.text("ABCXYZ abc-,\"'", min_size=1, max_size=8).map(str.strip).filter(bool)
                ),
            )
        )
    return tuple(clusters)


# --- people, for the core -----------------------------------------------------------------

#: Vietnamese-looking personal names (with diacritics) and phone numbers: personal data.
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nam", "Phúc"]

person_names = st.builds(
    lambda f, m, g, n: f"{f} {m} {g} {n:04d}",
    st.sampled_from(FAMILY),
    st.sampled_from(MIDDLE),
    st.sampled_from(GIVEN),
    st.integers(0, 9999),
)
phone_numbers = st.builds(
    lambda prefix, rest: f"+84 {prefix} {rest:07d}",
    st.sampled_from(["90", "91", "93", "96", "97", "98", "86", "88"]),
    st.integers(0, 9_999_999),
)
#: A member identifier as a coordinator would type it: a name or a phone number.
member_ids = st.one_of(person_names, phone_numbers)


# --- planning problems, for the planner ---------------------------------------------------

MONDAY = date(2022, 9, 12)


@st.composite
def tiny_planning_problems(draw: st.DrawFn, *, max_units: int = 5) -> Problem:
    """Problems small enough to solve by exhaustive search: a few units on a 10 x 10 grid.

    Halls, sizes, blackouts, days, teams, bridge capacity and the travel-day rule are all drawn
    so that every hard constraint sometimes binds and some problems are infeasible.
    """
    n = draw(st.integers(2, max_units))
    clusters = draw(st.integers(1, min(2, n)))
    with_dates = draw(st.sampled_from([False, True, True]))
    days = [MONDAY + timedelta(days=k) for k in range(draw(st.integers(1, 3)))]
    units = []
    for k in range(n):
        can_host = draw(st.sampled_from([True, True, True, False])) or k == 0
        blackout = (
            draw(st.frozensets(st.sampled_from(days), max_size=1))
            if with_dates and len(days) > 1
            else frozenset()
        )
        units.append(
            Unit(
                code=f"u{k}",
                name=f"Unit {k}",
                demand=draw(st.integers(0, 4)),
                capacity=draw(st.integers(6, 20)) if can_host else None,
                x=draw(st.integers(0, 10)),
                y=draw(st.integers(0, 10)),
                communes=draw(st.integers(0, 3)),
                blackout=blackout,
            )
        )
    max_size = draw(st.one_of(st.none(), st.none(), st.integers(2, n)))
    min_size = draw(st.sampled_from([1, 1, 2]))
    if max_size is not None and max_size < min_size:
        max_size = min_size
    teams = draw(st.integers(0, 2)) if with_dates else 0
    return Problem(
        units=units,
        clusters=clusters,
        min_size=min_size,
        max_size=max_size,
        days=days if with_dates else None,
        trainer_teams=[TrainerTeam(f"T{k + 1}") for k in range(teams)],
        bridge_capacity=draw(st.one_of(st.none(), st.integers(4, 9))) if with_dates else None,
        travel_day_km=draw(st.one_of(st.none(), st.integers(3, 8))),
        weights=Weights(delegate_travel=1, trainer_travel=draw(st.sampled_from([0, 1, 3]))),
        time_limit=20.0,
        workers=draw(st.sampled_from([1, 1, 2])),
        seed=0,
    )
