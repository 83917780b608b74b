"""One test per invariant: the single ``Scheduler`` command that would break it is refused.

Each test starts from the standard plan (``tests/core/conftest.py``): cluster *n* meets on the
*n*-th working day of September 2022 (cluster 1 on Mon 12, 2 on Tue 13, 3 on Wed 14, ...), the
odd clusters run by ``trainers-A`` and the even ones by ``trainers-B``; every hall seats exactly
its members' delegates and there is no daily bridge cap until a test sets one.  It then sends
the one command that would break the invariant and checks that it raises
``RuleViolationError`` naming the registered rule, that the store's log did not move, and that
every aggregate the command could have written (sessions, clusters, placements, the programme,
the trainer teams' diaries and the days' bridge reservations) is exactly as it was.

The reservations must also be *released*: a day a session leaves is free again for the team
and for the bridge.  And a store written before the reservations existed (the events of
schedcore 0.1, ``tests/fixtures/events_v1.json``) has sessions but no reservations: a diary or
bridge day opened there for the first time must hold the sessions already in force.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from schedcore.application import Scheduler
from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain import BridgeDay, TrainerTeamDiary
from schedcore.domain.ids import (
    bridge_day_id,
    cluster_id,
    placement_id,
    session_id,
    trainer_team_diary_id,
)
from schedcore.domain.rule_names import RULES, RuleKind
from schedcore.errors import RuleViolationError
from tests.conftest import PostgresTarget
from tests.core.conftest import STORES, Planned, spec_2022, standard_plan, store_url_for

A, B = "trainers-A", "trainers-B"
MON, TUE, WED, THU, FRI = (date(2022, 9, d) for d in (12, 13, 14, 15, 16))
SAT = date(2022, 9, 17)
#: A working day of the window that the standard plan leaves free for every team.
FREE = date(2022, 9, 26)
LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "events_v1.json"


# -- what "nothing written" means ------------------------------------------------------------


def _state(app: Scheduler, aggregate_id: UUID) -> tuple[int, dict[str, Any]] | None:
    """An aggregate as the store has it now (version and attributes), or None if missing."""
    found = app._find(Aggregate, aggregate_id)
    if found is None:
        return None
    return found.version, {k: v for k, v in vars(found).items() if not k.startswith("_")}


def refused(app: Scheduler, rule: str, command: Callable[[], object], *watched: UUID) -> str:
    """``command`` is refused with ``rule`` (an invariant of the registry) and writes nothing:
    the log does not move and every ``watched`` aggregate (or its absence) is as it was."""
    assert RULES[rule].kind is RuleKind.INVARIANT
    position = app.max_notification_id()
    before = {i: _state(app, i) for i in watched}
    with pytest.raises(RuleViolationError) as raised:
        command()
    assert raised.value.rule == rule, str(raised.value)
    assert app.max_notification_id() == position, "a refused command wrote events"
    assert {i: _state(app, i) for i in watched} == before, "a refused command changed state"
    return str(raised.value)


class Ids:
    """The ids of one programme's aggregates, by what they are about."""

    def __init__(self, app: Scheduler, programme: str | None = None) -> None:
        self.pid = app.programme_id(programme)

    def session(self, *numbers: int) -> list[UUID]:
        return [session_id(self.pid, n) for n in numbers]

    def cluster(self, *numbers: int) -> list[UUID]:
        return [cluster_id(self.pid, n) for n in numbers]

    def placement(self, *provinces: str) -> list[UUID]:
        return [placement_id(self.pid, p) for p in provinces]

    def diary(self, *teams: str) -> list[UUID]:
        return [trainer_team_diary_id(self.pid, t) for t in teams]

    def bridge_day(self, *days: date) -> list[UUID]:
        return [bridge_day_id(self.pid, d) for d in days]

    def everything(self, clusters: tuple[int, ...], days: tuple[date, ...]) -> list[UUID]:
        """The programme, these clusters and their sessions, both diaries, these days."""
        return [
            self.pid,
            *self.cluster(*clusters),
            *self.session(*clusters),
            *self.diary(A, B),
            *self.bridge_day(*days),
        ]


def diary_days(app: Scheduler, team: str, programme: str | None = None) -> dict[date, int]:
    found = app._find(TrainerTeamDiary, Ids(app, programme).diary(team)[0])
    return {} if found is None else dict(found.days)


def bridge_points_on(app: Scheduler, day: date, programme: str | None = None) -> dict[int, int]:
    found = app._find(BridgeDay, Ids(app, programme).bridge_day(day)[0])
    return {} if found is None else dict(found.points)


