"""Rules that hold after every command: one registry of names, and the reservations that guard
rules spanning sessions (a trainer team's diary, a day's bridge points), at the domain level.

Every refusal is checked to record nothing (``pending_events`` unchanged), and random sequences
of reservations never break the rule and replay to the same state.
"""

from __future__ import annotations

import ast
import copy
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given

from schedcore.domain import BridgeDay, Programme, Session, TrainerTeamDiary, rule_names
from schedcore.domain.ids import bridge_day_id, trainer_team_diary_id
from schedcore.domain.programme_spec import ProgrammeSpec
from schedcore.domain.rule_names import RULES, RuleKind, planning_rules, registered, rule_of
from schedcore.domain.rules import violation
from schedcore.domain.values import BridgePoint, Venue
from schedcore.errors import InvalidInputError, RuleViolationError
from schedcore.planning import model as planning_model
from schedcore.planning.model import HARD_CONSTRAINTS, build_model
from schedcore.planning.problem import Pin
from schedcore.reference import calendar_2022
from tests.core.conftest import spec_2022
from tests.planning.helpers import days, line_units, problem, teams
from tests.strategies import bridge_day_operations, diary_operations

SRC = Path(__file__).resolve().parents[2] / "src" / "schedcore"
DOCS = Path(__file__).resolve().parents[2] / "docs"
MON, TUE, WED = date(2022, 9, 12), date(2022, 9, 13), date(2022, 9, 14)
PROGRAMME = UUID(int=42)

# -- the registry -----------------------------------------------------------------------------

