"""hypothesis strategies shared by the test suite (one place, as the style guide asks)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import InvalidInputError
from schedcore.planning.problem import Problem, TrainerTeam, Unit, Weights
from schedcore.reference import calendar_2022, vietnam_2022
from schedcore.security import Actor
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


# -- projections: random command sequences over the small test programme ---------------------
# (tests/projections/conftest.py: provinces 01 and 02 in cluster 1, 04 and 06 in cluster 2)

_PROVINCES = st.sampled_from(["01", "02", "04", "06"])
_CLUSTERS = st.sampled_from([1, 2])
#: Member k of a province: team k // 2, commune k // 4 (so identities never contradict).
_MEMBER_NUMBERS = st.lists(st.integers(0, 11), min_size=1, max_size=6)

_ATTEND = st.tuples(
    st.just("attend"),
    _PROVINCES,
    st.sampled_from(["hall", "bridge", "absent"]),
    _MEMBER_NUMBERS,
)
_ONLINE = st.tuples(
    st.just("online"),
    _PROVINCES,
    st.sampled_from(["course", "channel"]),
    st.integers(0, 60),
    _MEMBER_NUMBERS,
)
_VOID = st.tuples(
    st.just("void"),
    _PROVINCES,
    st.sampled_from(["hall", "bridge", "absent", "course", "channel"]),
    _MEMBER_NUMBERS,
)

#: Recording and voiding come up more often than planning changes: they are most of a log.
projection_commands = st.lists(
    st.one_of(
        _ATTEND,
        _ONLINE,
        _VOID,
        _ATTEND,
        _ONLINE,
        _VOID,
        st.tuples(st.just("enrol"), _PROVINCES, _MEMBER_NUMBERS),
        st.tuples(st.just("move"), _PROVINCES, _CLUSTERS),
        st.tuples(st.just("withdraw"), _PROVINCES),
        st.tuples(st.just("assign"), _PROVINCES, _CLUSTERS),
        st.tuples(st.just("host"), _CLUSTERS, _PROVINCES),
        st.tuples(st.just("trainer"), _CLUSTERS, st.sampled_from(["trainers-A", "trainers-C"])),
        st.tuples(st.just("reschedule"), _CLUSTERS, st.integers(0, 14)),
        st.tuples(st.just("cancel"), _CLUSTERS),
        st.tuples(st.just("reinstate"), _CLUSTERS, st.integers(0, 14)),
        st.tuples(st.just("held"), _CLUSTERS),
        st.tuples(
            st.just("connect"),
            _CLUSTERS,
            st.lists(st.tuples(_PROVINCES, st.integers(0, 3)), min_size=1, max_size=3),
        ),
        st.tuples(
            st.just("disconnect"),
            _CLUSTERS,
            st.lists(st.tuples(_PROVINCES, st.integers(0, 3)), min_size=1, max_size=2),
        ),
        st.tuples(
            st.just("target"),
            st.sampled_from(
                ["teams_trained_in_person", "members_online_course", "members_following_channel"]
            ),
            st.sampled_from([0.5, 0.8, 1.0]),
        ),
        st.tuples(st.just("catch_up"), st.integers(0, 6)),
    ),
    min_size=8,
    max_size=40,
)


# --- actors, for roles and scopes --------------------------------------------------------

_names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    min_size=1,
    max_size=20,
).filter(str.strip)


def _operator_or_none(name: str) -> Actor | None:
    """An operator of that name, or None if the name reads as a role's text form."""
    try:
        return Actor.operator(name)
    except InvalidInputError:
        return None


#: Any valid actor: a planner, a coordinator of a cluster or a province, or an operator.
actors = st.one_of(
    st.builds(Actor.planner, _names),
    st.builds(Actor.cluster_coordinator, _names, st.integers(1, 500)),
    st.builds(
        Actor.province_coordinator,
        _names,
        st.text("0123456789ABCDEFXYZ-. ", min_size=1, max_size=4).filter(str.strip),
    ),
    _names.map(_operator_or_none).filter(lambda a: a is not None),
)


