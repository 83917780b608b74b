"""The planning problem, free of any solver: units, clusters, days, teams, pins and weights.

Everything the planner needs is here as plain attrs values, so a problem can be built from the
built-in 2022 scenario, from a user's CSV files or from code, printed as JSON, and re-checked by
:func:`schedcore.planning.validate` without OR-Tools.  Every value is checked when the problem
is built: a bad problem raises :class:`~schedcore.errors.InvalidInputError` before any solve.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from schedcore.domain.rules import check_count
from schedcore.errors import InvalidInputError
from schedcore.planning.distances import check_distances, distance_matrix

__all__ = [
    "DEFAULT_TRAVEL_DAY_KM",
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


def _dates(days: Iterable[date]) -> frozenset[date]:
    return frozenset(days)


@attrs.frozen
class Unit:
    """A unit to be placed in a cluster (a province in the 2022 programme).

    ``demand`` is the number of in-person delegates it sends to its cluster's hall;
    ``capacity`` the seats of its own hall if it hosts (``None``: it cannot host);
    ``communes`` the bridge points that follow its cluster's session by video;
    ``blackout`` the dates on which it cannot take part in a session.
    Give coordinates as ``lat``/``lon`` (great-circle km) or ``x``/``y`` (Euclidean), or
    neither when the problem carries its own distance matrix.
    """

    code: str
    name: str
    demand: int
    capacity: int | None = None
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    region: str = ""
    communes: int = 0
    blackout: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)

    def __attrs_post_init__(self) -> None:
        if not self.code.strip():
            raise InvalidInputError("a unit needs a non-empty code")
        # whole numbers of people within reason: a negative, NaN or absurd count is a typo,
        # and would overflow the solver's integer arithmetic
        check_count(self.demand, f"unit {self.code}: demand")
        if self.capacity is not None:
            check_count(self.capacity, f"unit {self.code}: capacity")
        check_count(self.communes, f"unit {self.code}: communes")
        if (self.lat is None) != (self.lon is None) or (self.x is None) != (self.y is None):
            raise InvalidInputError(f"unit {self.code}: give both lat and lon, or both x and y")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):  # type: ignore[operator]
            raise InvalidInputError(f"unit {self.code}: coordinates out of range")

    @property
    def can_host(self) -> bool:
        """Whether the unit has a hall (a ``capacity``) and so may host a cluster."""
        return self.capacity is not None

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


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


@attrs.frozen
class Weights:
    """Weights of the objective's named terms (whole numbers: CP-SAT needs integers).

    ``trainer_travel`` defaults to 0: delegate travel alone is minimised, and the trainer
    teams' routes are then made as short as possible for that allocation.  A positive weight
    trades delegate km for trainer km (10: a team's kilometre counts like ten delegates').
    """

    delegate_travel: int = 1
    trainer_travel: int = 0

    def __attrs_post_init__(self) -> None:
        if self.delegate_travel < 0 or self.trainer_travel < 0:
            raise InvalidInputError("objective weights must be non-negative")


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

    def delegate_cost(self, member: int, host: int) -> int:
        """What serving ``member`` from ``host`` adds to the delegate-travel term."""
        km = self._km[member][host]
        if self.objective is ObjectiveKind.PERSON_KM:
            return km * self.units[member].demand
        return km

    def allowed_day_indices(self, member: int) -> tuple[int, ...]:
        """Indices into ``days`` on which ``member`` can take part."""
        if self.days is None:
            return ()
        blackout = self.units[member].blackout
        return tuple(d for d, day in enumerate(self.days) if day not in blackout)

    def with_changes(self, **changes: object) -> Problem:
        """A copy with some fields replaced, re-validated."""
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]
