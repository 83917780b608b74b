"""The :class:`Scheduler`: every command of schedcore, behind one facade.

Each method checks the shape of its arguments, then hands a
:class:`~schedcore.application.pipeline.Command` to the one pipeline (authorize, replay,
load private copies, decide, save in one transaction, translate errors, retry lost races).
What a command decides lives in its family's module: ``programme``, ``clusters``,
``sessions`` or ``attendance`` beside this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import partial
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from schedcore.application import attendance, identities, sessions
from schedcore.application import clusters as cluster_commands
from schedcore.application import programme as programmes
from schedcore.application.base import AsOf, ProgrammeRef
from schedcore.application.identities import MemberErasure
from schedcore.application.inputs import bridge_points, member_refs, texts, venue_of
from schedcore.application.pipeline import Command, authorized, receipt_of, run
from schedcore.application.queries import Queries
from schedcore.calendar import Holiday, now
from schedcore.domain.ids import attendance_id, keyed_programme_id, programme_id, receipt_id
from schedcore.domain.plan import PlannedClusterLike
from schedcore.domain.programme import Programme
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import AppliedPlan, Recorded, RecordedAttendance
from schedcore.domain.rules import check_day
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint, MemberRef, Venue
from schedcore.errors import InvalidInputError
from schedcore.security import ActorLike, resolve_actor

__all__ = ["AsOf", "ProgrammeRef", "Scheduler"]

R = TypeVar("R")


class Scheduler(Queries):
    """Commands and queries over one event store (see :meth:`open`).

    One instance may be shared by any number of threads.  Every command names its actor
    (recorded on each event) and may carry an idempotency key: the same key twice changes
    nothing and returns the first result, marked ``replayed``.  A command that loses a race
    with another writer is decided again on fresh aggregates (:attr:`retry`); the library's
    own errors all belong to :class:`~schedcore.errors.SchedcoreError`.

    Every command raises, and then has written nothing:

    * :class:`~schedcore.errors.PermissionDeniedError` when the actor's role or scope does
      not allow it (checked before anything is read);
    * :class:`~schedcore.errors.InvalidInputError` for arguments of the wrong shape,
      :class:`~schedcore.errors.UnknownProvinceError` for a unit not in the programme;
    * :class:`~schedcore.errors.NotFoundError` when the programme, cluster or session it
      names does not exist;
    * :class:`~schedcore.errors.RuleViolationError` naming the rule (``.rule``, see
      ``docs/concepts/rules.md``) the command would break, e.g. ``trainer_one_session_a_day``,
      ``bridge_capacity``, ``hall_capacity``, ``date_in_window``, ``not_blacked_out``;
    * :class:`~schedcore.errors.ConcurrencyError` once other writers won every attempt the
      retry policy allows; :class:`~schedcore.errors.StoreBusyError` when the store stayed
      locked longer than its lock timeout; :class:`~schedcore.errors.StoreError` when the
      store cannot be read or written.
    """

    #: Names the tables of the store (``schedcore_events``): never change it.
    name = "schedcore"

    def _command(
        self,
        name: str,
        actor: ActorLike,
        programme: ProgrammeRef | None,
        idempotency_key: str | None,
        decide: Callable[..., R],
        *,
        scope_cluster: int | None = None,
        scope_provinces: Iterable[object] = (),
        receipts: UUID | None = None,
        **arguments: Any,
    ) -> R:
        """Run ``decide(work, **arguments)`` through the pipeline; the scope arguments are
        what a coordinator's rights are checked against, ``receipts`` where the idempotency
        receipt is kept (default: the programme)."""
        return run(
            self,
            Command(
                name,
                actor,
                programme,
                partial(decide, **arguments),
                idempotency_key,
                cluster=scope_cluster,
                provinces=scope_provinces,
                receipts=receipts,
            ),
        )

    # -- programme -------------------------------------------------------------------------

    def create_programme(
        self,
        spec: ProgrammeSpec,
        *,
        actor: ActorLike,
        idempotency_key: str | None = None,
        require_roles: bool = False,
    ) -> UUID:
        """Record ``Programme.Created`` under a new id, and return the id; a programme
        of the same name must not exist (``programme_unique``, also when two writers race for
        the name: the name index lets one win).

        ``require_roles=True`` records that the programme accepts only actors with a role
        (no operator, no text): every store that holds it enforces that, whoever opens it.
        The idempotency key is kept under the name: the same key for the same name answers
        from the first call, with the id it gave (a programme created with a key has an id
        derived from its name and the key, so a retry finds it even after a rename).
        """
        if not isinstance(require_roles, bool):
            raise InvalidInputError(f"require_roles must be True or False, not {require_roles!r}")
        if not isinstance(spec, ProgrammeSpec):
            raise InvalidInputError(f"a programme is made from a ProgrammeSpec, not {spec!r}")
        if require_roles:
            resolve_actor(actor, require_roles=True)  # no text, no operator: says what to pass
        key = idempotency_key
        new = (
            keyed_programme_id(spec.name, key) if isinstance(key, str) and key.strip() else uuid4()
        )
        result = self._command(
            "create_programme",
            actor,
            new,
            idempotency_key,
            programmes.create_programme,
            receipts=programme_id(spec.name),
            spec=spec,
            require_roles=require_roles,
        )
        if not result.replayed:
            return new
        # Sent again with its key: the first call's programme, whatever its name is now (an
        # older release created it under the id derived from its name).
        for first in (new, programme_id(spec.name)):
            if self._find(Programme, first, copy=False) is not None:
                return first
        return self.programme_id(spec.name)  # pragma: no cover - a receipt without its programme

    def rename_programme(
        self,
        name: str,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record ``Programme.Renamed``: the programme keeps its id, and is found by ``name``
        from now on (its old name answers with a :class:`~schedcore.errors.NotFoundError`
        that names the new one, until another programme takes it).

        Refused (``programme_unique``) when another programme holds ``name``; a blank name or
        reason is refused too.  Renaming to the name it has records nothing.
        """
        ref = programme if programme is not None else self.default_programme
        result = self._command(
            "rename_programme",
            actor,
            ref,
            idempotency_key,
            programmes.rename_programme,
            new_name=name,
            reason=reason,
        )
        if self._default_programme == ref and isinstance(ref, str):
            self._default_programme = name  # the store was opened for it: keep following it
        return result

    def change_target(
        self,
        target: Target,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record the programme's target for ``target.measure``, replacing the one it had.

        Raises :class:`~schedcore.errors.RuleViolationError` when the programme's rules refuse the
        target, :class:`~schedcore.errors.PermissionDeniedError` when ``actor`` may not change
        targets (a planner's command) and :class:`~schedcore.errors.NotFoundError` when the
        programme does not exist.
        """
        return self._command(
            "change_target",
            actor,
            programme,
            idempotency_key,
            programmes.change_target,
            target=target,
        )

    def change_daily_bridge_capacity(
        self,
        capacity: int | None,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Cap the commune bridge points connected on one day across clusters (``None``: no
        cap).  Refused (``bridge_capacity``) below what a day already has connected."""
        return self._command(
            "change_daily_bridge_capacity",
            actor,
            programme,
            idempotency_key,
            programmes.change_daily_bridge_capacity,
            capacity=capacity,
        )

    # -- calendar --------------------------------------------------------------------------

    def change_calendar(
        self,
        *,
        add_holidays: Iterable[Holiday] = (),
        remove_holidays: Iterable[date] = (),
        start: date | None = None,
        end: date | None = None,
        weekdays: Iterable[int] | None = None,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Change the programme's calendar, in one transaction: holidays removed
        (``HolidayRemoved``), the window moved to ``start``/``end`` (``WindowChanged``; a day
        not given stays), the working ``weekdays`` (0 = Monday) set (``WeekdaysChanged``),
        holidays added (``HolidayAdded``).  What is already so records nothing.

        Refused, with nothing recorded: ``calendar_keeps_sessions`` (naming the sessions)
        when a session in force is on a day the change takes away (a new holiday, a day
        out of the window, a weekday no longer worked): move or cancel it first;
        ``deadline_after_start`` when a target's deadline would come before the start;
        :class:`~schedcore.errors.InvalidInputError` for a window that ends before it starts,
        no weekday, or a blank reason (``reason_required``).  The planner and the sessions'
        day rules use the calendar as changed, and :meth:`Programme.spec` returns it.
        """
        added = _sequence(add_holidays, "add_holidays")
        for holiday in added:
            if not isinstance(holiday, Holiday):
                raise InvalidInputError(f"a holiday is a Holiday(day, name), not {holiday!r}")
        removed = _sequence(remove_holidays, "remove_holidays")
        for holiday in added:
            check_day(holiday.day, f"the day of holiday {holiday.name!r}")
        for day in removed:
            check_day(day, "a holiday to remove")
        for label, value in (("start", start), ("end", end)):
            if value is not None:
                check_day(value, label)
        days = None
        if weekdays is not None:
            if isinstance(weekdays, str | bytes | Mapping):
                raise InvalidInputError(f"weekdays are numbers 0..6 (0 = Monday), not {weekdays!r}")
            days = _sequence(weekdays, "weekdays")
        return self._command(
            "change_calendar",
            actor,
            programme,
            idempotency_key,
            programmes.change_calendar,
            remove=removed,
            start=start,
            end=end,
            weekdays=days,
            add=added,
            reason=reason,
        )

    def add_holiday(
        self,
        day: date,
        name: str,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Make ``day`` a holiday named ``name``: :meth:`change_calendar` with one holiday."""
        check_day(day, "a holiday's day")
        if not isinstance(name, str):
            raise InvalidInputError(f"a holiday's name is text, not {name!r}")
        return self.change_calendar(
            add_holidays=[Holiday(day, name.strip())],
            reason=reason,
            actor=actor,
            programme=programme,
            idempotency_key=idempotency_key,
        )

    def change_window(
        self,
        *,
        start: date | None = None,
        end: date | None = None,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Extend or shorten the window (a day not given stays): :meth:`change_calendar`."""
        return self.change_calendar(
            start=start,
            end=end,
            reason=reason,
            actor=actor,
            programme=programme,
            idempotency_key=idempotency_key,
        )

    def remove_holiday(
        self,
        day: date,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Make ``day`` an ordinary day again: :meth:`change_calendar` with one removal."""
        return self.change_calendar(
            remove_holidays=[day],
            reason=reason,
            actor=actor,
            programme=programme,
            idempotency_key=idempotency_key,
        )

    # -- clusters --------------------------------------------------------------------------

    def apply_plan(
        self,
        clusters: Iterable[PlannedClusterLike],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
        hall_capacity: int | Mapping[int, int] | None = None,
        bridge_capacity: int | Mapping[int, int] | None = None,
        venues: Mapping[int, Venue] | None = None,
        reason: str = "plan applied",
        override_reason: str | None = None,
    ) -> AppliedPlan:
        """Make the stored plan equal ``clusters``, recording only the differences, atomically.

        Provinces are assigned, moved or withdrawn; hosts and trainer teams set; clusters
        formed, re-formed or dissolved; sessions scheduled, re-dated, re-seated or cancelled.
        A cluster without a date keeps its session as it is (seats follow its members).
        Capacities default to what the members need: the hall seats the delegates of its
        members, the bridge connects their communes.  Applying the plan in force records
        nothing.  Everything is saved in one transaction: all of it, or nothing.
        """
        planned = clusters if isinstance(clusters, str | bytes) else _listed(clusters)
        return self._command(
            "apply_plan",
            actor,
            programme,
            idempotency_key,
            cluster_commands.apply_plan,
            clusters=planned,
            hall_capacity=hall_capacity,
            bridge_capacity=bridge_capacity,
            venues=venues,
            reason=reason,
            override_reason=override_reason,
        )

    def assign_province(
        self,
        province: str,
        cluster: int,
        *,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Put a province that is in no cluster into ``cluster`` (and its session's hall).

        The session's day must not be one the province blacked out, unless
        ``override_reason`` says why it is used anyway (recorded on the event)."""
        return self._command(
            "assign_province",
            actor,
            programme,
            idempotency_key,
            cluster_commands.assign_province,
            province=province,
            cluster=cluster,
            override_reason=override_reason,
        )

    def move_province(
        self,
        province: str,
        to_cluster: int,
        *,
        reason: str,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Move a province to another cluster: both clusters, its placement and both
        sessions' seats change in one transaction.  The new session's day must not be one the
        province blacked out, unless ``override_reason`` says why (recorded on the event)."""
        return self._command(
            "move_province",
            actor,
            programme,
            idempotency_key,
            cluster_commands.move_province,
            province=province,
            to_cluster=to_cluster,
            reason=reason,
            override_reason=override_reason,
        )

    def withdraw_province(
        self,
        province: str,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Take a province out of its cluster (and its session's hall)."""
        return self._command(
            "withdraw_province",
            actor,
            programme,
            idempotency_key,
            cluster_commands.withdraw_province,
            province=province,
            reason=reason,
        )

    def set_host(
        self,
        cluster: int,
        province: str,
        *,
        actor: ActorLike,
        venue_name: str = "",
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Make a member province the host; a scheduled session moves to its venue."""
        return self._command(
            "set_host",
            actor,
            programme,
            idempotency_key,
            cluster_commands.set_host,
            cluster=cluster,
            province=province,
            venue_name=venue_name,
        )

    def assign_trainer_team(
        self,
        cluster: int,
        trainer_team: str,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Give a cluster's session to a trainer team."""
        return self._command(
            "assign_trainer_team",
            actor,
            programme,
            idempotency_key,
            cluster_commands.assign_trainer_team,
            cluster=cluster,
            trainer_team=trainer_team,
        )

    # -- sessions --------------------------------------------------------------------------

    def schedule_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        venue: Venue | None = None,
        hall_capacity: int | None = None,
        bridge_capacity: int | None = None,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Schedule the session of a cluster that has a host and no session yet."""
        return self._command(
            "schedule_session",
            actor,
            programme,
            idempotency_key,
            sessions.schedule,
            scope_cluster=cluster,
            cluster=cluster,
            day=day,
            venue=None if venue is None else venue_of(venue),
            hall_capacity=hall_capacity,
            bridge_capacity=bridge_capacity,
            override_reason=override_reason,
        )

    def reschedule_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Move a cluster's session to another day of the window."""
        return self._command(
            "reschedule_session",
            actor,
            programme,
            idempotency_key,
            sessions.reschedule,
            scope_cluster=cluster,
            cluster=cluster,
            day=day,
            override_reason=override_reason,
        )

    def change_venue(
        self,
        cluster: int,
        venue: Venue,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Hold a cluster's session in another hall."""
        return self._command(
            "change_venue",
            actor,
            programme,
            idempotency_key,
            sessions.change_venue,
            scope_cluster=cluster,
            cluster=cluster,
            venue=venue_of(venue),
        )

    def change_capacity(
        self,
        cluster: int,
        *,
        actor: ActorLike,
        hall_capacity: int | None = None,
        bridge_capacity: int | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Change how many the session's hall seats and how many communes its bridge joins."""
        return self._command(
            "change_capacity",
            actor,
            programme,
            idempotency_key,
            sessions.change_capacity,
            scope_cluster=cluster,
            cluster=cluster,
            hall_capacity=hall_capacity,
            bridge_capacity=bridge_capacity,
        )

    def cancel_session(
        self,
        cluster: int,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Cancel a cluster's session (it can be reinstated later)."""
        return self._command(
            "cancel_session",
            actor,
            programme,
            idempotency_key,
            sessions.cancel,
            scope_cluster=cluster,
            cluster=cluster,
            reason=reason,
        )

    def reinstate_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Hold a cancelled session again, on ``day``, for its cluster as it is now.

        While the session was cancelled its cluster may have changed (a plan applied without a
        date for it, provinces moved out): the reinstated session seats the cluster's current
        members at the host, its capacities grown if they must be, in the same transaction.
        """
        return self._command(
            "reinstate_session",
            actor,
            programme,
            idempotency_key,
            sessions.reinstate,
            scope_cluster=cluster,
            cluster=cluster,
            day=day,
            override_reason=override_reason,
        )

    def connect_bridge_points(
        self,
        cluster: int,
        points: Iterable[BridgePoint | tuple[str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Connect communes (province, commune) to a session's online bridge."""
        return self._command(
            "connect_bridge_points",
            actor,
            programme,
            idempotency_key,
            sessions.connect_bridge_points,
            scope_cluster=cluster,
            cluster=cluster,
            points=bridge_points(points),
        )

    def disconnect_bridge_points(
        self,
        cluster: int,
        points: Iterable[BridgePoint | tuple[str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Disconnect communes from a session's online bridge."""
        return self._command(
            "disconnect_bridge_points",
            actor,
            programme,
            idempotency_key,
            sessions.disconnect_bridge_points,
            scope_cluster=cluster,
            cluster=cluster,
            points=bridge_points(points),
        )

    def mark_session_held(
        self,
        cluster: int,
        *,
        actor: ActorLike,
        on: date | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record that the session took place (``on`` defaults to today, programme time)."""
        return self._command(
            "mark_session_held",
            actor,
            programme,
            idempotency_key,
            sessions.mark_held,
            scope_cluster=cluster,
            cluster=cluster,
            on=on or now(self.programme(programme).time_zone).date(),
        )

    # -- attendance ------------------------------------------------------------------------

    def enrol_members(
        self,
        province: str,
        members: Iterable[MemberRef | tuple[str, str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Enrol members (member, team, commune) of a province; known members are skipped."""
        return self._command(
            "enrol_members",
            actor,
            programme,
            idempotency_key,
            attendance.enrol_members,
            scope_provinces=(province,),
            province=province,
            refs=member_refs(members),
        )

    def record_attendance(
        self,
        rows: Iterable[AttendanceRow],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
        batch_size: int = 1000,
        source: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RecordedAttendance:
        """Record many attendance rows, in batches of up to ``batch_size`` rows of one province
        per transaction.

        Every row is checked before anything is written: a bad row rejects the call with an
        error naming the row, and nothing is written.  Rows already recorded are skipped and
        counted.  A batch that loses a race with another writer is decided again and retried
        (:attr:`retry`).  ``progress(rows_written, rows)`` is called after each batch is
        written (a progress bar's hook).  See ``schedcore.application.attendance``.

        A province coordinator may only send rows of its own province: one row of another
        province refuses the whole call (:class:`PermissionDeniedError`), nothing written.
        """
        if isinstance(rows, str | bytes) or not isinstance(rows, Iterable):
            raise InvalidInputError(f"rows must be AttendanceRow values, not {rows!r}")
        listed = rows if isinstance(rows, list) else list(rows)
        command = Command(
            "record_attendance",
            actor,
            programme,
            _not_a_single_command,
            idempotency_key,
            provinces=lambda: {getattr(row, "province", None) for row in listed},
        )
        pid, who = authorized(self, command)
        key = None if idempotency_key is None else receipt_id(pid, idempotency_key)
        with self._one_at_a_time(key):
            # An upload of a province or two: its receipt and attendance read in one query.
            known = self._prefetch(key, pid, listed)
            first = receipt_of(self, pid, idempotency_key, "record_attendance", who, known)
            if first is not None:
                replay: RecordedAttendance = first
                return replay
            return attendance.record_rows(
                self,
                listed,
                programme=programme,
                programme_id=pid,
                actor=who,
                idempotency_key=idempotency_key,
                batch_size=batch_size,
                source=source,
                progress=progress,
                preloaded=known,
            )

    def _prefetch(
        self, receipt: UUID | None, pid: UUID, rows: list[Any]
    ) -> dict[UUID, Aggregate | None] | None:
        """The receipt (if a key is given) and the attendance of the rows' provinces, read
        with one query, when they are few (else ``None``: each is read when needed)."""
        if receipt is not None and self._committed.cached(receipt) is not None:
            return None  # a re-send answered from the cached receipt: nothing to read
        provinces: set[object] = set()
        for row in rows:
            provinces.add(getattr(row, "province", None))
            if len(provinces) > _PREFETCH_PROVINCES:
                return None
        ids = [attendance_id(pid, p) for p in provinces if isinstance(p, str)]
        if receipt is not None:
            ids.append(receipt)
        if len(ids) < 2:
            return None
        with self._translated():
            return self._committed.latest_many(ids)

    def void_records(
        self,
        province: str,
        activity: Activity,
        members: Iterable[str],
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Void recorded facts of members (a duplicate, a mistake), with a reason."""
        wanted = texts(members, "members to void")
        try:
            kind = Activity(activity)
        except ValueError:
            raise InvalidInputError(
                f"activity must be one of {', '.join(Activity)}, not {activity!r}"
            ) from None
        return self._command(
            "void_records",
            actor,
            programme,
            idempotency_key,
            attendance.void_records,
            scope_provinces=(province,),
            province=province,
            activity=kind,
            members=wanted,
            reason=reason,
        )

    # -- personal data ---------------------------------------------------------------------

    def erase_member(
        self,
        member: str,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
    ) -> MemberErasure:
        """Erase a member's identity: its identifier (as recorded) is deleted from the
        identity vault and scrubbed from the store, so nothing links its pseudonym to the
        person any more.  Every fact and count about the member stays, under its pseudonym;
        ``Attendance.MemberErased`` (the pseudonym, the actor) records the erasure in each
        province the member is in.

        When the vault no longer holds the member and the programme's log records erasures
        (the member was erased already, or never recorded: the vault cannot tell), the store
        is scrubbed again, nothing is written, and the answer has ``already_erased`` set.
        Raises :class:`~schedcore.errors.StoreBusyError` when another connection kept a copy
        of the deleted row alive past the store's lock timeout (the identity is gone from the
        vault's live rows; erasing again later finishes the scrub);
        :class:`~schedcore.errors.NotFoundError` when the vault holds no such member and no
        erasure was ever recorded; :class:`~schedcore.errors.ErasureRefusedError` when events
        written before erasure support name the member by its identifier, or ``member`` is a
        pseudonym; the last two change nothing.  A national planner's command (or an
        operator's).  See ``docs/concepts/personal-data.md``.
        """
        return identities.erase_member(self, member, actor=actor, programme=programme)

    def member_identities(
        self, members: Iterable[str], *, programme: ProgrammeRef | None = None
    ) -> dict[str, str]:
        """Each member as the views name it (a pseudonym) mapped to its identifier, or to
        ``"(erased)"`` once erased; identifiers recorded before erasure support map to
        themselves."""
        wanted = texts(members, "members")
        return identities.identities_of(self, self.programme_id(programme), wanted)


#: Up to how many provinces an upload's attendance is read with its receipt, in one query.
_PREFETCH_PROVINCES = 4


def _sequence(values: Any, what: str) -> list[Any]:
    """``values`` as a list; :class:`InvalidInputError` for something that is not a collection."""
    if isinstance(values, str | bytes):
        raise InvalidInputError(f"{what} is a collection, not the text {values!r}")
    try:
        return list(values)
    except TypeError:
        raise InvalidInputError(f"{what} is a collection, not {values!r}") from None


def _listed(values: Iterable[Any]) -> Any:
    """A plan's clusters read once (a generator must survive a retry)."""
    try:
        return list(values)
    except TypeError:
        return values


def _not_a_single_command(_: Any) -> Any:  # pragma: no cover - bulk runs its own batches
    raise NotImplementedError
