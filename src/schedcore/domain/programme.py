"""The Programme aggregate: what the programme sets out to do, and which plan is in force.

It changes rarely (creation, a target moved, a plan applied, a rename, a calendar change), so
it may serialise the planners: two plans applied at once conflict here, as they should.
Coordinators never write to it.

Its id is random and stays when it is renamed (the name index,
:mod:`schedcore.domain.programme_name`, finds it by name).  Its calendar changes by events
(a holiday added or removed, the window or the working weekdays changed), each refused while
a session in force sits on a day it would take away (``calendar_keeps_sessions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from typing import Any
from uuid import UUID, uuid4

import attrs
from eventsourcing.domain import Aggregate, event

from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain._copying import copy_aggregate
from schedcore.domain.programme_name import check_programme_name
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.domain.reservations import BridgeDay
from schedcore.domain.rule_names import (
    BRIDGE_CAPACITY,
    CALENDAR_KEEPS_SESSIONS,
    DEADLINE_AFTER_START,
    ONE_TARGET_PER_MEASURE,
    UNITS_IN_SCOPE,
)
from schedcore.domain.rules import check_actor, check_count, check_day, check_reason, violation
from schedcore.domain.units import Unit, UnitTable
from schedcore.errors import InvalidInputError, UnknownProvinceError

__all__ = ["Programme"]


class Programme(Aggregate):
    """A training programme: window, calendar, units in scope, expected counts, targets."""

    __deepcopy__ = copy_aggregate

    class Created(Aggregate.Created):
        """The programme was created.

        Version 2 added ``require_roles``.  Version 1 events (schedcore 0.1) are upcast with
        ``require_roles=False``: programmes of that time trusted plain string actors.
        Version 3 added ``daily_bridge_capacity``; older events are upcast with ``None`` (no
        daily cap: none was enforced then).
        Version 4 added ``time_zone``, ``unit_table``, ``country`` and ``session_hours``.
        Before it every store kept Vietnam's time: older events are upcast with
        ``Asia/Ho_Chi_Minh``; the built-in 2022 programme gets the built-in units table, any
        other programme none (its units are then named by their codes, as they were shown).
        """

        class_version = 4

        name: str
        calendar: WorkingCalendar
        clusters: int
        units: Sequence[str]
        teams: Mapping[str, int]
        members: Mapping[str, int]
        delegates: Mapping[str, int]
        bridge_points: Mapping[str, int]
        targets: Sequence[Target]
        notes: str
        actor: str
        require_roles: bool
        daily_bridge_capacity: int | None
        time_zone: str
        unit_table: Sequence[Mapping[str, Any]] | None
        country: str | None
        session_hours: Sequence[str] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["require_roles"] = False

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["daily_bridge_capacity"] = None

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            from schedcore.programmes.builtin import BUILTIN_NAME_2022, builtin_programme

            state["time_zone"] = "Asia/Ho_Chi_Minh"
            state["unit_table"] = None
            state["country"] = None
            state["session_hours"] = None
            if state.get("name") == BUILTIN_NAME_2022:
                state["unit_table"] = builtin_programme().units.to_records()
                state["country"] = builtin_programme().country

    @classmethod
    def create(
        cls,
        spec: ProgrammeSpec,
        *,
        actor: str,
        require_roles: bool = False,
        id: UUID | None = None,
    ) -> Programme:
        """Check the spec and record ``Programme.Created`` (under ``id``, else a random one).

        ``require_roles`` makes the programme accept only actors with a role (see
        :mod:`schedcore.security`); it is recorded, so every store holding it enforces it.
        """
        check_actor(actor)
        check_programme_name(spec.name)
        units = sorted(
            set(spec.teams) | set(spec.members) | set(spec.delegates) | set(spec.bridge_points)
        )
        if not units:
            raise violation(UNITS_IN_SCOPE, "a programme needs at least one unit in scope")
        measures = [t.measure for t in spec.targets]
        if len(set(measures)) != len(measures):
            raise violation(ONE_TARGET_PER_MEASURE, "a measure has more than one target")
        for target in spec.targets:
            _check_deadline(target, spec.calendar)
        return cls._create(
            cls.Created,
            id=id if id is not None else uuid4(),
            name=spec.name,
            calendar=spec.calendar,
            clusters=spec.clusters,
            units=tuple(units),
            teams=dict(spec.teams),
            members=dict(spec.members),
            delegates=dict(spec.delegates),
            bridge_points=dict(spec.bridge_points),
            targets=tuple(spec.targets),
            notes=spec.notes,
            actor=actor,
            require_roles=require_roles,
            daily_bridge_capacity=spec.daily_bridge_capacity,
            time_zone=spec.time_zone,
            unit_table=spec.units.to_records() if spec.units is not None else None,
            country=spec.country,
            session_hours=[t.isoformat("minutes") for t in spec.session_hours]
            if spec.session_hours is not None
            else None,
        )

    @event(Created)
    def __init__(
        self,
        name: str,
        calendar: WorkingCalendar,
        clusters: int,
        units: Sequence[str],
        teams: Mapping[str, int],
        members: Mapping[str, int],
        delegates: Mapping[str, int],
        bridge_points: Mapping[str, int],
        targets: Sequence[Target],
        notes: str,
        actor: str,
        require_roles: bool = False,
        daily_bridge_capacity: int | None = None,
        time_zone: str = "UTC",
        unit_table: Sequence[Mapping[str, Any]] | None = None,
        country: str | None = None,
        session_hours: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        #: The name ``Created`` recorded, whatever the programme was renamed to since (what
        #: keeps derived names stable, such as the exported calendar events' UIDs).
        self.name_as_created = name
        self.calendar = calendar
        #: The calendar ``Created`` recorded, before any calendar event changed it.
        self.calendar_as_created = calendar
        self.planned_clusters = clusters
        self.units = tuple(units)
        self.teams = dict(teams)
        self.members = dict(members)
        self.delegates = dict(delegates)
        self.bridge_points = dict(bridge_points)
        self.targets = tuple(targets)
        self.notes = notes
        self.created_by = actor
        self.roles_required = require_roles
        self.daily_bridge_capacity = daily_bridge_capacity
        self.time_zone = time_zone
        self.country = country
        self.session_hours: tuple[time, time] | None = (
            (time.fromisoformat(session_hours[0]), time.fromisoformat(session_hours[1]))
            if session_hours is not None
            else None
        )
        self.recorded_units = (
            UnitTable.from_records(unit_table, source=f"programme {name!r}")
            if unit_table is not None
            else None
        )
        self.plan_revision = 0
        self.clusters: tuple[int, ...] = ()

    # -- queries ---------------------------------------------------------------------------

    @property
    def start(self) -> date:
        return self.calendar.start

    @property
    def end(self) -> date:
        return self.calendar.end

    def target(self, measure: Measure) -> Target | None:
        return next((t for t in self.targets if t.measure is measure), None)

    def spec(self) -> ProgrammeSpec:
        """The programme as a plain value.

        Its units table is what ``Programme.Created`` records of each unit: code, names,
        place, region, venue and other columns; the counts are the spec's own maps.  Halls,
        blackout dates and the planning choices stay in the programme file: re-plan from it.
        """
        return ProgrammeSpec(
            name=self.name,
            calendar=self.calendar,
            clusters=self.planned_clusters,
            teams=dict(self.teams),
            members=dict(self.members),
            delegates=dict(self.delegates),
            bridge_points=dict(self.bridge_points),
            targets=self.targets,
            notes=self.notes,
            daily_bridge_capacity=self.daily_bridge_capacity,
            time_zone=self.time_zone,
            units=self.recorded_units,
            country=self.country,
            session_hours=self.session_hours,
        )

    @property
    def unit_table(self) -> UnitTable:
        """The programme's units by code and name (named by their codes when none was recorded)."""
        if self.recorded_units is not None:
            return self.recorded_units
        return UnitTable(
            tuple(Unit(code=code, name=code) for code in self.units),
            source=f"programme {self.name!r}",
        )

    def check_unit(self, code: str) -> None:
        if code not in self.units:
            raise UnknownProvinceError(
                self.unit_table.unknown(code, what=f"unit in programme {self.name!r}")
            )

    def seats_for(self, unit: str) -> int:
        """Hall seats a unit gets at its cluster's session: the delegates it sends."""
        return self.delegates.get(unit, 0)

    # -- commands --------------------------------------------------------------------------

    def change_target(self, target: Target, *, actor: str) -> bool:
        """Set the target of ``target.measure``; False (nothing recorded) if unchanged."""
        check_actor(actor)
        _check_deadline(target, self.calendar)
        if self.target(target.measure) == target:
            return False
        self._target_changed(
            measure=str(target.measure), share=target.share, deadline=target.deadline, actor=actor
        )
        return True

    @event("TargetChanged")
    def _target_changed(self, measure: str, share: float, deadline: date, actor: str) -> None:
        new = Target(Measure(measure), share, deadline)
        self.targets = tuple(
            sorted(
                (*(t for t in self.targets if t.measure is not new.measure), new),
                key=lambda t: list(Measure).index(t.measure),
            )
        )

    def change_daily_bridge_capacity(
        self, capacity: int | None, *, reserved: Iterable[BridgeDay] = (), actor: str
    ) -> bool:
        """Cap the bridge points connected on one day (``None``: no cap); False if unchanged.

        A negative or non-whole capacity is an :class:`InvalidInputError`.  ``reserved`` are the
        programme's :class:`BridgeDay` aggregates (the application loads those of the window's
        days): a cap below a day's reserved total is refused with ``bridge_capacity``, so the
        rule holds after this command too.
        """
        check_actor(actor)
        if capacity is not None:
            check_count(capacity, "the daily bridge capacity")
        if capacity == self.daily_bridge_capacity:
            return False
        if capacity is not None:
            for day in reserved:
                if day.total > capacity:
                    raise violation(
                        BRIDGE_CAPACITY,
                        f"{day.total} bridge points are connected on {day.day}; the daily "
                        f"capacity cannot go down to {capacity}",
                    )
        self._daily_bridge_capacity_changed(
            previous=self.daily_bridge_capacity, capacity=capacity, actor=actor
        )
        return True

    @event("DailyBridgeCapacityChanged")
    def _daily_bridge_capacity_changed(
        self, previous: int | None, capacity: int | None, actor: str
    ) -> None:
        self.daily_bridge_capacity = capacity

    def record_plan_applied(self, clusters: Sequence[int], *, changes: int, actor: str) -> None:
        check_actor(actor)
        self._plan_applied(
            revision=self.plan_revision + 1,
            clusters=tuple(sorted(clusters)),
            changes=changes,
            actor=actor,
        )

    @event("PlanApplied")
    def _plan_applied(
        self, revision: int, clusters: Sequence[int], changes: int, actor: str
    ) -> None:
        self.plan_revision = revision
        self.clusters = tuple(clusters)

    # -- identity --------------------------------------------------------------------------

    def rename(self, name: str, *, reason: str, actor: str) -> bool:
        """Record ``Renamed``; False (nothing recorded) if the name is already ``name``.

        The id stays: every aggregate and view keyed by it keeps its rows.  That no other
        programme holds ``name`` is the name index's rule (the application claims it in the
        same transaction).
        """
        check_actor(actor)
        check_programme_name(name)
        check_reason(reason, "renaming a programme")
        if name == self.name:
            return False
        self._renamed(previous=self.name, name=name, reason=reason, actor=actor)
        return True

    @event("Renamed")
    def _renamed(self, previous: str, name: str, reason: str, actor: str) -> None:
        self.name = name

    # -- calendar --------------------------------------------------------------------------

    def add_holiday(
        self, holiday: Holiday, *, sessions: Mapping[int, date], reason: str, actor: str
    ) -> bool:
        """Make ``holiday.day`` a holiday; False if it is one under that name already.

        ``sessions`` (cluster -> day) are the programme's sessions in force (scheduled or
        held): a day one of them is on cannot become a holiday (``calendar_keeps_sessions``).
        A holiday already on that day under another name is renamed.
        """
        check_actor(actor)
        check_reason(reason, "a calendar change")
        if not isinstance(holiday, Holiday):
            raise InvalidInputError(f"expected a Holiday (a day and a name), not {holiday!r}")
        check_day(holiday.day, "a holiday's day")
        if not isinstance(holiday.name, str) or not holiday.name.strip():
            raise InvalidInputError(f"the holiday on {holiday.day} needs a name")
        if holiday in self.calendar.holidays:
            return False
        _refuse_sessions_on(
            sessions, lambda day: day == holiday.day, f"{holiday.day} cannot become a holiday"
        )
        self._holiday_added(holiday=holiday, reason=reason, actor=actor)
        return True

    @event("HolidayAdded")
    def _holiday_added(self, holiday: Holiday, reason: str, actor: str) -> None:
        kept = tuple(h for h in self.calendar.holidays if h.day != holiday.day)
        self.calendar = attrs.evolve(self.calendar, holidays=(*kept, holiday))

    def remove_holiday(self, day: date, *, reason: str, actor: str) -> bool:
        """Make ``day`` an ordinary day again; False if it is no holiday."""
        check_actor(actor)
        check_reason(reason, "a calendar change")
        check_day(day, "the holiday to remove")
        found = [h for h in self.calendar.holidays if h.day == day]
        if not found:
            return False
        self._holiday_removed(holiday=found[0], reason=reason, actor=actor)
        return True

    @event("HolidayRemoved")
    def _holiday_removed(self, holiday: Holiday, reason: str, actor: str) -> None:
        kept = tuple(h for h in self.calendar.holidays if h.day != holiday.day)
        self.calendar = attrs.evolve(self.calendar, holidays=kept)

    def change_window(
        self,
        start: date,
        end: date,
        *,
        sessions: Mapping[int, date],
        reason: str,
        actor: str,
    ) -> bool:
        """Move the window to ``start``..``end``; False if unchanged.

        The window stays a range (``end`` not before ``start``: :class:`InvalidInputError`);
        no session in force may fall outside it and no target's deadline before its start
        (``calendar_keeps_sessions``, ``deadline_after_start``).
        """
        check_actor(actor)
        check_reason(reason, "a calendar change")
        check_day(start, "the window's start")
        check_day(end, "the window's end")
        changed = attrs.evolve(self.calendar, start=start, end=end)  # refuses end < start
        if (start, end) == (self.calendar.start, self.calendar.end):
            return False
        _refuse_sessions_on(
            sessions,
            lambda day: not changed.in_window(day),
            f"the window cannot become {start} to {end}",
        )
        for target in self.targets:
            _check_deadline(target, changed)
        self._window_changed(
            previous_start=self.calendar.start,
            previous_end=self.calendar.end,
            start=start,
            end=end,
            reason=reason,
            actor=actor,
        )
        return True

    @event("WindowChanged")
    def _window_changed(
        self,
        previous_start: date,
        previous_end: date,
        start: date,
        end: date,
        reason: str,
        actor: str,
    ) -> None:
        self.calendar = attrs.evolve(self.calendar, start=start, end=end)

    def change_weekdays(
        self,
        weekdays: Iterable[int],
        *,
        sessions: Mapping[int, date],
        reason: str,
        actor: str,
    ) -> bool:
        """Make ``weekdays`` (0 = Monday) the working weekdays; False if unchanged.

        A weekday that stops being a working day must carry no session in force
        (``calendar_keeps_sessions``; a session already on a non-working weekday, by an
        override, is not counted).
        """
        check_actor(actor)
        check_reason(reason, "a calendar change")
        days = _weekdays(weekdays)
        changed = attrs.evolve(self.calendar, weekdays=days)  # refuses an empty or bad set
        if changed.weekdays == self.calendar.weekdays:
            return False
        dropped = self.calendar.weekdays - changed.weekdays
        _refuse_sessions_on(
            sessions,
            lambda day: day.weekday() in dropped,
            f"{', '.join(_WEEKDAY_NAMES[d] for d in sorted(dropped))} cannot stop being "
            "working days",
        )
        self._weekdays_changed(
            previous=sorted(self.calendar.weekdays),
            weekdays=sorted(changed.weekdays),
            reason=reason,
            actor=actor,
        )
        return True

    @event("WeekdaysChanged")
    def _weekdays_changed(
        self, previous: Sequence[int], weekdays: Sequence[int], reason: str, actor: str
    ) -> None:
        self.calendar = attrs.evolve(self.calendar, weekdays=frozenset(weekdays))


_WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


def _weekdays(weekdays: Iterable[int]) -> frozenset[int]:
    if isinstance(weekdays, Mapping | str | bytes):
        raise InvalidInputError(f"weekdays are whole numbers 0..6, not {weekdays!r}")
    try:
        listed = list(weekdays)
    except TypeError:
        raise InvalidInputError(f"weekdays are whole numbers 0..6, not {weekdays!r}") from None
    # checked before they are a set: True would otherwise pass as the 1 it equals
    if not all(type(d) is int for d in listed):
        raise InvalidInputError(f"weekdays are whole numbers 0..6 (0 = Monday), not {weekdays!r}")
    return frozenset(listed)


def _refuse_sessions_on(sessions: Mapping[int, date], taken: Any, what: str) -> None:
    """Refuse (``calendar_keeps_sessions``) when a session is on a day ``taken`` says goes."""
    hit = sorted((cluster, day) for cluster, day in sessions.items() if taken(day))
    if hit:
        listed = ", ".join(f"cluster {cluster} on {day}" for cluster, day in hit)
        raise violation(
            CALENDAR_KEEPS_SESSIONS,
            f"{what}: {'a session is' if len(hit) == 1 else 'sessions are'} on "
            f"{'a day' if len(hit) == 1 else 'days'} it would take away ({listed}); move or "
            f"cancel {'it' if len(hit) == 1 else 'them'} first",
        )


def _check_deadline(target: Any, calendar: WorkingCalendar) -> None:
    if not isinstance(target, Target):
        raise InvalidInputError(f"expected a Target, got {type(target).__name__}")
    if target.deadline < calendar.start:
        raise violation(
            DEADLINE_AFTER_START,
            f"the {target.measure} deadline {target.deadline} is before the programme starts "
            f"({calendar.start})",
        )