def points(province: str, count: int, prefix: str = "commune") -> list[tuple[str, str]]:
    return [(province, f"{prefix} {k}") for k in range(count)]


def test_the_standard_plan_is_what_these_tests_assume() -> None:
    plan = {c.id: c for c in standard_plan()}
    assert [(plan[n].date, plan[n].trainer_team) for n in (1, 2, 3)] == [
        (MON, A),
        (TUE, B),
        (WED, A),
    ]
    assert FREE not in {c.date for c in plan.values()}
    assert "02" in plan[1].members and {"12", "14"} <= set(plan[2].members)


# -- trainer_one_session_a_day ---------------------------------------------------------------


def test_a_session_cannot_be_moved_onto_a_day_its_team_already_works(planned: Scheduler) -> None:
    ids = Ids(planned)
    message = refused(
        planned,
        "trainer_one_session_a_day",
        lambda: planned.reschedule_session(3, MON, actor="planner"),
        *ids.everything((1, 3), (MON, WED)),
    )
    assert "cluster 1" in message
    assert diary_days(planned, A)[MON] == 1
    assert planned.session(3).day == WED


def test_a_cluster_cannot_be_given_a_team_that_works_elsewhere_that_day(
    planned: Scheduler,
) -> None:
    planned.reschedule_session(2, WED, actor="planner")  # B is free on Wed; A runs cluster 3
    ids = Ids(planned)
    refused(
        planned,
        "trainer_one_session_a_day",
        lambda: planned.assign_trainer_team(2, A, actor="planner"),
        *ids.everything((2, 3), (WED,)),
    )
    assert planned.cluster(2).trainer_team == B
    assert diary_days(planned, B)[WED] == 2


def test_a_session_cannot_be_reinstated_on_a_day_its_team_works_elsewhere(
    planned: Scheduler,
) -> None:
    planned.cancel_session(3, reason="typhoon", actor="planner")
    ids = Ids(planned)
    refused(
        planned,
        "trainer_one_session_a_day",
        lambda: planned.reinstate_session(3, MON, actor="planner"),
        *ids.everything((1, 3), (MON, WED)),
    )
    assert str(planned.session(3).status) == "cancelled"


def test_a_new_session_cannot_be_scheduled_on_a_day_its_team_works_elsewhere(
    planned: Scheduler,
) -> None:
    plan = standard_plan()
    last = plan[9].members[-1]
    plan[9] = attrs.evolve(plan[9], members=plan[9].members[:-1])
    planned.apply_plan([*plan, Planned(11, last, (last,), None, A)], actor="planner")
    assert planned._find(Aggregate, Ids(planned).session(11)[0]) is None
    ids = Ids(planned)
    refused(
        planned,
        "trainer_one_session_a_day",
        lambda: planned.schedule_session(11, MON, actor="planner"),
        *ids.everything((1, 11), (MON,)),
    )
    planned.schedule_session(11, FREE, actor="planner")  # a day A has free is fine
    assert diary_days(planned, A)[FREE] == 11


# -- bridge_capacity: the programme's daily cap ----------------------------------------------


def test_connecting_bridge_points_cannot_push_a_day_over_the_daily_cap(planned: Scheduler) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.reschedule_session(2, MON, actor="planner")  # B is free on Mon: two sessions Mon
    planned.connect_bridge_points(1, points("01", 2), actor="coordinator")
    ids = Ids(planned)
    message = refused(
        planned,
        "bridge_capacity",
        lambda: planned.connect_bridge_points(2, points("11", 2), actor="coordinator"),
        *ids.everything((1, 2), (MON, TUE)),
    )
    assert "daily capacity is 3" in message
    assert bridge_points_on(planned, MON) == {1: 2}
    planned.connect_bridge_points(2, points("11", 1), actor="coordinator")  # up to the cap
    assert bridge_points_on(planned, MON) == {1: 2, 2: 1}


def test_a_session_with_bridge_points_cannot_move_onto_a_full_day(planned: Scheduler) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.connect_bridge_points(1, points("01", 3), actor="coordinator")
    planned.connect_bridge_points(2, points("11", 1), actor="coordinator")
    ids = Ids(planned)
    refused(
        planned,
        "bridge_capacity",
        lambda: planned.reschedule_session(2, MON, actor="planner"),
        *ids.everything((1, 2), (MON, TUE)),
    )
    assert (bridge_points_on(planned, MON), bridge_points_on(planned, TUE)) == ({1: 3}, {2: 1})


