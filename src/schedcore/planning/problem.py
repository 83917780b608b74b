"""The planning problem, free of any solver: units, clusters, days, teams, pins and weights.

Everything the planner needs is here as plain attrs values, so a problem can be built from the
built-in 2022 scenario, from a user's CSV files or from code, printed as JSON, and re-checked by
:func:`schedcore.planning.validate` without OR-Tools.  Every value is checked when the problem
is built: a bad problem raises :class:`~schedcore.errors.InvalidInputError` before any solve.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import attrs

from schedcore.domain.units import Unit
from schedcore.errors import InvalidInputError
from schedcore.planning.distances import check_distances, distance_matrix

__all__ = [
    "DEFAULT_TRAVEL_DAY_KM",
    "MAX_WEIGHT",
    "ObjectiveKind",
    "Pin",
    "Problem",
    "TrainerTeam",
    "Unit",
    "Weights",
]

#: A trainer team needs a free working day before a hop between hosts farther apart than this.
DEFAULT_TRAVEL_DAY_KM = 300


class ObjectiveKind(enum.StrEnum):
    """How delegate travel is counted."""

    PERSON_KM = "person-km"
    """Distance to the host times the unit's delegates: what the people actually travel."""
    DISTANCE = "distance"
    """Plain distance to the host, whatever the delegates (the classic p-median objective)."""


@attrs.frozen
class TrainerTeam:
    """A team of trainers who travel from host to host and run one session a day at most."""

    name: str

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError("a trainer team needs a non-empty name")


@attrs.frozen
class Pin:
    """Something already agreed that every plan must keep.

    ``unit``'s cluster is hosted by ``host``, and/or includes ``with_unit``, and/or meets on
    ``day``, and/or is run by ``team``.  ``Pin(unit="01", host="01")`` pins Hà Nội as a host;
    ``Pin(unit="01", host="01", day=date(2022, 9, 12))`` also pins its date.
    """

    unit: str
    host: str | None = None
    with_unit: str | None = None
    day: date | None = None
    team: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.host is None and self.with_unit is None and self.day is None and self.team is None:
            raise InvalidInputError(
                f"a pin on {self.unit} must fix a host, a companion unit, a day or a team"
            )

    def __str__(self) -> str:
        parts = [f"unit={self.unit}"]
        if self.host is not None:
            parts.append(f"host={self.host}")
        if self.with_unit is not None:
            parts.append(f"with={self.with_unit}")
        if self.day is not None:
            parts.append(f"date={self.day.isoformat()}")
        if self.team is not None:
            parts.append(f"team={self.team}")
        return ",".join(parts)


#: The largest weight an option takes: a weight times a plan's travel must stay far inside the
#: solver's 64-bit integers.
MAX_WEIGHT = 1_000_000


@attrs.frozen
class Weights:
    """Weights of the objective's named terms (whole numbers: CP-SAT needs integers).

    The objective is the sum of each term's unweighted value (``Plan.breakdown``) times its
    weight here:

    ``delegate_travel`` (default 1)
        person-km (or km) from each unit to its host.
    ``trainer_travel`` (default 0)
        km the trainer teams drive from host to host; 0 leaves it out of the objective (it is
        still minimised among the plans of equal delegate travel once the allocation is fixed).
    ``longest_travel`` (default 0)
        the longest distance one unit travels to its host: a positive weight makes the plan
        fairer to the farthest unit at some cost in total travel (minimise the maximum).
    ``team_load_spread`` (default 0)
        sessions of the busiest trainer team minus those of the least busy: a positive weight
        loads the teams evenly.
    ``unplaced_delegate`` and ``unplaced_unit`` (default ``None``: automatic)
        with :attr:`Problem.place_what_fits`, the cost of each delegate and each unit a plan
        leaves out.  Automatic weights put placing delegates first, then placing units, then
        every other term (``schedcore.planning.costs.effective_weights``); a number trades
        a left-out delegate against that much travel.
    """

    delegate_travel: int = 1
    trainer_travel: int = 0
    longest_travel: int = 0
    team_load_spread: int = 0
    unplaced_delegate: int | None = None
    unplaced_unit: int | None = None

    def __attrs_post_init__(self) -> None:
        for name, value in attrs.asdict(self).items():
            if value is None and name.startswith("unplaced_"):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInputError(f"weight {name} must be a whole number, got {value!r}")
            if not 0 <= value <= MAX_WEIGHT:
                raise InvalidInputError(
                    f"weight {name} must be from 0 to {MAX_WEIGHT:,}, got {value:,}"
                )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every weight's name, in the order of the fields."""
        return tuple(field.name for field in attrs.fields(cls))

    def to_json(self) -> dict[str, int | None]:
        """Every weight by name (``None``: automatic)."""
        return attrs.asdict(self)


