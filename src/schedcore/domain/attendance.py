"""The Attendance aggregate: every attendance fact of one province of one programme.

Granularity: one aggregate per (programme, province), one event per (activity, day) of a batch.
Every attendance event names each member with team and commune, so it also enrols members seen
for the first time (``MembersEnrolled`` is for enrolment ahead of attendance).
Coordinators of different provinces never write to the same aggregate, and a batch of 1,000
rows becomes two to five events rather than 1,000, which is what makes bulk recording fast.

Facts are sets: recording a fact that is already recorded changes nothing (it is counted as
"already recorded"), so a file imported twice, or a batch retried after a conflict, never
doubles anything.  Contradictions are errors naming the row: a member changing team, a team
changing commune, a member both in the hall and at a bridge point, more hall rows than the
province's seats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from schedcore.domain.ids import attendance_id
from schedcore.domain.rules import check_actor, check_reason, violation
from schedcore.domain.session import SessionFacts
from schedcore.domain.values import (
    Activity,
    AttendanceRow,
    MemberBatch,
    MemberRef,
    SessionStatus,
)

__all__ = ["Attendance", "BatchOutcome"]

_EVENT_NAMES = {
    Activity.HALL: "_attended_in_hall",
    Activity.BRIDGE: "_attended_at_bridge_points",
    Activity.ABSENT: "_marked_absent",
    Activity.COURSE: "_online_course_completed",
    Activity.CHANNEL: "_channel_followed",
}


@attrs.frozen
class BatchOutcome:
    """How many rows of a batch became new facts, and how many were already recorded."""

    recorded: int
    already_recorded: int


def _where(row: AttendanceRow) -> str:
    """Names the row in an error: its line, else its content."""
    if row.line is not None:
        return f"row {row.line}: "
    return f"row ({row.member}, {row.activity}, {row.day}): "


class Attendance(Aggregate):
    """Enrolment and attendance of the members of one province."""

    @staticmethod
    def create_id(programme_id: UUID, province: str) -> UUID:
        return attendance_id(programme_id, province)

    @classmethod
    def open(cls, programme_id: UUID, province: str, *, actor: str) -> Attendance:
        check_actor(actor)
        return cls(programme_id=programme_id, province=province, actor=actor)

    @event("Opened")
    def __init__(self, programme_id: UUID, province: str, actor: str) -> None:
        self.programme_id = programme_id
        self.province = province
        self.members: dict[str, MemberRef] = {}
        self.team_communes: dict[str, str] = {}
        self.in_person: dict[str, tuple[Activity, int]] = {}
        self.course: set[str] = set()
        self.channel: set[str] = set()
        self.hall_seats_used: dict[int, int] = {}

    # -- queries ---------------------------------------------------------------------------

    def done(self, member: str, activity: Activity) -> bool:
        if activity is Activity.COURSE:
            return member in self.course
        if activity is Activity.CHANNEL:
            return member in self.channel
        outcome = self.in_person.get(member)
        return outcome is not None and outcome[0] is activity

    def teams_trained_in_person(self) -> frozenset[str]:
        return frozenset(
            self.members[m].team
            for m, (activity, _) in self.in_person.items()
            if activity is not Activity.ABSENT
        )

    # -- commands --------------------------------------------------------------------------

    def enrol(self, rows: Iterable[MemberRef], *, actor: str) -> int:
        """Enrol members ahead of attendance; known members are skipped.  Returns how many
        were new."""
        check_actor(actor)
        new = self._check_members(rows)
        if new:
            self._members_enrolled(
                province=self.province, members=MemberBatch(tuple(new.values())), actor=actor
            )
        return len(new)

    def record(
        self,
        rows: Sequence[AttendanceRow],
        *,
        session: SessionFacts | None,
        earliest: date,
        actor: str,
    ) -> BatchOutcome:
        """Record a batch of this province's rows: every row is checked before any event.

        ``session`` is the province's session (``None`` if it has none); ``earliest`` is the
        first day an online activity may be dated (the programme's start).  The loop is written
        for speed (it runs once per row of a bulk import): local names, no per-row calls on
        the common path.
        """
        check_actor(actor)
        members, teams = self.members, self.team_communes
        in_person, course, channel = self.in_person, self.course, self.channel
        new_members: dict[str, MemberRef] = {}
        new_teams: dict[str, str] = {}
        batch_in_person: dict[str, Activity] = {}
        batch_course: set[str] = set()
        batch_channel: set[str] = set()
        hall, bridge, absent = Activity.HALL, Activity.BRIDGE, Activity.ABSENT
        course_kind = Activity.COURSE
        # In-person rows all fall on the session day: grouped by activity only.  Online rows
        # are grouped by day, per activity.
        in_person_groups: dict[Activity, list[MemberRef]] = {hall: [], bridge: [], absent: []}
        course_days: dict[date, list[MemberRef]] = {}
        channel_days: dict[date, list[MemberRef]] = {}
        new_ref = tuple.__new__
        session_day = session.day if session is not None else None
        session_open = session is not None and session.status is not SessionStatus.CANCELLED
        hall_new = already = 0
        for row in rows:
            member = row.member
            ref = members.get(member)
            if ref is None:
                ref = new_members.get(member)
            if ref is None:
                team, commune = row.team, row.commune
                known = teams.get(team)
                if known is None:
                    known = new_teams.get(team)
                    if known is None:
                        new_teams[team] = known = commune
                if known != commune:
                    raise violation(
                        "team_in_one_commune",
                        f"{_where(row)}team {team!r} is in commune {known!r}, not {commune!r}",
                    )
                # tuple.__new__ skips NamedTuple's Python-level __new__: once per new member
                ref = new_members[member] = new_ref(MemberRef, (member, team, commune))
            elif ref[1] != row.team or ref[2] != row.commune:
                raise violation(
                    "member_in_one_team",
                    f"{_where(row)}member {member!r} is in team {ref.team!r} of commune "
                    f"{ref.commune!r}, not team {row.team!r} of {row.commune!r}",
                )
            activity = row.activity
            if activity is course_kind or activity is Activity.CHANNEL:
                day = row.day
                if day < earliest:
                    raise violation(
                        "activity_in_programme",
                        f"{_where(row)}{activity} dated {day}, before the programme starts "
                        f"({earliest})",
                    )
                if activity is course_kind:
                    done, seen, days = course, batch_course, course_days
                else:
                    done, seen, days = channel, batch_channel, channel_days
                if member in done or member in seen:
                    already += 1
                    continue
                seen.add(member)
                group = days.get(day)
                if group is None:
                    group = days[day] = []
                group.append(ref)
                continue
            if not session_open or row.day != session_day:
                self._check_session(row, session)
            assert session is not None
            previous = batch_in_person.get(member)
            if previous is None:
                outcome = in_person.get(member)
                if outcome is not None:
                    previous = outcome[0]
            if previous is activity:
                already += 1
                continue
            if previous is not None:
                raise violation(
                    "one_in_person_outcome",
                    f"{_where(row)}member {member!r} is already recorded as {previous} at "
                    f"session {session.cluster}; void that record before recording {activity}",
                )
            batch_in_person[member] = activity
            if activity is hall:
                hall_new += 1
                used = self.hall_seats_used.get(session.cluster, 0) + hall_new
                if used > session.seats:
                    raise violation(
                        "hall_seats",
                        f"{_where(row)}province {self.province} has {session.seats} seats in "
                        f"the hall of session {session.cluster}; this would be attendee {used}",
                    )
            in_person_groups[activity].append(ref)
        for activity, refs in in_person_groups.items():
            if refs:
                assert session is not None
                getattr(self, _EVENT_NAMES[activity])(
                    province=self.province,
                    cluster=session.cluster,
                    day=session.day,
                    members=MemberBatch(tuple(refs)),
                    actor=actor,
                )
        for trigger, days in (
            (self._online_course_completed, course_days),
            (self._channel_followed, channel_days),
        ):
            for day, refs in days.items():
                trigger(
                    province=self.province, day=day, members=MemberBatch(tuple(refs)), actor=actor
                )
        return BatchOutcome(recorded=len(rows) - already, already_recorded=already)

    def void(self, activity: Activity, members: Iterable[str], *, reason: str, actor: str) -> int:
        """Void recorded facts (a wrong row, a duplicate identity); returns how many."""
        check_actor(actor)
        check_reason(reason, "voiding a record")
        activity = Activity(activity)
        wanted = list(dict.fromkeys(members))
        for member in wanted:
            if not self.done(member, activity):
                raise violation(
                    "void_recorded_fact",
                    f"member {member!r} of {self.province} has no {activity} record to void",
                )
        if wanted:
            self._records_voided(
                province=self.province,
                activity=str(activity),
                members=MemberBatch(self.members[m] for m in wanted),
                reason=reason,
                actor=actor,
            )
        return len(wanted)

    # -- guards ----------------------------------------------------------------------------

    def _check_members(self, rows: Iterable[MemberRef]) -> dict[str, MemberRef]:
        """Members not yet enrolled, in first-seen order; refuses a member changing team or a
        team changing commune."""
        members = self.members
        teams = self.team_communes
        new: dict[str, MemberRef] = {}
        new_teams: dict[str, str] = {}
        for row in rows:
            member = row.member
            ref = members.get(member) or new.get(member)
            if ref is None:
                commune = teams.get(row.team) or new_teams.get(row.team)
                if commune is None:
                    new_teams[row.team] = row.commune
                elif commune != row.commune:
                    raise violation(
                        "team_in_one_commune",
                        f"member {member!r}: team {row.team!r} is in commune {commune!r}, "
                        f"not {row.commune!r}",
                    )
                new[member] = MemberRef(member, row.team, row.commune)
            elif ref.team != row.team or ref.commune != row.commune:
                raise violation(
                    "member_in_one_team",
                    f"member {member!r} is in team {ref.team!r} of commune "
                    f"{ref.commune!r}, not team {row.team!r} of {row.commune!r}",
                )
        return new

    def _check_session(self, row: AttendanceRow, session: SessionFacts | None) -> None:
        if session is None:
            raise violation(
                "session_scheduled",
                f"{_where(row)}province {self.province} has no scheduled session to attend",
            )
        if session.status is SessionStatus.CANCELLED:
            raise violation(
                "session_not_cancelled",
                f"{_where(row)}the session of cluster {session.cluster} is cancelled",
            )
        if row.day != session.day:
            raise violation(
                "attendance_on_session_day",
                f"{_where(row)}{row.activity} dated {row.day}, but the session of cluster "
                f"{session.cluster} is on {session.day}",
            )

    # -- events ----------------------------------------------------------------------------

    @event("MembersEnrolled")
    def _members_enrolled(self, province: str, members: MemberBatch, actor: str) -> None:
        self._enrol(members)

    @event("AttendedInHall")
    def _attended_in_hall(
        self, province: str, cluster: int, day: date, members: MemberBatch, actor: str
    ) -> None:
        self._in_person(Activity.HALL, cluster, members)
        self.hall_seats_used[cluster] = self.hall_seats_used.get(cluster, 0) + len(members)

    @event("AttendedAtBridgePoints")
    def _attended_at_bridge_points(
        self, province: str, cluster: int, day: date, members: MemberBatch, actor: str
    ) -> None:
        self._in_person(Activity.BRIDGE, cluster, members)

    @event("MarkedAbsent")
    def _marked_absent(
        self, province: str, cluster: int, day: date, members: MemberBatch, actor: str
    ) -> None:
        self._in_person(Activity.ABSENT, cluster, members)

    def _in_person(self, activity: Activity, cluster: int, members: MemberBatch) -> None:
        self._enrol(members)
        outcome = (activity, cluster)
        in_person = self.in_person
        for ref in members.rows:
            in_person[ref.member] = outcome

    def _enrol(self, members: MemberBatch) -> None:
        """Attendance events name each member with team and commune: they enrol them too."""
        known, teams = self.members, self.team_communes
        new = {ref[0]: ref for ref in members.rows if ref[0] not in known}
        if new:
            known.update(new)
            for ref in new.values():
                teams.setdefault(ref[1], ref[2])

    @event("OnlineCourseCompleted")
    def _online_course_completed(
        self, province: str, day: date, members: MemberBatch, actor: str
    ) -> None:
        self._enrol(members)
        self.course.update(ref[0] for ref in members.rows)

    @event("ChannelFollowed")
    def _channel_followed(self, province: str, day: date, members: MemberBatch, actor: str) -> None:
        self._enrol(members)
        self.channel.update(ref[0] for ref in members.rows)

    @event("RecordsVoided")
    def _records_voided(
        self, province: str, activity: str, members: MemberBatch, reason: str, actor: str
    ) -> None:
        kind = Activity(activity)
        for member in members.members:
            if kind is Activity.COURSE:
                self.course.discard(member)
            elif kind is Activity.CHANNEL:
                self.channel.discard(member)
            else:
                _, cluster = self.in_person.pop(member)
                if kind is Activity.HALL:
                    self.hall_seats_used[cluster] -= 1