def test_a_session_with_bridge_points_cannot_be_reinstated_on_a_full_day(
    planned: Scheduler,
) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.connect_bridge_points(1, points("01", 3), actor="coordinator")
    planned.connect_bridge_points(2, points("11", 1), actor="coordinator")
    planned.cancel_session(2, reason="typhoon", actor="planner")
    ids = Ids(planned)
    refused(
        planned,
        "bridge_capacity",
        lambda: planned.reinstate_session(2, MON, actor="planner"),
        *ids.everything((1, 2), (MON, TUE)),
    )


def test_the_daily_cap_cannot_go_below_what_a_day_has_connected(planned: Scheduler) -> None:
    planned.connect_bridge_points(1, points("01", 3), actor="coordinator")
    ids = Ids(planned)
    refused(
        planned,
        "bridge_capacity",
        lambda: planned.change_daily_bridge_capacity(2, actor="ministry"),
        *ids.everything((1,), (MON,)),
    )
    assert planned.programme().daily_bridge_capacity is None
    planned.change_daily_bridge_capacity(3, actor="ministry")
    assert planned.programme().daily_bridge_capacity == 3


# -- hall_capacity ---------------------------------------------------------------------------


def test_a_hall_cannot_shrink_below_the_seats_allotted_in_it(planned: Scheduler) -> None:
    seats = planned.session(1).seats_allotted
    refused(
        planned,
        "hall_capacity",
        lambda: planned.change_capacity(1, hall_capacity=seats - 1, actor="planner"),
        *Ids(planned).everything((1,), (MON,)),
    )
    planned.change_capacity(1, hall_capacity=seats, actor="planner")


def test_a_province_cannot_be_assigned_to_a_cluster_whose_hall_is_full(
    planned: Scheduler,
) -> None:
    planned.withdraw_province("12", reason="late", actor="planner")
    ids = Ids(planned)
    refused(
        planned,
        "hall_capacity",
        lambda: planned.assign_province("12", 1, actor="planner"),
        *ids.everything((1, 2), (MON,)),
        *ids.placement("12"),
    )
    assert planned.province_cluster("12") is None


def test_a_province_cannot_move_into_a_cluster_whose_hall_is_full(planned: Scheduler) -> None:
    ids = Ids(planned)
    refused(
        planned,
        "hall_capacity",
        lambda: planned.move_province("12", 1, reason="closer", actor="planner"),
        *ids.everything((1, 2), (MON, TUE)),
        *ids.placement("12"),
    )
    assert planned.province_cluster("12") == 2


# -- province_in_one_cluster -----------------------------------------------------------------


def test_a_province_already_in_a_cluster_cannot_be_assigned_to_another(
    planned: Scheduler,
) -> None:
    planned.change_capacity(2, hall_capacity=100_000, actor="planner")  # room in the hall
    ids = Ids(planned)
    refused(
        planned,
        "province_in_one_cluster",
        lambda: planned.assign_province("02", 2, actor="planner"),
        *ids.everything((1, 2), (MON, TUE)),
        *ids.placement("02"),
    )
    assert planned.province_cluster("02") == 1
    assert "02" not in planned.session(2).seats


# -- date_in_window, working_day, not_blacked_out --------------------------------------------


def another_programme(
    app: Scheduler, calendar: Callable[[WorkingCalendar], WorkingCalendar]
) -> str:
    """A programme with the 2022 figures and ``calendar(2022 calendar)``, in ``app``'s store,
    with the standard plan applied; returns its name."""
    spec = spec_2022()
    spec = attrs.evolve(spec, calendar=calendar(spec.calendar))
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner", programme=spec.name)
    return spec.name


@pytest.mark.parametrize("override", [None, "the minister insists"])
def test_a_session_cannot_move_outside_the_window_even_with_an_override(
    planned: Scheduler, override: str | None
) -> None:
    refused(
        planned,
        "date_in_window",
        lambda: planned.reschedule_session(
            1, date(2022, 10, 3), override_reason=override, actor="planner"
        ),
        *Ids(planned).everything((1,), (MON,)),
    )


def test_a_session_cannot_move_onto_a_weekend_without_an_override(planned: Scheduler) -> None:
    refused(
        planned,
        "working_day",
        lambda: planned.reschedule_session(1, SAT, actor="planner"),
        *Ids(planned).everything((1,), (MON, SAT)),
    )
    planned.reschedule_session(1, SAT, override_reason="only day left", actor="planner")
    assert diary_days(planned, A)[SAT] == 1


