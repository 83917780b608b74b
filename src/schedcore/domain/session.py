"""The Session aggregate: a cluster's in-person session at its host, relayed to bridge points.

One session per cluster (id from programme and cluster number).  The hall is shared by the
cluster's provinces, so each province is *allotted* seats (the delegates it sends); the sum of
allotments never exceeds the hall capacity.  Attendance then checks a province's hall rows
against its own allotment only, so coordinators of different provinces never write to the same
aggregate and never conflict, while the hall is still never over-filled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from schedcore.calendar import WorkingCalendar
from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import session_id
from schedcore.domain.rule_names import (
    BRIDGE_CAPACITY,
    BRIDGE_POINT_CONNECTED,
    BRIDGE_POINT_IN_CLUSTER,
    HALL_CAPACITY,
    HELD_NOT_BEFORE_DAY,
    HOST_IS_MEMBER,
    NOT_BLACKED_OUT,
    SESSION_CANCELLED,
    SESSION_NOT_CANCELLED,
    SESSION_NOT_HELD,
)
from schedcore.domain.rules import (
    check_actor,
    check_count,
    check_day,
    check_reason,
    check_session_day,
    violation,
)
from schedcore.domain.values import BridgePoint, SessionStatus, Venue

__all__ = ["Session", "SessionFacts"]


@attrs.frozen
class SessionFacts:
    """What attendance recording needs to know about a province's session."""

    cluster: int
    day: date
    status: SessionStatus
    seats: int


def _check_capacity(value: int, what: str) -> None:
    check_count(value, what)


def _points(points: Iterable[Any]) -> frozenset[BridgePoint]:
    return frozenset(BridgePoint(*point) for point in points)


