"""A stateful property test: random command sequences against the application.

hypothesis drives a ``RuleBasedStateMachine`` over a small programme (eight provinces, three
clusters) with every command, sent by actors of every role.  A command either succeeds or
raises a typed ``SchedcoreError`` having written nothing.  After every step:

* each province is in exactly one cluster (or none), and its placement says which;
* a cluster's host is one of its members; a scheduled session seats exactly its cluster's
  members, within the hall's capacity, and bridges no more points than its capacity;
* no province has more people in a hall than its seats there;
* every attendance fact accepted so far is recorded, once, and nothing else is (a model);
* replay equals live: every aggregate rebuilt from its stored events equals the application's;
* read models equal live: a projection runner catches up and its views (clusters, sessions,
  placements, bridge points, every member's facts) equal the live aggregates; every
  ``REBUILD_EVERY`` steps they also equal a fold of the log by hand and a rebuild.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from schedcore.application import Scheduler
from schedcore.application.identities import name_members
from schedcore.domain import Attendance, Cluster, Placement, Session
from schedcore.domain.ids import attendance_id, cluster_id, placement_id, session_id
from schedcore.domain.programme_spec import ProgrammeSpec
from schedcore.domain.values import Activity, AttendanceRow, SessionStatus, Venue
from schedcore.errors import SchedcoreError
from schedcore.projections import ProjectionRunner
from schedcore.reference import calendar_2022
from schedcore.security import Actor
from tests.projections.reference import reference_snapshot, snapshot
from tests.reliability.conftest import current_sizes
from tests.strategies import (
    SMALL_CLUSTERS,
    SMALL_DAYS,
    SMALL_UNITS,
    small_attendance_rows,
    small_plans,
)

#: Steps between the checks of the read models against a fold of the log and a rebuild
#: (after every step they are checked against the live aggregates).
REBUILD_EVERY = 3

units = st.sampled_from(SMALL_UNITS)
clusters = st.sampled_from(SMALL_CLUSTERS)
days = st.sampled_from(SMALL_DAYS)
#: Mostly an operator (so that commands get through to the rules), else any role or scope.
actors = st.sampled_from(
    [
        *["ministry"] * 12,
        Actor.planner("minh"),
        *(Actor.cluster_coordinator(f"cc{n}", n) for n in SMALL_CLUSTERS),
        *(Actor.province_coordinator(f"pc{u}", u) for u in SMALL_UNITS[:4]),
    ]
)


def small_spec() -> ProgrammeSpec:
    return ProgrammeSpec(
        name="stateful test programme",
        calendar=calendar_2022(),
        clusters=3,
        teams=dict.fromkeys(SMALL_UNITS, 3),
        members=dict.fromkeys(SMALL_UNITS, 8),
        delegates={u: 2 + i % 3 for i, u in enumerate(SMALL_UNITS)},
        bridge_points=dict.fromkeys(SMALL_UNITS, 2),
        targets=(),
    )


Facts = dict[str, dict[str, Any]]


class SchedulerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = Scheduler.open("memory://", programme="stateful test programme")
        self.app.create_programme(small_spec(), actor="ministry")
        self.pid = self.app.programme_id()
        #: What attendance the accepted commands recorded, by unit.
        self.facts: Facts = {
            u: {"course": set(), "channel": set(), "in_person": {}} for u in SMALL_UNITS
        }
        self.accepted = 0
        self.refused = 0
        #: The read models, caught up after every step (in a private in-memory database).
        self.views = ProjectionRunner(self.app)
        self.steps = 0

    def teardown(self) -> None:
        self.views.close()
        self.app.close()

    @initialize(plan=small_plans(dated=True))
    def a_first_plan(self, plan: Any) -> None:
        """Most sequences start from a plan in force, with sessions; some from nothing."""
        self.send(self.app.apply_plan, plan, hall_capacity=24, bridge_capacity=6, actor="ministry")

    # -- sending commands ------------------------------------------------------------------

    def send(self, command: Any, *args: Any, **kwargs: Any) -> bool:
        """Run one command: it succeeds, or it raises a typed error and writes nothing."""
        before = self.app.max_notification_id()
        try:
            command(*args, **kwargs)
        except SchedcoreError:
            assert self.app.max_notification_id() == before, "a refused command wrote events"
            self.refused += 1
            return False
        self.accepted += 1
        return True

    @rule(plan=small_plans(), actor=actors)
    def apply_plan(self, plan: Any, actor: Any) -> None:
        self.send(self.app.apply_plan, plan, actor=actor)

    @rule(unit=units, cluster=clusters, actor=actors)
    def assign_province(self, unit: str, cluster: int, actor: Any) -> None:
        self.send(self.app.assign_province, unit, cluster, actor=actor)

    @rule(data=st.data(), cluster=clusters, actor=actors)
    def move_province(self, data: st.DataObject, cluster: int, actor: Any) -> None:
        unit = data.draw(self._members_or_any())
        self.send(self.app.move_province, unit, cluster, reason="asked to", actor=actor)

    @rule(unit=units, actor=actors)
    def withdraw_province(self, unit: str, actor: Any) -> None:
        self.send(self.app.withdraw_province, unit, reason="withdrew", actor=actor)

    @rule(data=st.data(), cluster=clusters, actor=actors)
    def set_host(self, data: st.DataObject, cluster: int, actor: Any) -> None:
        unit = data.draw(self._members_or_any(cluster))
        self.send(self.app.set_host, cluster, unit, actor=actor)

    @rule(cluster=clusters, team=st.sampled_from(["A", "B", "C"]), actor=actors)
    def assign_trainer_team(self, cluster: int, team: str, actor: Any) -> None:
        self.send(self.app.assign_trainer_team, cluster, team, actor=actor)

    @rule(cluster=clusters, day=days, actor=actors)
    def schedule_session(self, cluster: int, day: date, actor: Any) -> None:
        self.send(self.app.schedule_session, cluster, day, actor=actor)

    @rule(cluster=clusters, day=days, override=st.booleans(), actor=actors)
    def reschedule_session(self, cluster: int, day: date, override: bool, actor: Any) -> None:
        reason = "agreed with the province" if override else None
        self.send(self.app.reschedule_session, cluster, day, override_reason=reason, actor=actor)

    @rule(
        cluster=clusters,
        hall=st.none() | st.integers(0, 40),
        bridge=st.none() | st.integers(0, 12),
        actor=actors,
    )
    def change_capacity(
        self, cluster: int, hall: int | None, bridge: int | None, actor: Any
    ) -> None:
        self.send(
            self.app.change_capacity,
            cluster,
            hall_capacity=hall,
            bridge_capacity=bridge,
            actor=actor,
        )

    @rule(data=st.data(), cluster=clusters, actor=actors)
    def change_venue(self, data: st.DataObject, cluster: int, actor: Any) -> None:
        unit = data.draw(self._members_or_any(cluster))
        self.send(self.app.change_venue, cluster, Venue(unit, "hall"), actor=actor)

    @rule(cluster=clusters, actor=actors)
    def cancel_session(self, cluster: int, actor: Any) -> None:
        self.send(self.app.cancel_session, cluster, reason="storm", actor=actor)

    @rule(cluster=clusters, day=days, actor=actors)
    def reinstate_session(self, cluster: int, day: date, actor: Any) -> None:
        self.send(self.app.reinstate_session, cluster, day, actor=actor)

    @rule(
        cluster=clusters,
        points=st.lists(st.tuples(units, st.sampled_from(["c0", "c1", "c2"])), max_size=4),
        connect=st.booleans(),
        actor=actors,
    )
    def bridge_points(
        self, cluster: int, points: list[tuple[str, str]], connect: bool, actor: Any
    ) -> None:
        command = self.app.connect_bridge_points if connect else self.app.disconnect_bridge_points
        self.send(command, cluster, points, actor=actor)

    @rule(cluster=clusters, on=days, actor=actors)
    def mark_session_held(self, cluster: int, on: date, actor: Any) -> None:
        self.send(self.app.mark_session_held, cluster, on=on, actor=actor)

    @rule(data=st.data(), actor=actors, batch_size=st.integers(1, 6))
    def record_attendance(self, data: st.DataObject, actor: Any, batch_size: int) -> None:
        rows: list[AttendanceRow] = data.draw(small_attendance_rows(self._session_days()))
        if self.send(self.app.record_attendance, rows, actor=actor, batch_size=batch_size):
            for row in rows:
                facts = self.facts[row.province]
                if row.activity in (Activity.COURSE, Activity.CHANNEL):
                    facts[str(row.activity)].add(row.member)
                else:
                    facts["in_person"][row.member] = row.activity

    @rule(data=st.data(), activity=st.sampled_from(list(Activity)), actor=actors)
    def void_records(self, data: st.DataObject, activity: Activity, actor: Any) -> None:
        with_facts = [u for u, f in self.facts.items() if any(f.values())]
        unit = data.draw(st.sampled_from(with_facts) | units if with_facts else units)
        facts = self.facts[unit]
        recorded = sorted(
            facts[str(activity)]
            if activity in (Activity.COURSE, Activity.CHANNEL)
            else (m for m, a in facts["in_person"].items() if a is activity)
        )
        pool = recorded if recorded and data.draw(st.integers(0, 5)) else ["m0", "m1", "m7"]
        members = data.draw(st.lists(st.sampled_from(pool), max_size=3))
        if self.send(
            self.app.void_records, unit, activity, members, reason="duplicate", actor=actor
        ):
            facts = self.facts[unit]
            for member in members:
                if activity in (Activity.COURSE, Activity.CHANNEL):
                    facts[str(activity)].discard(member)
                else:
                    facts["in_person"].pop(member, None)

    @precondition(lambda self: self.accepted > 0)
    @rule()
    def reopen_from_the_log(self) -> None:
        """Forget every cached aggregate: the next commands work from the stored events."""
        if self.app.repository.cache is not None:
            self.app.repository.cache.cache.clear()

    # -- helpers ---------------------------------------------------------------------------

    def _find(self, cls: type[Aggregate], aggregate_id: UUID) -> Any:
        return self.app._find(cls, aggregate_id)

    def _members_or_any(self, cluster: int | None = None) -> st.SearchStrategy[str]:
        """Mostly a province of ``cluster`` (or of any cluster), else any province."""
        numbers = SMALL_CLUSTERS if cluster is None else (cluster,)
        members = [
            unit
            for number in numbers
            for found in [self._find(Cluster, cluster_id(self.pid, number))]
            if found is not None
            for unit in found.members
        ]
        if not members:
            return units
        return st.sampled_from(sorted(members)) | units

    def _session_days(self) -> dict[str, date]:
        found = {}
        for unit in SMALL_UNITS:
            placement = self._find(Placement, placement_id(self.pid, unit))
            if placement is not None and placement.cluster is not None:
                session = self._find(Session, session_id(self.pid, placement.cluster))
                if session is not None:
                    found[unit] = session.day
        return found

    def _aggregate_ids(self) -> list[UUID]:
        return [
            self.pid,
            *(cluster_id(self.pid, n) for n in SMALL_CLUSTERS),
            *(session_id(self.pid, n) for n in SMALL_CLUSTERS),
            *(placement_id(self.pid, u) for u in SMALL_UNITS),
            *(attendance_id(self.pid, u) for u in SMALL_UNITS),
        ]

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def a_province_is_in_exactly_one_cluster(self) -> None:
        members: dict[str, list[int]] = {}
        for number in SMALL_CLUSTERS:
            cluster = self._find(Cluster, cluster_id(self.pid, number))
            if cluster is None:
                continue
            assert len(set(cluster.members)) == len(cluster.members)
            if cluster.dissolved:
                assert not cluster.members
            if cluster.members:
                assert cluster.host in cluster.members
            for unit in cluster.members:
                members.setdefault(unit, []).append(number)
        for unit in SMALL_UNITS:
            placement = self._find(Placement, placement_id(self.pid, unit))
            placed = None if placement is None else placement.cluster
            assert members.get(unit, []) == ([] if placed is None else [placed]), unit

    @invariant()
    def capacities_are_held(self) -> None:
        for number in SMALL_CLUSTERS:
            session = self._find(Session, session_id(self.pid, number))
            if session is None:
                continue
            assert session.seats_allotted <= session.hall_capacity
            assert len(session.bridge_points) <= session.bridge_capacity
            if session.status is SessionStatus.SCHEDULED:
                cluster = self._find(Cluster, cluster_id(self.pid, number))
                assert set(session.seats) == set(cluster.members)
                assert session.venue.province in cluster.members
        for unit in SMALL_UNITS:
            book = self._find(Attendance, attendance_id(self.pid, unit))
            if book is None:
                continue
            for number, used in book.hall_seats_used.items():
                session = self._find(Session, session_id(self.pid, number))
                allotted = session.seats.get(unit) if session is not None else None
                if allotted is not None:
                    assert used <= allotted, (unit, number, used, allotted)

    @invariant()
    def every_accepted_fact_is_recorded_once_and_nothing_else(self) -> None:
        for unit in SMALL_UNITS:
            book = self._find(Attendance, attendance_id(self.pid, unit))
            facts = self.facts[unit]
            if book is not None:
                name_members(self.app, self.pid, book)  # members by identifier, as sent
            if book is None:
                assert not facts["course"] and not facts["channel"] and not facts["in_person"]
                continue
            assert book.course == facts["course"]
            assert book.channel == facts["channel"]
            assert {m: a for m, (a, _) in book.in_person.items()} == facts["in_person"]

    @invariant()
    def replay_equals_live(self) -> None:
        for aggregate_id in self._aggregate_ids():
            stored = list(self.app.events.get(aggregate_id))
            live = self._find(Aggregate, aggregate_id)
            if live is None:
                assert not stored
                continue
            assert [e.originator_version for e in stored] == list(range(1, live.version + 1))
            replayed = project_aggregate(None, stored)
            assert _state(replayed) == _state(live)

    @invariant()
    def the_read_models_equal_the_live_state_and_a_replay(self) -> None:
        """A runner catches up: its views equal the live aggregates; every
        :data:`REBUILD_EVERY` steps also a fold of the log by hand and a rebuild."""
        self.steps += 1
        self.views.catch_up()
        views = snapshot(self.views.views())
        live = self._live_snapshot()
        for part, state in live.items():
            assert views[part] == state, part
        if self.steps % REBUILD_EVERY == 0:
            assert views == reference_snapshot(self.app, small_spec().name)
            self.views.rebuild()
            assert snapshot(self.views.views()) == views

    def _live_snapshot(self) -> dict[str, Any]:
        """What the views must say, read from the live aggregates (as
        :func:`tests.projections.reference.snapshot` reads it from the views)."""
        roster, sessions, bridge = [], [], {}
        for number in SMALL_CLUSTERS:
            cluster = self._find(Cluster, cluster_id(self.pid, number))
            session = self._find(Session, session_id(self.pid, number))
            if session is not None:
                sessions.append(
                    (
                        number,
                        session.day,
                        str(session.status),
                        (session.venue.province, session.venue.name),
                        session.hall_capacity,
                        session.bridge_capacity,
                        tuple(sorted(session.seats.items())),
                    )
                )
                if session.bridge_points:
                    bridge[number] = sorted((p.province, p.commune) for p in session.bridge_points)
            if cluster is not None:
                status = "unscheduled" if session is None else str(session.status)
                roster.append(
                    (
                        number,
                        cluster.host,
                        tuple(cluster.members),
                        cluster.trainer_team,
                        "dissolved" if cluster.dissolved else status,
                    )
                )
        placements, members = {}, {}
        for unit in SMALL_UNITS:
            placement = self._find(Placement, placement_id(self.pid, unit))
            placements[unit] = None if placement is None else placement.cluster
            book = self._find(Attendance, attendance_id(self.pid, unit))
            if book is not None and book.members:
                members[unit] = sorted(
                    (
                        member,
                        team,
                        commune,
                        *(
                            (str(book.in_person[member][0]), book.in_person[member][1])
                            if member in book.in_person
                            else (None, None)
                        ),
                        member in book.course,
                        member in book.channel,
                    )
                    for member, (team, commune) in book.members.items()
                )
        return {
            "roster": sorted(roster),
            "sessions": sorted(sessions),
            "placements": placements,
            "bridge": bridge,
            "members": members,
        }


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


SchedulerMachine.TestCase.settings = settings(
    max_examples=current_sizes().examples,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestTheApplicationUnderRandomCommandSequences = SchedulerMachine.TestCase


def test_the_small_programme_is_valid() -> None:
    assert attrs.evolve(small_spec()).clusters == 3