def test_a_session_cannot_move_onto_a_holiday_without_an_override(planned: Scheduler) -> None:
    holiday = FREE
    name = another_programme(planned, lambda c: c.with_holidays([Holiday(holiday, "day off")]))
    refused(
        planned,
        "working_day",
        lambda: planned.reschedule_session(1, holiday, actor="planner", programme=name),
        *Ids(planned, name).everything((1,), (MON, holiday)),
    )


def test_a_session_cannot_move_onto_a_members_blackout_day_without_an_override(
    planned: Scheduler,
) -> None:
    name = another_programme(planned, lambda c: c.with_blackout("02", [TUE]))
    message = refused(
        planned,
        "not_blacked_out",
        lambda: planned.reschedule_session(1, TUE, actor="planner", programme=name),
        *Ids(planned, name).everything((1,), (MON, TUE)),
    )
    assert "02" in message
    planned.reschedule_session(1, TUE, override_reason="02 agreed", actor="planner", programme=name)
    last = list(planned.events.get(Ids(planned, name).session(1)[0]))[-1]
    assert type(last).__name__ == "Rescheduled"
    assert last.override_reason == "02 agreed"  # type: ignore[attr-defined]


def test_a_province_cannot_be_assigned_to_a_session_on_its_blackout_day(
    planned: Scheduler,
) -> None:
    """``not_blacked_out``: "no province seated at a session has blacked out its day, unless an
    override is recorded".  Cluster 1 meets on Monday; province 12 is away that Monday."""
    name = another_programme(planned, lambda c: c.with_blackout("12", [MON]))
    planned.change_capacity(1, hall_capacity=100_000, actor="planner", programme=name)
    planned.withdraw_province("12", reason="late", actor="planner", programme=name)
    ids = Ids(planned, name)
    refused(
        planned,
        "not_blacked_out",
        lambda: planned.assign_province("12", 1, actor="planner", programme=name),
        *ids.everything((1, 2), (MON,)),
        *ids.placement("12"),
    )


def test_a_province_cannot_move_into_a_session_on_its_blackout_day(planned: Scheduler) -> None:
    """As above, by ``move_province``: province 14 (cluster 2, Tuesday) is away on Monday."""
    name = another_programme(planned, lambda c: c.with_blackout("14", [MON]))
    planned.change_capacity(1, hall_capacity=100_000, actor="planner", programme=name)
    ids = Ids(planned, name)
    refused(
        planned,
        "not_blacked_out",
        lambda: planned.move_province("14", 1, reason="closer", actor="planner", programme=name),
        *ids.everything((1, 2), (MON, TUE)),
        *ids.placement("14"),
    )


# -- the reservations are released ------------------------------------------------------------


def test_a_rescheduled_session_frees_its_old_day_for_its_team(planned: Scheduler) -> None:
    refused(
        planned, "trainer_one_session_a_day", lambda: planned.reschedule_session(3, MON, actor="p")
    )
    planned.reschedule_session(1, FREE, actor="planner")
    assert MON not in diary_days(planned, A)
    planned.reschedule_session(3, MON, actor="planner")  # the same team takes the freed day
    assert {d: diary_days(planned, A).get(d) for d in (MON, WED, FREE)} == {
        MON: 3,
        WED: None,
        FREE: 1,
    }


def test_a_rescheduled_session_frees_its_old_day_for_the_bridge(planned: Scheduler) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.connect_bridge_points(1, points("01", 3), actor="coordinator")
    planned.connect_bridge_points(2, points("11", 3), actor="coordinator")
    refused(planned, "bridge_capacity", lambda: planned.reschedule_session(2, MON, actor="p"))
    planned.reschedule_session(1, FREE, actor="planner")
    assert bridge_points_on(planned, MON) == {}
    planned.reschedule_session(2, MON, actor="planner")
    assert (bridge_points_on(planned, MON), bridge_points_on(planned, FREE)) == ({2: 3}, {1: 3})


def test_a_cancelled_session_frees_its_day_for_the_team_and_the_bridge(
    planned: Scheduler,
) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.connect_bridge_points(1, points("01", 3), actor="coordinator")
    planned.connect_bridge_points(3, points("22", 3), actor="coordinator")
    planned.cancel_session(1, reason="typhoon", actor="planner")
    assert MON not in diary_days(planned, A) and bridge_points_on(planned, MON) == {}
    planned.reschedule_session(3, MON, actor="planner")
    assert (diary_days(planned, A)[MON], bridge_points_on(planned, MON)) == (3, {3: 3})