class Session(Aggregate):
    """The session of cluster ``cluster``: day, venue, capacities, seats, bridge points."""

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, cluster: int) -> UUID:
        return session_id(programme_id, cluster)

    @classmethod
    def schedule(
        cls,
        programme_id: UUID,
        cluster: int,
        *,
        day: date,
        venue: Venue,
        hall_capacity: int,
        bridge_capacity: int,
        seats: Mapping[str, int],
        calendar: WorkingCalendar,
        override_reason: str | None = None,
        actor: str,
    ) -> Session:
        check_actor(actor)
        if venue.province not in seats:
            raise violation(
                HOST_IS_MEMBER, f"the venue's province {venue.province} is not in the cluster"
            )
        check_session_day(day, calendar, seats, override_reason)
        _check_capacity(hall_capacity, "hall capacity")
        _check_capacity(bridge_capacity, "bridge capacity")
        for province, count in seats.items():
            _check_capacity(count, f"seats of {province}")
        if sum(seats.values()) > hall_capacity:
            raise violation(
                HALL_CAPACITY,
                f"cluster {cluster} sends {sum(seats.values())} delegates to a hall of "
                f"{hall_capacity}",
            )
        return cls(
            programme_id=programme_id,
            cluster=cluster,
            day=day,
            venue=venue,
            hall_capacity=hall_capacity,
            bridge_capacity=bridge_capacity,
            seats=dict(sorted(seats.items())),
            override_reason=override_reason,
            actor=actor,
        )

    @event("Scheduled")
    def __init__(
        self,
        programme_id: UUID,
        cluster: int,
        day: date,
        venue: Venue,
        hall_capacity: int,
        bridge_capacity: int,
        seats: Mapping[str, int],
        override_reason: str | None,
        actor: str,
    ) -> None:
        self.programme_id = programme_id
        self.cluster = cluster
        self.day = day
        self.venue = venue
        self.hall_capacity = hall_capacity
        self.bridge_capacity = bridge_capacity
        self.seats = dict(seats)
        self.bridge_points: frozenset[BridgePoint] = frozenset()
        self.status = SessionStatus.SCHEDULED
        self.cancel_reason: str | None = None

    # -- queries ---------------------------------------------------------------------------

    @property
    def seats_allotted(self) -> int:
        return sum(self.seats.values())

    def facts_for(self, province: str) -> SessionFacts:
        return SessionFacts(self.cluster, self.day, self.status, self.seats.get(province, 0))

    # -- guards ----------------------------------------------------------------------------

    def check_open(self) -> None:
        if self.status is SessionStatus.CANCELLED:
            raise violation(SESSION_NOT_CANCELLED, f"session {self.cluster} is cancelled")
        if self.status is SessionStatus.HELD:
            raise violation(SESSION_NOT_HELD, f"session {self.cluster} was already held")

    # -- commands --------------------------------------------------------------------------

    def reschedule(
        self,
        day: date,
        *,
        calendar: WorkingCalendar,
        override_reason: str | None = None,
        actor: str,
    ) -> bool:
        check_actor(actor)
        self.check_open()
        check_session_day(day, calendar, self.seats, override_reason)
        if day == self.day:
            return False
        self._rescheduled(
            cluster=self.cluster,
            previous_day=self.day,
            day=day,
            override_reason=override_reason,
            actor=actor,
        )
        return True

    @event("Rescheduled")
    def _rescheduled(
        self,
        cluster: int,
        previous_day: date,
        day: date,
        override_reason: str | None,
        actor: str,
    ) -> None:
        self.day = day

    def change_venue(self, venue: Venue, *, actor: str) -> bool:
        check_actor(actor)
        self.check_open()
        if venue.province not in self.seats:
            raise violation(
                HOST_IS_MEMBER, f"the venue's province {venue.province} is not in the cluster"
            )
        if venue == self.venue:
            return False
        self._venue_changed(cluster=self.cluster, venue=venue, actor=actor)
        return True

    @event("VenueChanged")
    def _venue_changed(self, cluster: int, venue: Venue, actor: str) -> None:
        self.venue = venue

    def change_capacity(
        self, *, hall_capacity: int | None = None, bridge_capacity: int | None = None, actor: str
    ) -> bool:
        check_actor(actor)
        self.check_open()
        hall = self.hall_capacity if hall_capacity is None else hall_capacity
        bridge = self.bridge_capacity if bridge_capacity is None else bridge_capacity
        _check_capacity(hall, "hall capacity")
        _check_capacity(bridge, "bridge capacity")
        if hall < self.seats_allotted:
            raise violation(
                HALL_CAPACITY,
                f"{self.seats_allotted} seats are allotted in the hall of session "
                f"{self.cluster}; it cannot shrink to {hall}",
            )
        if bridge < len(self.bridge_points):
            raise violation(
                BRIDGE_CAPACITY,
                f"{len(self.bridge_points)} bridge points are connected to session "
                f"{self.cluster}; the bridge cannot shrink to {bridge}",
            )
        if (hall, bridge) == (self.hall_capacity, self.bridge_capacity):
            return False
        self._capacity_changed(
            cluster=self.cluster, hall_capacity=hall, bridge_capacity=bridge, actor=actor
        )
        return True

    @event("CapacityChanged")
    def _capacity_changed(
        self, cluster: int, hall_capacity: int, bridge_capacity: int, actor: str
    ) -> None:
        self.hall_capacity = hall_capacity
        self.bridge_capacity = bridge_capacity

    class SeatsAllotted(Aggregate.Event):
        """Seats were allotted to a province.

        Version 2 added ``override_reason`` (a province joining on one of its blackout days);
        older events are upcast with ``None``: no override was recorded then.
        """

        class_version = 2

        cluster: int
        province: str
        seats: int
        actor: str
        override_reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["override_reason"] = None

    def allot_seats(
        self,
        province: str,
        seats: int,
        *,
        calendar: WorkingCalendar | None = None,
        override_reason: str | None = None,
        actor: str,
    ) -> bool:
        """Seat ``seats`` delegates of ``province``; False if it already has that many.

        The seats allotted never exceed the hall (``hall_capacity``).  A province joining the
        session (not seated yet) must not have blacked out its day (``not_blacked_out``) unless
        ``override_reason`` says why: give ``calendar`` (the programme's) to check it.
        """
        check_actor(actor)
        self.check_open()
        _check_capacity(seats, f"seats of {province}")
        if self.seats.get(province) == seats:
            return False
        total = self.seats_allotted - self.seats.get(province, 0) + seats
        if total > self.hall_capacity:
            raise violation(
                HALL_CAPACITY,
                f"allotting {seats} seats to {province} would fill {total} of the "
                f"{self.hall_capacity} seats of session {self.cluster}",
            )
        joining = province not in self.seats
        if not joining or calendar is None:
            override_reason = None
        elif override_reason is not None:
            check_reason(override_reason, "overriding the blackout rule")
        elif self.day in calendar.blackouts.get(province, frozenset()):
            raise violation(
                NOT_BLACKED_OUT,
                f"{self.day} is blacked out for unit {province}, so it cannot join session "
                f"{self.cluster}; give an override reason to seat it anyway",
            )
        self._seats_allotted(
            cluster=self.cluster,
            province=province,
            seats=seats,
            actor=actor,
            override_reason=override_reason,
        )
        return True

    @event(SeatsAllotted)
    def _seats_allotted(
        self, cluster: int, province: str, seats: int, actor: str, override_reason: str | None
    ) -> None:
        self.seats = dict(sorted({**self.seats, province: seats}.items()))

    def release_seats(self, province: str, *, actor: str) -> bool:
        """The province leaves the session: its bridge points are disconnected first (one
        ``BridgePointsDisconnected``), then its seats released; False if it had none."""
        check_actor(actor)
        if province not in self.seats:
            return False
        if province == self.venue.province and self.status is SessionStatus.SCHEDULED:
            raise violation(
                HOST_IS_MEMBER,
                f"province {province} hosts session {self.cluster}: change the venue first",
            )
        theirs = tuple(sorted(p for p in self.bridge_points if p.province == province))
        if theirs:  # a session's bridge points are of its provinces (bridge_point_in_cluster)
            self._bridge_points_disconnected(cluster=self.cluster, points=theirs, actor=actor)
        self._seats_released(cluster=self.cluster, province=province, actor=actor)
        return True

    @event("SeatsReleased")
    def _seats_released(self, cluster: int, province: str, actor: str) -> None:
        self.seats = {p: n for p, n in self.seats.items() if p != province}

    def connect_bridge_points(self, points: Iterable[BridgePoint], *, actor: str) -> int:
        """Connect communes' bridge points; already connected ones are skipped.  Returns how
        many were connected."""
        check_actor(actor)
        self.check_open()
        new = sorted(_points(points) - self.bridge_points)
        for point in new:
            if point.province not in self.seats:
                raise violation(
                    BRIDGE_POINT_IN_CLUSTER,
                    f"province {point.province} is not in cluster {self.cluster}",
                )
        if len(self.bridge_points) + len(new) > self.bridge_capacity:
            raise violation(
                BRIDGE_CAPACITY,
                f"session {self.cluster} bridges at most {self.bridge_capacity} points; "
                f"{len(self.bridge_points)} are connected and {len(new)} more were asked",
            )
        if new:
            self._bridge_points_connected(cluster=self.cluster, points=tuple(new), actor=actor)
        return len(new)

    @event("BridgePointsConnected")
    def _bridge_points_connected(
        self, cluster: int, points: tuple[BridgePoint, ...], actor: str
    ) -> None:
        self.bridge_points = self.bridge_points | _points(points)

    def disconnect_bridge_points(self, points: Iterable[BridgePoint], *, actor: str) -> int:
        check_actor(actor)
        wanted = _points(points)
        unknown = sorted(wanted - self.bridge_points)
        if unknown:
            raise violation(
                BRIDGE_POINT_CONNECTED,
                f"bridge point {unknown[0].commune} ({unknown[0].province}) is not connected "
                f"to session {self.cluster}",
            )
        if wanted:
            self._bridge_points_disconnected(
                cluster=self.cluster, points=tuple(sorted(wanted)), actor=actor
            )
        return len(wanted)

    @event("BridgePointsDisconnected")
    def _bridge_points_disconnected(
        self, cluster: int, points: tuple[BridgePoint, ...], actor: str
    ) -> None:
        self.bridge_points = self.bridge_points - _points(points)

    def cancel(self, *, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "cancelling a session")
        self.check_open()
        self._cancelled(cluster=self.cluster, reason=reason, actor=actor)

    @event("Cancelled")
    def _cancelled(self, cluster: int, reason: str, actor: str) -> None:
        self.status = SessionStatus.CANCELLED
        self.cancel_reason = reason

    def reinstate(
        self,
        day: date,
        *,
        calendar: WorkingCalendar,
        override_reason: str | None = None,
        actor: str,
    ) -> None:
        check_actor(actor)
        if self.status is not SessionStatus.CANCELLED:
            raise violation(SESSION_CANCELLED, f"session {self.cluster} is not cancelled")
        check_session_day(day, calendar, self.seats, override_reason)
        self._reinstated(
            cluster=self.cluster, day=day, override_reason=override_reason, actor=actor
        )

    @event("Reinstated")
    def _reinstated(self, cluster: int, day: date, override_reason: str | None, actor: str) -> None:
        self.day = day
        self.status = SessionStatus.SCHEDULED
        self.cancel_reason = None

    def mark_held(self, *, on: date, actor: str) -> None:
        """Record that the session took place; not before its day."""
        check_actor(actor)
        check_day(on, "the day a session was held")
        self.check_open()
        if on < self.day:
            raise violation(
                HELD_NOT_BEFORE_DAY, f"session {self.cluster} is on {self.day}, not yet held"
            )
        self._held(cluster=self.cluster, day=self.day, actor=actor)

    @event("Held")
    def _held(self, cluster: int, day: date, actor: str) -> None:
        self.status = SessionStatus.HELD