# --- a small programme, for the stateful test of the application ----------------------------

#: Eight provinces in three clusters: small enough that commands keep colliding.
SMALL_UNITS = ("01", "02", "04", "06", "08", "10", "11", "12")
SMALL_CLUSTERS = (1, 2, 3)
SMALL_DAYS = (*calendar_2022().working_days()[:5], date(2022, 9, 17), date(2022, 10, 3))
#: Members of each small unit: a member's team and commune follow from its number, except
#: for a few rows drawn with a wrong team, which the rules must refuse.
SMALL_MEMBERS = tuple(f"m{i}" for i in range(8))


@st.composite
def small_plans(draw: st.DrawFn, *, dated: bool = False) -> tuple[FakeCluster, ...]:
    """A plan over some of the small units in up to three clusters (sometimes invalid);
    ``dated``: every cluster has a working day of its own."""
    units = draw(st.lists(st.sampled_from(SMALL_UNITS), min_size=1, max_size=8, unique=True))
    count = draw(st.integers(1, min(3, len(units))))
    clusters = []
    for number in range(1, count + 1):
        members = tuple(sorted(units[number - 1 :: count]))
        clusters.append(
            FakeCluster(
                id=number,
                host=draw(st.sampled_from(members)),
                members=members,
                date=SMALL_DAYS[number - 1]
                if dated
                else draw(st.none() | st.sampled_from(SMALL_DAYS)),
                trainer_team=draw(st.none() | st.sampled_from(["A", "B"])),
            )
        )
    return tuple(clusters)


@st.composite
def small_attendance_rows(draw: st.DrawFn, day_of: dict[str, date]) -> list[AttendanceRow]:
    """Rows for the small units; in-person rows mostly on the unit's session day."""
    rows = []
    units = draw(st.lists(st.sampled_from(SMALL_UNITS), min_size=1, max_size=2, unique=True))
    for _ in range(draw(st.integers(1, 6))):
        unit = draw(st.sampled_from(units))
        index = draw(st.integers(0, len(SMALL_MEMBERS) - 1))
        activity = draw(st.sampled_from(list(Activity)))
        if activity in (Activity.COURSE, Activity.CHANNEL):
            day = draw(st.sampled_from(SMALL_DAYS))
        else:
            day = draw(st.sampled_from([day_of.get(unit, SMALL_DAYS[0])] * 4 + [SMALL_DAYS[2]]))
        team = f"{unit}-t{index // 3}" if draw(st.integers(0, 19)) else f"{unit}-t9"
        rows.append(
            AttendanceRow(SMALL_MEMBERS[index], team, unit, f"{unit}-c{index // 6}", activity, day)
        )
    return rows


# --- reservations, for the invariants ------------------------------------------------------

#: A few days and clusters, so that random operations collide often.
RESERVATION_DAYS = tuple(MONDAY + timedelta(days=k) for k in range(3))
RESERVATION_CLUSTERS = (1, 2, 3)

#: One operation on a trainer team's diary: ("reserve" | "release", day, cluster).
diary_operations = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "release"]),
        st.sampled_from(RESERVATION_DAYS),
        st.sampled_from(RESERVATION_CLUSTERS),
    ),
    max_size=30,
)

#: One operation on a bridge day: ("reserve", cluster, points, capacity) or
#: ("release", cluster, 0, None); capacities vary, as a programme's cap may change.
bridge_day_operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("reserve"),
            st.sampled_from(RESERVATION_CLUSTERS),
            st.integers(0, 12),
            st.none() | st.integers(0, 20),
        ),
        st.tuples(st.just("release"), st.sampled_from(RESERVATION_CLUSTERS), st.just(0), st.none()),
    ),
    max_size=30,
)
