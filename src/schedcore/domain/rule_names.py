"""Every rule schedcore knows, once: its stable name, what it says, its kind, who guards it.

A broken rule is reported by name: ``RuleViolationError.rule`` when a command is refused,
``Conflict.name`` when the planner's validator or explanation reports it.  Those names are a
public contract (scripts match on them, ``schedcore explain`` prints them), so they live here
and nowhere else: the domain's guards, the planner's model (``HARD_CONSTRAINTS``), its validator
and its explanations take their names from this module (``tests/core/test_invariants.py``
checks that no other name is used).

Each rule has a :class:`RuleKind`:

``invariant``
    Holds after every command.  A command that would break it is refused (nothing recorded),
    by the aggregate named in :attr:`Rule.guard`.  Rules spanning aggregates are guarded by a
    reservation aggregate saved in the same transaction (``Placement``, ``TrainerTeamDiary``,
    ``BridgeDay``).
``policy``
    What a *good plan* does: the planner keeps it and ``validate`` reports a plan that breaks
    it, but a single command may depart from it (a planner's later, deliberate decision).
    :attr:`Rule.why_policy` says why it is not an invariant.
``structural``
    About the shape of a request or the life cycle of a record rather than the schedule: a
    command's precondition (a reason is given, a cancelled session is not changed), a plan's
    well-formedness, or what the planner's model makes true by construction.  Refused like an
    invariant when broken.

``planner`` says whether (and how) the CP-SAT planner knows the rule: ``"hard"`` for its hard
constraints (named groups in explanations, checked by ``validate``), ``"soft"`` for objective
terms (a cost, never "broken").
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import attrs

__all__ = [
    "PLANNING_RULES",
    "RULES",
    "Rule",
    "RuleKind",
    "planning_rules",
    "registered",
    "rule_of",
]


class RuleKind(enum.StrEnum):
    INVARIANT = "invariant"
    POLICY = "policy"
    STRUCTURAL = "structural"


@attrs.frozen
class Rule:
    """One rule: stable ``name``, one-line ``description``, ``kind`` and who guards it."""

    name: str
    kind: RuleKind
    description: str
    guard: str
    planner: Literal["hard", "soft"] | None = None
    why_policy: str | None = None

    def __attrs_post_init__(self) -> None:
        if (self.kind is RuleKind.POLICY) != (self.why_policy is not None):
            raise ValueError(f"rule {self.name}: a policy (and only a policy) says why it is one")


_RULES: dict[str, Rule] = {}


def _rule(
    name: str,
    kind: RuleKind,
    description: str,
    *,
    guard: str,
    planner: Literal["hard", "soft"] | None = None,
    why_policy: str | None = None,
) -> str:
    if name in _RULES:
        raise ValueError(f"rule {name} is registered twice")
    _RULES[name] = Rule(name, kind, description, guard, planner, why_policy)
    return name


INVARIANT, POLICY, STRUCTURAL = RuleKind.INVARIANT, RuleKind.POLICY, RuleKind.STRUCTURAL

# -- programme -------------------------------------------------------------------------------

PROGRAMME_UNIQUE = _rule(
    "programme_unique",
    INVARIANT,
    "one programme per name",
    guard="ProgrammeName (the name index: one entry per name, its id derived from the name)",
)
CALENDAR_KEEPS_SESSIONS = _rule(
    "calendar_keeps_sessions",
    INVARIANT,
    "a calendar change takes away no day a session in force is on (no holiday on it, the "
    "window keeps it, its weekday stays a working day)",
    guard="Programme (given the sessions, read in the same transaction)",
)
UNITS_IN_SCOPE = _rule(
    "units_in_scope", INVARIANT, "a programme has at least one unit in scope", guard="Programme"
)
ONE_TARGET_PER_MEASURE = _rule(
    "one_target_per_measure", INVARIANT, "a measure has at most one target", guard="Programme"
)
DEADLINE_AFTER_START = _rule(
    "deadline_after_start",
    INVARIANT,
    "a target's deadline is not before the programme window opens",
    guard="Programme",
)

# -- plans (the shape of what apply_plan is given) ------------------------------------------

CLUSTER_NUMBER_UNIQUE = _rule(
    "cluster_number_unique",
    STRUCTURAL,
    "a plan names each cluster once",
    guard="check_plan (domain/plan.py)",
)
CLUSTER_HAS_MEMBERS = _rule(
    "cluster_has_members",
    STRUCTURAL,
    "a planned cluster has at least one province",
    guard="check_plan (domain/plan.py)",
)

# -- clusters and provinces ----------------------------------------------------------------

CLUSTER_ACTIVE = _rule(
    "cluster_active",
    STRUCTURAL,
    "a dissolved cluster takes no command but re-forming",
    guard="Cluster",
)
CLUSTER_DISSOLVED = _rule(
    "cluster_dissolved", STRUCTURAL, "only a dissolved cluster is re-formed", guard="Cluster"
)
DISSOLVE_EMPTY_CLUSTER = _rule(
    "dissolve_empty_cluster", INVARIANT, "a dissolved cluster has no provinces", guard="Cluster"
)
PROVINCE_IN_ONE_CLUSTER = _rule(
    "province_in_one_cluster",
    INVARIANT,
    "a province is in at most one cluster",
    guard="Placement (one per province), check_plan",
)
PROVINCE_IN_CLUSTER = _rule(
    "province_in_cluster",
    STRUCTURAL,
    "a province is moved or withdrawn only from the cluster it is in",
    guard="Cluster, Placement",
)
MOVE_ELSEWHERE = _rule(
    "move_elsewhere", STRUCTURAL, "a province is moved to another cluster", guard="Cluster"
)
HOST_IS_MEMBER = _rule(
    "host_is_member",
    INVARIANT,
    "a cluster's host and its session's venue are members; the host leaves last",
    guard="Cluster, Session, check_plan",
)
REASON_REQUIRED = _rule(
    "reason_required",
    STRUCTURAL,
    "a move, withdrawal, dissolution, cancellation, void or override gives a reason",
    guard="every aggregate (check_reason)",
)

# -- trainer teams -------------------------------------------------------------------------

TRAINER_TEAM = _rule(
    "trainer_team",
    POLICY,
    "each session is run by exactly one trainer team",
    guard="planner, validate; a Cluster holds at most one team by construction",
    planner="hard",
    why_policy=(
        "a session is scheduled before a team is found and a team is assigned later: "
        "'at most one' holds by construction (a cluster has one trainer_team), 'at least one' "
        "is what a finished plan has"
    ),
)
TRAINER_ONE_SESSION_A_DAY = _rule(
    "trainer_one_session_a_day",
    INVARIANT,
    "a trainer team runs at most one session a day",
    guard="TrainerTeamDiary (one per programme and team), check_plan",
    planner="hard",
)
TRAINER_TRAVEL_DAY = _rule(
    "trainer_travel_day",
    POLICY,
    "a team has a free working day before a hop longer than travel_day_km",
    guard="planner, validate",
    planner="hard",
    why_policy=(
        "it depends on road distances and a travel_day_km threshold that are planning inputs, "
        "not programme state; a tight hop after a manual reschedule is a judgement call (a team "
        "may drive the evening before), so it is reported, not refused"
    ),
)

# -- sessions: days -------------------------------------------------------------------------

ALLOWED_DATES = _rule(
    "allowed_dates",
    INVARIANT,
    "a session is on a working day allowed for its host and every member",
    guard="Session (as date_in_window, working_day, not_blacked_out), planner, validate",
    planner="hard",
)
DATE_IN_WINDOW = _rule(
    "date_in_window",
    INVARIANT,
    "a session day is inside the programme window (no override)",
    guard="Session",
)
WORKING_DAY = _rule(
    "working_day",
    INVARIANT,
    "a session day is not a weekend or holiday, unless an override with a reason is recorded",
    guard="Session",
)
NOT_BLACKED_OUT = _rule(
    "not_blacked_out",
    INVARIANT,
    "no province seated at a session has blacked out its day, unless an override is recorded",
    guard="Session",
)

# -- sessions: seats and bridges ------------------------------------------------------------

HALL_CAPACITY = _rule(
    "hall_capacity",
    INVARIANT,
    "the delegates of a cluster fit in its host's hall",
    guard="Session (seats allotted <= hall capacity), planner, validate",
    planner="hard",
)
BRIDGE_CAPACITY = _rule(
    "bridge_capacity",
    INVARIANT,
    "the bridge points connected on one day do not exceed the daily capacity",
    guard="BridgeDay (one per programme and day); Session (its own bridge capacity), planner",
    planner="hard",
)
BRIDGE_POINT_IN_CLUSTER = _rule(
    "bridge_point_in_cluster",
    INVARIANT,
    "a session's bridge points belong to provinces seated at it",
    guard="Session",
)
BRIDGE_POINT_CONNECTED = _rule(
    "bridge_point_connected",
    STRUCTURAL,
    "only a connected bridge point is disconnected",
    guard="Session",
)
SESSION_UNIQUE = _rule(
    "session_unique",
    INVARIANT,
    "a cluster has at most one session",
    guard="Session (deterministic id from the cluster)",
)
SESSION_NOT_CANCELLED = _rule(
    "session_not_cancelled",
    STRUCTURAL,
    "a cancelled session is neither changed nor attended",
    guard="Session, Attendance",
)
SESSION_NOT_HELD = _rule(
    "session_not_held", STRUCTURAL, "a session already held is not changed", guard="Session"
)
SESSION_CANCELLED = _rule(
    "session_cancelled", STRUCTURAL, "only a cancelled session is reinstated", guard="Session"
)
HELD_NOT_BEFORE_DAY = _rule(
    "held_not_before_day", INVARIANT, "a session is not held before its day", guard="Session"
)

# -- attendance ------------------------------------------------------------------------------

SESSION_SCHEDULED = _rule(
    "session_scheduled",
    INVARIANT,
    "hall or bridge attendance is of a province with a session",
    guard="Attendance",
)
ATTENDANCE_ON_SESSION_DAY = _rule(
    "attendance_on_session_day",
    INVARIANT,
    "hall or bridge attendance is dated on the session day",
    guard="Attendance",
)
ONE_IN_PERSON_OUTCOME = _rule(
    "one_in_person_outcome",
    INVARIANT,
    "a member is in the hall, at a bridge point or absent: one of them",
    guard="Attendance",
)
HALL_SEATS = _rule(
    "hall_seats",
    INVARIANT,
    "a province's hall rows do not exceed the seats allotted to it",
    guard="Attendance",
)
ACTIVITY_IN_PROGRAMME = _rule(
    "activity_in_programme",
    INVARIANT,
    "an online activity is not dated before the programme starts",
    guard="Attendance",
)
MEMBER_IN_ONE_TEAM = _rule(
    "member_in_one_team", INVARIANT, "a member is in one team and commune", guard="Attendance"
)
TEAM_IN_ONE_COMMUNE = _rule(
    "team_in_one_commune", INVARIANT, "a team is in one commune", guard="Attendance"
)
VOID_RECORDED_FACT = _rule(
    "void_recorded_fact", STRUCTURAL, "only a recorded fact is voided", guard="Attendance"
)

# -- the planner's own rules ---------------------------------------------------------------

ONE_CLUSTER_PER_UNIT = _rule(
    "one_cluster_per_unit",
    POLICY,
    "every unit is in exactly one cluster",
    guard="planner, validate; 'at most one' is the invariant province_in_one_cluster",
    planner="hard",
    why_policy=(
        "'at most one' is an invariant (province_in_one_cluster, guarded by Placement); "
        "'at least one' is not: a province may be withdrawn from the programme, with a reason"
    ),
)
CLUSTER_COUNT = _rule(
    "cluster_count",
    POLICY,
    "there are exactly P clusters",
    guard="planner, validate",
    planner="hard",
    why_policy=(
        "P is the number the programme plans for; a planner may dissolve or re-form a cluster "
        "between plans (for instance when its last province moves away)"
    ),
)
HOST_IN_CLUSTER = _rule(
    "host_in_cluster",
    STRUCTURAL,
    "each cluster has one host, a member of the cluster that can host",
    guard="planner (a cluster is its host by construction), validate; host_is_member in the domain",
    planner="hard",
)
CLUSTER_SIZE = _rule(
    "cluster_size",
    POLICY,
    "each cluster has between min_size and max_size units",
    guard="planner, validate",
    planner="hard",
    why_policy=(
        "size bounds balance a plan and are planning options (not stored in the programme); the "
        "hall_capacity invariant keeps the physical limit when a province moves later"
    ),
)
PIN = _rule(
    "pin",
    POLICY,
    "what was pinned (host, companion, date, team) is kept",
    guard="planner, validate (groups pin[1], pin[2], ...)",
    planner="hard",
    why_policy="pins are instructions to one planning run, not programme state",
)
MAX_TRAVEL_KM = _rule(
    "max_travel_km",
    POLICY,
    "no unit travels farther than max_travel_km to its cluster's host",
    guard="planner, validate",
    planner="hard",
    why_policy=(
        "a fairness cap chosen for one planning run (an option, not programme state); a "
        "later move that exceeds it is a planner's judgement call, so it is reported, not refused"
    ),
)
DELEGATE_TRAVEL = _rule(
    "delegate_travel",
    POLICY,
    "person-km from each unit to its host (objective, minimised)",
    guard="planner objective",
    planner="soft",
    why_policy="a cost to minimise, never broken: any plan has some delegate travel",
)
TRAINER_TRAVEL = _rule(
    "trainer_travel",
    POLICY,
    "km each trainer team drives between consecutive hosts (objective, weight 0 by default)",
    guard="planner objective",
    planner="soft",
    why_policy="a cost to minimise, never broken",
)
LONGEST_TRAVEL = _rule(
    "longest_travel",
    POLICY,
    "the longest distance one unit travels to its host (objective, weight 0 by default)",
    guard="planner objective",
    planner="soft",
    why_policy="a cost to minimise (fairness), never broken",
)
TEAM_LOAD_SPREAD = _rule(
    "team_load_spread",
    POLICY,
    "sessions of the busiest trainer team minus those of the least busy (objective, weight 0 "
    "by default)",
    guard="planner objective",
    planner="soft",
    why_policy="a cost to minimise (even loads), never broken",
)
UNPLACED_DELEGATES = _rule(
    "unplaced_delegates",
    POLICY,
    "delegates of the units a plan leaves out (objective of --place-what-fits)",
    guard="planner objective (only when placing what fits)",
    planner="soft",
    why_policy="a plan that places what fits leaves some units out on purpose, at a cost",
)
UNPLACED_UNITS = _rule(
    "unplaced_units",
    POLICY,
    "units a plan leaves out (objective of --place-what-fits, after unplaced delegates)",
    guard="planner objective (only when placing what fits)",
    planner="soft",
    why_policy="a plan that places what fits leaves some units out on purpose, at a cost",
)
UNITS_MOVED = _rule(
    "units_moved",
    POLICY,
    "units in another cluster than in the plan in force (re-plan objective)",
    guard="re-planner objective",
    planner="soft",
    why_policy="disruption is minimised when re-planning; a change is allowed, only counted",
)
SESSIONS_REDATED = _rule(
    "sessions_redated",
    POLICY,
    "sessions on another day than in the plan in force (re-plan objective)",
    guard="re-planner objective",
    planner="soft",
    why_policy="disruption is minimised when re-planning; a change is allowed, only counted",
)
SESSIONS_RETEAMED = _rule(
    "sessions_reteamed",
    POLICY,
    "sessions run by another team than in the plan in force (re-plan objective)",
    guard="re-planner objective",
    planner="soft",
    why_policy="disruption is minimised when re-planning; a change is allowed, only counted",
)

#: Every rule by name, in the order above.
RULES: Mapping[str, Rule] = MappingProxyType(_RULES)


def planning_rules() -> dict[str, str]:
    """The planner's hard constraints: name -> one-line rule (``HARD_CONSTRAINTS``)."""
    return {r.name: r.description for r in _RULES.values() if r.planner == "hard"}


#: The planner's hard constraints, name -> one-line rule.
PLANNING_RULES: Mapping[str, str] = MappingProxyType(planning_rules())


def rule_of(name: str) -> Rule:
    """The rule ``name`` names; a group such as ``hall_capacity[01]`` or ``pin[2]`` names its
    rule.  ``KeyError`` for a name that is not registered."""
    return _RULES[name.split("[", 1)[0]]


def registered(name: str) -> bool:
    return name.split("[", 1)[0] in _RULES