#: Calls whose first argument (or ``rule=``) names a rule.
_NAMING_CALLS = {"violation", "fail", "guard", "Conflict", "RuleViolationError"}


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _named(arg: ast.expr) -> str | None:
    """The rule an argument names: a literal, a group f-string's rule, or a registry constant."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value
        if isinstance(head, ast.FormattedValue):
            return _named(head.value)
    if isinstance(arg, ast.Name) and arg.id.isupper() and hasattr(rule_names, arg.id):
        value = getattr(rule_names, arg.id)
        return value if isinstance(value, str) else None
    return None


def _rule_names_used(path: Path) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _called(node) not in _NAMING_CALLS:
            continue
        candidates = [kw.value for kw in node.keywords if kw.arg == "rule"]
        if _called(node) != "RuleViolationError" and node.args:
            candidates.append(node.args[0])
        for arg in candidates:
            name = _named(arg)
            if name is not None:
                used.add(name.split("[", 1)[0])
    return used


def _all_sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_rule_name_any_module_uses_is_registered() -> None:
    used = {path: _rule_names_used(path) for path in _all_sources()}
    unknown = {
        str(path.relative_to(SRC)): sorted(n for n in names if not registered(n))
        for path, names in used.items()
    }
    assert {path: names for path, names in unknown.items() if names} == {}
    found = set().union(*used.values())
    # the scan does see the domain's guards, the planner's checks and the application's
    assert {"hall_capacity", "trainer_one_session_a_day", "programme_unique", "pin"} <= found


@pytest.mark.parametrize("module", ["model.py", "validate.py", "explain.py"])
def test_the_planner_names_only_its_hard_constraints(module: str) -> None:
    used = _rule_names_used(SRC / "planning" / module)
    assert used
    assert used <= set(planning_rules())


def test_the_models_constraints_are_the_registrys_planning_rules() -> None:
    # (Which names they are is asserted in tests/planning/test_constraints.py.)
    assert HARD_CONSTRAINTS == planning_rules() == dict(rule_names.PLANNING_RULES)
    for name in HARD_CONSTRAINTS:  # one add_<rule> per hard constraint
        assert hasattr(planning_model, f"add_{name}") or hasattr(planning_model, f"add_{name}s")


def test_every_group_of_an_explaining_model_names_a_planning_rule() -> None:
    units = line_units([0, 1, 2, 40], communes=1)
    units[1] = attrs.evolve(units[1], blackout={days(3)[1]})
    p = problem(
        units,
        2,
        min_size=1,
        max_size=3,
        days=days(3),
        trainer_teams=teams(2),
        bridge_capacity=10,
        travel_day_km=5,
        pins=[Pin(unit="a", host="a", day=days(3)[0])],
    )
    groups = build_model(p, explaining=True).groups
    rules = {rule_of(group).name for group in groups}
    assert rules == {
        "cluster_count",
        "hall_capacity",
        "cluster_size",
        "allowed_dates",
        "trainer_one_session_a_day",
        "trainer_travel_day",
        "bridge_capacity",
        "pin",
    }
    assert all(RULES[name].planner == "hard" for name in rules)


def test_every_policy_says_why_and_every_rule_says_who_guards_it() -> None:
    for rule in RULES.values():
        assert rule.description and rule.guard, rule.name
        assert (rule.kind is RuleKind.POLICY) == (rule.why_policy is not None), rule.name
    kinds = {name: rule.kind for name, rule in RULES.items()}
    assert kinds["trainer_one_session_a_day"] is RuleKind.INVARIANT
    assert kinds["bridge_capacity"] is RuleKind.INVARIANT
    assert kinds["hall_capacity"] is RuleKind.INVARIANT
    assert kinds["trainer_travel_day"] is RuleKind.POLICY
    assert kinds["cluster_size"] is RuleKind.POLICY
    assert "trainer_team_one_session_a_day" not in RULES


def test_the_rules_page_lists_every_rule_with_its_kind() -> None:
    page = (DOCS / "concepts" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"| `{rule.name}` | {rule.kind} |" in page, rule.name


def test_a_guard_cannot_raise_an_unregistered_rule() -> None:
    with pytest.raises(ValueError, match="not a registered rule"):
        violation("trainer_team_one_session_a_day", "the old name")
    assert violation("hall_capacity", "full").rule == "hall_capacity"


# -- helpers ----------------------------------------------------------------------------------


def _state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}


def _refused(aggregate: Aggregate, rule: str, command: Any) -> None:
    """``command`` is refused with ``rule`` and records nothing."""
    before = (len(aggregate.pending_events), aggregate.version, _state(aggregate))
    with pytest.raises(RuleViolationError) as raised:
        command()
    assert raised.value.rule == rule
    assert (len(aggregate.pending_events), aggregate.version, _state(aggregate)) == before


def _replayed(aggregate: Aggregate) -> Aggregate:
    replayed: Any = None
    for event in aggregate.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None
    return replayed


# -- TrainerTeamDiary -------------------------------------------------------------------------


@pytest.fixture
def diary() -> TrainerTeamDiary:
    return TrainerTeamDiary.open(PROGRAMME, "trainers-A", actor="planner")


def test_a_diary_has_the_id_of_its_programme_and_team(diary: TrainerTeamDiary) -> None:
    assert diary.id == trainer_team_diary_id(PROGRAMME, "trainers-A")
    assert diary.id == TrainerTeamDiary.create_id(PROGRAMME, "trainers-A")
    assert diary.id != trainer_team_diary_id(PROGRAMME, "trainers-B")


def test_a_team_cannot_run_two_sessions_on_one_day(diary: TrainerTeamDiary) -> None:
    assert diary.reserve(MON, 1, actor="planner")
    assert diary.holder(MON) == 1
    _refused(diary, "trainer_one_session_a_day", lambda: diary.reserve(MON, 2, actor="planner"))
    assert diary.reserve(TUE, 2, actor="planner")
    assert (diary.holder(MON), diary.holder(TUE), diary.holder(WED)) == (1, 2, None)


def test_reserving_a_day_the_cluster_holds_records_nothing(diary: TrainerTeamDiary) -> None:
    diary.reserve(MON, 1, actor="planner")
    events = len(diary.pending_events)
    assert not diary.reserve(MON, 1, actor="planner")
    assert len(diary.pending_events) == events


def test_release_frees_only_the_holders_day(diary: TrainerTeamDiary) -> None:
    diary.reserve(MON, 1, actor="planner")
    events = len(diary.pending_events)
    assert not diary.release(MON, 2, actor="planner")
    assert not diary.release(TUE, 1, actor="planner")
    assert len(diary.pending_events) == events
    assert diary.release(MON, 1, actor="planner")
    assert diary.holder(MON) is None
    assert diary.reserve(MON, 2, actor="planner")


def test_a_diary_refuses_bad_input_before_recording(diary: TrainerTeamDiary) -> None:
    events = len(diary.pending_events)
    for command in (
        lambda: diary.reserve(MON, 0, actor="planner"),
        lambda: diary.reserve("2022-09-12", 1, actor="planner"),  # type: ignore[arg-type]
        lambda: diary.reserve(MON, 1, actor=" "),
    ):
        with pytest.raises(InvalidInputError):
            command()
    with pytest.raises(InvalidInputError):
        TrainerTeamDiary.open(PROGRAMME, " ", actor="planner")
    assert len(diary.pending_events) == events


@given(operations=diary_operations)
def test_no_sequence_of_reservations_lets_two_clusters_hold_a_day(
    operations: list[tuple[str, date, int]],
) -> None:
    diary = TrainerTeamDiary.open(PROGRAMME, "T", actor="planner")
    expected: dict[date, int] = {}
    for kind, day, cluster in operations:
        if kind == "reserve":
            holder = expected.get(day)
            if holder is not None and holder != cluster:
                _refused(
                    diary,
                    "trainer_one_session_a_day",
                    partial(diary.reserve, day, cluster, actor="p"),
                )
            else:
                assert diary.reserve(day, cluster, actor="p") == (holder is None)
                expected[day] = cluster
        else:
            released = diary.release(day, cluster, actor="p")
            assert released == (expected.get(day) == cluster)
            if released:
                del expected[day]
        assert diary.days == expected
    replayed = _replayed(diary)
    assert isinstance(replayed, TrainerTeamDiary)
    assert (replayed.id, replayed.version, replayed.days) == (diary.id, diary.version, expected)


# -- BridgeDay --------------------------------------------------------------------------------


@pytest.fixture
def bridge_day() -> BridgeDay:
    return BridgeDay.open(PROGRAMME, MON, actor="planner")


def test_a_bridge_day_has_the_id_of_its_programme_and_day(bridge_day: BridgeDay) -> None:
    assert bridge_day.id == bridge_day_id(PROGRAMME, MON) == BridgeDay.create_id(PROGRAMME, MON)
    assert bridge_day.id != bridge_day_id(PROGRAMME, TUE)


def test_a_day_never_connects_more_bridge_points_than_its_capacity(bridge_day: BridgeDay) -> None:
    assert bridge_day.reserve(1, 6, capacity=10, actor="p")
    assert bridge_day.reserve(2, 4, capacity=10, actor="p")
    assert bridge_day.total == 10
    _refused(
        bridge_day, "bridge_capacity", lambda: bridge_day.reserve(3, 1, capacity=10, actor="p")
    )
    _refused(
        bridge_day, "bridge_capacity", lambda: bridge_day.reserve(1, 7, capacity=10, actor="p")
    )
    assert bridge_day.reserve(3, 1, capacity=None, actor="p")  # no cap
    assert (bridge_day.points_of(1), bridge_day.points_of(3), bridge_day.total) == (6, 1, 11)


def test_a_day_over_a_lowered_cap_can_still_come_down(bridge_day: BridgeDay) -> None:
    bridge_day.reserve(1, 8, capacity=None, actor="p")
    assert bridge_day.reserve(1, 7, capacity=5, actor="p")  # still over 5, but lower
    _refused(bridge_day, "bridge_capacity", lambda: bridge_day.reserve(2, 1, capacity=5, actor="p"))
    assert bridge_day.reserve(1, 0, capacity=5, actor="p")  # zero releases
    assert bridge_day.points == {}


def test_an_unchanged_count_or_an_unknown_release_records_nothing(bridge_day: BridgeDay) -> None:
    bridge_day.reserve(1, 3, capacity=3, actor="p")
    events = len(bridge_day.pending_events)
    assert not bridge_day.reserve(1, 3, capacity=0, actor="p")
    assert not bridge_day.release(2, actor="p")
    assert len(bridge_day.pending_events) == events
    assert bridge_day.release(1, actor="p")
    assert bridge_day.total == 0


def test_a_bridge_day_refuses_bad_counts(bridge_day: BridgeDay) -> None:
    for points, capacity in ((-1, None), (1, -1), (True, None)):
        with pytest.raises(InvalidInputError):
            bridge_day.reserve(1, points, capacity=capacity, actor="p")
    assert len(bridge_day.pending_events) == 1  # Opened only


@given(operations=bridge_day_operations)
def test_no_sequence_of_reservations_raises_a_day_over_its_cap(
    operations: list[tuple[str, int, int, int | None]],
) -> None:
    day = BridgeDay.open(PROGRAMME, MON, actor="planner")
    expected: dict[int, int] = {}
    for kind, cluster, points, capacity in operations:
        before = sum(expected.values())
        current = expected.get(cluster, 0)
        if kind == "release":
            assert day.release(cluster, actor="p") == (cluster in expected)
            expected.pop(cluster, None)
        else:
            after = before - current + points
            if capacity is not None and points > current and after > capacity:
                _refused(
                    day,
                    "bridge_capacity",
                    partial(day.reserve, cluster, points, capacity=capacity, actor="p"),
                )
            else:
                assert day.reserve(cluster, points, capacity=capacity, actor="p") == (
                    points != current
                )
                expected[cluster] = points
                if points == 0:
                    del expected[cluster]
                # the rule: a reservation that raises the total never goes over the cap
                if capacity is not None and points > current:
                    assert day.total <= capacity
        assert day.points == expected
        assert 0 not in day.points.values()
    replayed = _replayed(day)
    assert isinstance(replayed, BridgeDay)
    assert (replayed.id, replayed.version, replayed.points) == (day.id, day.version, expected)


@pytest.mark.parametrize("kind", ["diary", "bridge_day"])
def test_a_reservation_copied_from_the_cache_shares_nothing_mutable(kind: str) -> None:
    found: TrainerTeamDiary | BridgeDay
    if kind == "diary":
        found = TrainerTeamDiary.open(PROGRAMME, "T", actor="p")
        found.reserve(MON, 1, actor="p")
    else:
        found = BridgeDay.open(PROGRAMME, MON, actor="p")
        found.reserve(1, 2, capacity=None, actor="p")
    clone = copy.deepcopy(found)
    assert _state(clone) == _state(found)
    for name, value in vars(found).items():
        if isinstance(value, dict | list | set):
            assert vars(clone)[name] is not value


# -- Programme: the daily bridge capacity -----------------------------------------------------


@pytest.fixture
def programme() -> Programme:
    return Programme.create(spec_2022(), actor="ministry")


def test_a_programme_records_its_daily_bridge_capacity() -> None:
    spec = attrs.evolve(spec_2022(), daily_bridge_capacity=300)
    created = Programme.create(spec, actor="ministry")
    assert created.daily_bridge_capacity == 300
    assert created.spec().daily_bridge_capacity == 300
    assert spec_2022().daily_bridge_capacity is None
    with pytest.raises(InvalidInputError):
        attrs.evolve(spec_2022(), daily_bridge_capacity=-1)


def test_changing_the_daily_bridge_capacity(programme: Programme) -> None:
    events = len(programme.pending_events)
    assert not programme.change_daily_bridge_capacity(None, actor="ministry")
    with pytest.raises(InvalidInputError):
        programme.change_daily_bridge_capacity(-5, actor="ministry")
    assert len(programme.pending_events) == events
    assert programme.change_daily_bridge_capacity(120, actor="ministry")
    assert programme.daily_bridge_capacity == 120
    assert type(programme.pending_events[-1]).__name__ == "DailyBridgeCapacityChanged"
    assert programme.change_daily_bridge_capacity(None, actor="ministry")
    assert programme.daily_bridge_capacity is None


def test_the_cap_cannot_go_below_a_days_reserved_points(programme: Programme) -> None:
    busy = BridgeDay.open(programme.id, MON, actor="p")
    busy.reserve(1, 30, capacity=None, actor="p")
    _refused(
        programme,
        "bridge_capacity",
        lambda: programme.change_daily_bridge_capacity(29, reserved=[busy], actor="ministry"),
    )
    assert programme.change_daily_bridge_capacity(30, reserved=[busy], actor="ministry")


def test_a_spec_without_the_cap_is_still_a_valid_spec() -> None:
    fields = {f.name for f in attrs.fields(ProgrammeSpec)}
    assert "daily_bridge_capacity" in fields
    assert attrs.fields_dict(ProgrammeSpec)["daily_bridge_capacity"].default is None


# -- Session: seats, halls and days after every command ---------------------------------------


def _session(**changes: Any) -> Session:
    settings: dict[str, Any] = {
        "day": MON,
        "venue": Venue("01"),
        "hall_capacity": 10,
        "bridge_capacity": 5,
        "seats": {"01": 4, "02": 3},
        "calendar": calendar_2022(),
        "actor": "planner",
    }
    settings.update(changes)
    return Session.schedule(PROGRAMME, 1, **settings)


def test_seats_never_exceed_the_hall() -> None:
    session = _session()
    _refused(session, "hall_capacity", lambda: session.allot_seats("04", 4, actor="p"))
    _refused(session, "hall_capacity", lambda: session.allot_seats("02", 7, actor="p"))
    _refused(session, "hall_capacity", lambda: session.change_capacity(hall_capacity=6, actor="p"))
    with pytest.raises(RuleViolationError, match="hall"):
        _session(hall_capacity=6)
    assert session.allot_seats("04", 3, actor="p")


def test_a_province_joining_on_its_blackout_day_needs_an_override() -> None:
    calendar = calendar_2022().with_blackout("04", [MON])
    session = _session()
    _refused(
        session,
        "not_blacked_out",
        lambda: session.allot_seats("04", 1, calendar=calendar, actor="p"),
    )
    _refused(
        session,
        "reason_required",
        lambda: session.allot_seats("04", 1, calendar=calendar, override_reason=" ", actor="p"),
    )
    assert session.allot_seats(
        "04", 1, calendar=calendar, override_reason="comes anyway", actor="p"
    )
    assert session.pending_events[-1].override_reason == "comes anyway"  # type: ignore[attr-defined]
    # a province already seated changes its count without the blackout check
    assert session.allot_seats("04", 2, calendar=calendar, actor="p")
    assert session.pending_events[-1].override_reason is None  # type: ignore[attr-defined]


def test_every_day_change_checks_the_window_the_calendar_and_every_members_blackouts() -> None:
    calendar = calendar_2022().with_blackout("02", [TUE])
    session = _session(calendar=calendar)
    _refused(
        session,
        "not_blacked_out",
        lambda: session.reschedule(TUE, calendar=calendar, actor="p"),
    )
    _refused(
        session,
        "working_day",
        lambda: session.reschedule(date(2022, 9, 17), calendar=calendar, actor="p"),
    )
    _refused(
        session,
        "date_in_window",
        lambda: session.reschedule(date(2023, 1, 2), calendar=calendar, actor="p"),
    )
    session.cancel(reason="typhoon", actor="p")
    _refused(
        session,
        "not_blacked_out",
        lambda: session.reinstate(TUE, calendar=calendar, actor="p"),
    )
    session.reinstate(WED, calendar=calendar, actor="p")
    assert session.day == WED


def test_a_province_leaving_takes_its_bridge_points_with_it() -> None:
    session = _session()
    session.connect_bridge_points(
        [BridgePoint("02", "X"), BridgePoint("02", "Y"), BridgePoint("01", "Z")], actor="p"
    )
    assert session.release_seats("02", actor="p")
    assert session.bridge_points == {BridgePoint("01", "Z")}
    names = [type(e).__name__ for e in session.pending_events[-2:]]
    assert names == ["BridgePointsDisconnected", "SeatsReleased"]
    assert all(point.province in session.seats for point in session.bridge_points)
    replayed = _replayed(session)
    assert isinstance(replayed, Session)
    assert (replayed.seats, replayed.bridge_points) == ({"01": 4}, {BridgePoint("01", "Z")})


def test_the_host_still_cannot_leave_and_nothing_is_recorded() -> None:
    session = _session()
    session.connect_bridge_points([BridgePoint("01", "Z")], actor="p")
    _refused(session, "host_is_member", lambda: session.release_seats("01", actor="p"))