def test_a_team_given_another_cluster_frees_its_day(planned: Scheduler) -> None:
    planned.assign_trainer_team(1, "trainers-C", actor="planner")
    assert MON not in diary_days(planned, A)
    assert diary_days(planned, "trainers-C") == {MON: 1}
    planned.reschedule_session(3, MON, actor="planner")


def test_a_province_leaving_frees_its_bridge_points_on_the_day(planned: Scheduler) -> None:
    planned.change_daily_bridge_capacity(3, actor="ministry")
    planned.connect_bridge_points(1, [*points("02", 2), *points("01", 1)], actor="coordinator")
    planned.connect_bridge_points(2, points("11", 2), actor="coordinator")
    refused(planned, "bridge_capacity", lambda: planned.reschedule_session(2, MON, actor="p"))
    planned.withdraw_province("02", reason="late", actor="planner")
    assert bridge_points_on(planned, MON) == {1: 1}
    planned.reschedule_session(2, MON, actor="planner")
    assert bridge_points_on(planned, MON) == {1: 1, 2: 2}


# -- stores written before the reservations existed ------------------------------------------


@pytest.fixture(params=STORES)
def legacy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scheduler]:
    """A store holding the events of schedcore 0.1, from before the reservations: cluster 1
    (01 02, trainers-A) meets on Tue 13 Sep with two bridge points, cluster 2 (04 06,
    trainers-B) on Wed 14; no diary, no bridge day.  Each test gets a store of its own (the
    fixture's ids are fixed: on PostgreSQL, a schema of its own)."""
    fixture = json.loads(LEGACY.read_text(encoding="utf-8"))
    schema = None
    if request.param == "postgres":
        target: PostgresTarget = request.getfixturevalue("postgres")
        schema = f"{target.schema}_legacy_{uuid.uuid4().hex[:8]}"
        url = PostgresTarget(target.url, schema).store_url
    else:
        url = store_url_for(request.param, tmp_path, request)
    app = Scheduler.open(url, programme=fixture["programme"])
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=e["state"].encode("utf-8"),
            )
            for e in fixture["events"]
        ]
    )
    yield app
    app.close()
    if schema is not None:
        import psycopg

        with psycopg.connect(target.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_legacy_store_has_sessions_but_no_reservations(legacy: Scheduler) -> None:
    assert (legacy.session(1).day, legacy.cluster(1).trainer_team) == (TUE, A)
    assert (legacy.session(2).day, legacy.cluster(2).trainer_team) == (WED, B)
    assert len(legacy.session(1).bridge_points) == 2
    assert diary_days(legacy, A) == diary_days(legacy, B) == {}
    assert bridge_points_on(legacy, TUE) == {}


def test_a_diary_opened_for_the_first_time_holds_the_sessions_already_in_force(
    legacy: Scheduler,
) -> None:
    legacy.assign_trainer_team(2, A, actor="planner")  # opens A's diary: Tue is cluster 1's
    assert diary_days(legacy, A) == {TUE: 1, WED: 2}


def test_a_legacy_teams_day_is_refused_to_another_of_its_clusters(legacy: Scheduler) -> None:
    legacy.reschedule_session(2, TUE, actor="planner")  # B is free on Tue
    ids = Ids(legacy)
    refused(
        legacy,
        "trainer_one_session_a_day",
        lambda: legacy.assign_trainer_team(2, A, actor="planner"),  # A runs cluster 1 on Tue
        *ids.everything((1, 2), (TUE, WED)),
    )
    assert diary_days(legacy, A) == {}  # not even opened


def test_a_legacy_days_bridge_points_count_against_the_cap(legacy: Scheduler) -> None:
    legacy.change_daily_bridge_capacity(3, actor="ministry")  # Tue has 2 connected
    legacy.reschedule_session(2, TUE, actor="planner")
    ids = Ids(legacy)
    refused(
        legacy,
        "bridge_capacity",
        lambda: legacy.connect_bridge_points(2, points("04", 2), actor="coordinator"),
        *ids.everything((1, 2), (TUE, WED)),
    )
    legacy.connect_bridge_points(2, points("04", 1), actor="coordinator")
    assert bridge_points_on(legacy, TUE) == {1: 2, 2: 1}


def test_the_daily_cap_cannot_go_below_a_legacy_days_connected_points(legacy: Scheduler) -> None:
    """Tue 13 Sep has two bridge points connected (cluster 1), recorded before bridge days
    existed: a cap of one would leave that day over it."""
    refused(
        legacy,
        "bridge_capacity",
        lambda: legacy.change_daily_bridge_capacity(1, actor="ministry"),
        *Ids(legacy).everything((1, 2), (TUE, WED)),
    )