def _units(units: Iterable[Unit]) -> tuple[Unit, ...]:
    return tuple(units)


def _teams(teams: Iterable[TrainerTeam]) -> tuple[TrainerTeam, ...]:
    return tuple(teams)


def _pins(pins: Iterable[Pin]) -> tuple[Pin, ...]:
    return tuple(pins)


def _days(days: Iterable[date] | None) -> tuple[date, ...] | None:
    return None if days is None else tuple(sorted(set(days)))


def _matrix(rows: Sequence[Sequence[int]] | None) -> tuple[tuple[int, ...], ...] | None:
    return None if rows is None else check_distances(rows)


@attrs.frozen
class Problem:
    """Allocate ``units`` to ``clusters`` clusters, each hosted by one of its members.

    ``days`` are the working days sessions may use (``None``: allocation only, no dates, no
    teams, no bridge limit).  ``trainer_teams`` run the sessions (empty: not planned).
    ``bridge_capacity`` caps the commune bridge points connected on one day (``None``: no cap).
    ``distances`` is a square matrix in the order of ``units`` (road km, minutes...); without
    it distances are great-circle km from lat/lon, else Euclidean from x/y, rounded.
    ``max_travel_km`` caps the distance from any unit to its host (``None``: no cap), in the
    distances' unit.  ``place_what_fits`` turns an over-constrained problem into a plan of what
    fits: units may be left out (``Plan.unplaced`` says which and why), at the cost of the
    ``unplaced_*`` weights; by default (``False``) every unit is placed or there is no plan.
    ``time_limit`` (seconds), ``workers`` and ``seed`` steer the solver: one worker and a fixed
    seed give the same plan every time.
    """

    units: tuple[Unit, ...] = attrs.field(converter=_units)
    clusters: int
    min_size: int = 1
    max_size: int | None = None
    days: tuple[date, ...] | None = attrs.field(default=None, converter=_days)
    trainer_teams: tuple[TrainerTeam, ...] = attrs.field(default=(), converter=_teams)
    bridge_capacity: int | None = None
    travel_day_km: int | None = DEFAULT_TRAVEL_DAY_KM
    pins: tuple[Pin, ...] = attrs.field(default=(), converter=_pins)
    weights: Weights = Weights()
    objective: ObjectiveKind = attrs.field(default=ObjectiveKind.PERSON_KM, converter=ObjectiveKind)
    distances: tuple[tuple[int, ...], ...] | None = attrs.field(default=None, converter=_matrix)
    max_travel_km: int | None = None
    place_what_fits: bool = False
    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    name: str = ""
    _index: dict[str, int] = attrs.field(init=False, repr=False, eq=False)
    _km: tuple[tuple[int, ...], ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, int] = {}
        for position, unit in enumerate(self.units):
            if unit.code in index:
                raise InvalidInputError(f"unit code {unit.code!r} appears twice")
            index[unit.code] = position
        object.__setattr__(self, "_index", index)
        self._check_sizes()
        self._check_calendar()
        self._check_pins()
        object.__setattr__(self, "_km", distance_matrix(self.units, self.distances))

    def _check_sizes(self) -> None:
        n = len(self.units)
        if n == 0:
            raise InvalidInputError("a problem needs at least one unit")
        if not 1 <= self.clusters <= n:
            raise InvalidInputError(
                f"clusters must be between 1 and {n} units, got {self.clusters}"
            )
        if self.min_size < 1:
            raise InvalidInputError(f"min_size must be at least 1, got {self.min_size}")
        if self.max_size is not None and self.max_size < self.min_size:
            raise InvalidInputError(
                f"max_size {self.max_size} is smaller than min_size {self.min_size}"
            )
        if self.time_limit <= 0:
            raise InvalidInputError(f"time_limit must be positive, got {self.time_limit}")
        if self.workers < 1:
            raise InvalidInputError(f"workers must be at least 1, got {self.workers}")
        if self.bridge_capacity is not None and self.bridge_capacity < 0:
            raise InvalidInputError("bridge_capacity must be non-negative")
        if self.travel_day_km is not None and self.travel_day_km < 0:
            raise InvalidInputError("travel_day_km must be non-negative")
        if self.max_travel_km is not None and self.max_travel_km < 0:
            raise InvalidInputError(f"max_travel_km must be non-negative, got {self.max_travel_km}")

    def _check_calendar(self) -> None:
        names = [team.name for team in self.trainer_teams]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"trainer team names repeat: {names}")
        if self.days is None:
            if self.trainer_teams:
                raise InvalidInputError("trainer teams need working days (days is None)")
            if self.bridge_capacity is not None:
                raise InvalidInputError("a bridge capacity needs working days (days is None)")
        elif not self.days:
            raise InvalidInputError("the window has no working day")

    def _check_pins(self) -> None:
        teams = {team.name for team in self.trainer_teams}
        fixed: dict[tuple[str, str], tuple[Pin, object]] = {}
        for pin in self.pins:
            for what, value in (("host", pin.host), ("day", pin.day), ("team", pin.team)):
                if value is None:
                    continue
                earlier = fixed.setdefault((pin.unit, what), (pin, value))
                if earlier[1] != value:
                    raise InvalidInputError(
                        f"pins {earlier[0]} and {pin} contradict each other: unit {pin.unit} "
                        f"cannot have two {what}s"
                    )
            for code in (pin.unit, pin.host, pin.with_unit):
                if code is not None and code not in self._index:
                    raise InvalidInputError(f"pin {pin}: unknown unit {code!r}")
            if pin.host is not None and not self.unit(pin.host).can_host:
                raise InvalidInputError(f"pin {pin}: {self.unit(pin.host)} cannot host")
            if pin.day is not None and (self.days is None or pin.day not in self.days):
                raise InvalidInputError(f"pin {pin}: {pin.day} is not a working day of the plan")
            if pin.team is not None and pin.team not in teams:
                raise InvalidInputError(f"pin {pin}: unknown trainer team {pin.team!r}")

    # -- lookups ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """The number of units."""
        return len(self.units)

    @property
    def codes(self) -> tuple[str, ...]:
        """The units' codes, in the problem's order."""
        return tuple(unit.code for unit in self.units)

    @property
    def has_dates(self) -> bool:
        """Whether sessions get dates (``days`` given), or the problem is allocation only."""
        return self.days is not None

    @property
    def km(self) -> tuple[tuple[int, ...], ...]:
        """The distance matrix in use (given or computed), in the order of ``units``."""
        return self._km

    def position(self, code: str) -> int:
        """The index of unit ``code`` in :attr:`units`; raises
        :class:`~schedcore.errors.InvalidInputError` for an unknown code.
        """
        try:
            return self._index[code]
        except KeyError:
            raise InvalidInputError(f"unknown unit {code!r}") from None

    def unit(self, code: str) -> Unit:
        """The unit whose code is ``code``; raises :class:`~schedcore.errors.InvalidInputError` for
        an unknown code.
        """
        return self.units[self.position(code)]

    def distance(self, a: str, b: str) -> int:
        """The distance between units ``a`` and ``b`` (km, or the matrix's unit when ``distances``
        was given); raises :class:`~schedcore.errors.InvalidInputError` for an unknown code.
        """
        return self._km[self.position(a)][self.position(b)]

    def hosts(self) -> tuple[int, ...]:
        """Positions of the units that can host."""
        return tuple(j for j, unit in enumerate(self.units) if unit.can_host)

    def may_serve(self, member: int, host: int) -> bool:
        """Whether ``host`` may serve ``member`` under :attr:`max_travel_km` (a host may always
        serve itself)."""
        cap = self.max_travel_km
        return cap is None or member == host or self._km[member][host] <= cap

    def pairs(self) -> list[tuple[int, int]]:
        """Every (unit, host) position pair a plan may use: the host can host and is within
        :attr:`max_travel_km` of the unit."""
        return [(i, j) for j in self.hosts() for i in range(self.size) if self.may_serve(i, j)]

    def delegate_cost(self, member: int, host: int) -> int:
        """What serving ``member`` from ``host`` adds to the delegate-travel term."""
        km = self._km[member][host]
        if self.objective is ObjectiveKind.PERSON_KM:
            return km * self.units[member].demand
        return km

    def allocation_cost(self, host_of: Mapping[int, int]) -> int:
        """The weighted delegate travel of an allocation (unit -> host positions): the whole
        objective of the allocation view."""
        weight = self.weights.delegate_travel
        return weight * sum(self.delegate_cost(i, j) for i, j in host_of.items())

    def allowed_day_indices(self, member: int) -> tuple[int, ...]:
        """Indices into ``days`` on which ``member`` can take part."""
        if self.days is None:
            return ()
        blackout = self.units[member].blackout
        return tuple(d for d, day in enumerate(self.days) if day not in blackout)

    def with_changes(self, **changes: object) -> Problem:
        """A copy with some fields replaced, re-validated."""
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]
