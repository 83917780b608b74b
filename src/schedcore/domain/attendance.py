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
from typing import NoReturn
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import attendance_id
from schedcore.domain.rule_names import (
    ACTIVITY_IN_PROGRAMME,
    ATTENDANCE_ON_SESSION_DAY,
    HALL_SEATS,
    MEMBER_IN_ONE_TEAM,
    ONE_IN_PERSON_OUTCOME,
    SESSION_NOT_CANCELLED,
    SESSION_SCHEDULED,
    TEAM_IN_ONE_COMMUNE,
    VOID_RECORDED_FACT,
)
from schedcore.domain.rules import check_actor, check_reason, violation
from schedcore.domain.session import SessionFacts
from schedcore.domain.values import (
    IN_PERSON,
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

    __deepcopy__ = copy_aggregate

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
        self.members: dict[str, tuple[str, str]] = {}  # member -> (team, commune)
        self.team_communes: dict[str, str] = {}
        self.in_person: dict[str, tuple[Activity, int]] = {}
        self.course: set[str] = set()
        self.channel: set[str] = set()
        self.hall_seats_used: dict[int, int] = {}
        #: members whose identity was erased (their facts stay, under their pseudonym)
        self.erased: set[str] = set()

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
            self.members[m][0]
            for m, (activity, _) in self.in_person.items()
            if activity is not Activity.ABSENT
        )

    # -- commands --------------------------------------------------------------------------

    def enrol(self, rows: Iterable[MemberRef], *, actor: str) -> int:
        """Enrol members ahead of attendance; known members are skipped.  Returns how many
        were new."""
        check_actor(actor)
        refs = [MemberRef(*r) for r in rows]
        as_rows = [
            AttendanceRow(r.member, r.team, self.province, r.commune, Activity.COURSE, date.min)
            for r in refs
        ]
        homes = self._check_members(
            as_rows, [r.member for r in refs], [r.team for r in refs], [r.commune for r in refs]
        )
        new = [m for m in homes if m not in self.members]
        if new:
            self._members_enrolled(
                province=self.province,
                members=MemberBatch(new, [homes[m][0] for m in new], [homes[m][1] for m in new]),
                actor=actor,
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
        first day an online activity may be dated (the programme's start).

        This runs once per row of a bulk import, so the rules are checked on whole columns
        with set and dict operations (which run in C); only when a check fails does a slow
        pass look for the first offending row, to name it.
        """
        check_actor(actor)
        members = [r.member for r in rows]
        teams = [r.team for r in rows]
        communes = [r.commune for r in rows]
        activities = [r.activity for r in rows]
        days = [r.day for r in rows]
        homes = self._check_members(rows, members, teams, communes)
        buckets: dict[Activity, list[int]] = {}
        for index, activity in enumerate(activities):
            bucket = buckets.get(activity)
            if bucket is None:
                bucket = buckets[activity] = []
            bucket.append(index)
        fresh: dict[tuple[Activity, date], list[str]] = {}
        in_person = [buckets.get(a, []) for a in (Activity.HALL, Activity.BRIDGE, Activity.ABSENT)]
        if any(in_person):
            self._in_person_facts(rows, [i for b in in_person for i in b], session, fresh)
        for activity in (Activity.COURSE, Activity.CHANNEL):
            if activity in buckets:
                self._online_facts(rows, activity, buckets[activity], days, earliest, fresh)
        recorded = 0
        for (activity, day), batch_members in fresh.items():
            recorded += len(batch_members)
            batch = MemberBatch(
                batch_members,
                [homes[m][0] for m in batch_members],
                [homes[m][1] for m in batch_members],
            )
            trigger = getattr(self, _EVENT_NAMES[activity])
            if activity in IN_PERSON:
                assert session is not None
                trigger(
                    province=self.province,
                    cluster=session.cluster,
                    day=day,
                    members=batch,
                    actor=actor,
                )
            else:
                trigger(province=self.province, day=day, members=batch, actor=actor)
        return BatchOutcome(recorded=recorded, already_recorded=len(rows) - recorded)

    def _check_members(
        self,
        rows: Sequence[AttendanceRow],
        members: list[str],
        teams: list[str],
        communes: list[str],
    ) -> dict[str, tuple[str, str]]:
        """Each member in one team and commune, each team in one commune, in the batch and
        against what is recorded.  Returns member -> (team, commune) for the batch."""
        homes = dict(zip(members, zip(teams, communes, strict=True), strict=True))
        if len(set(zip(members, teams, communes, strict=True))) != len(homes):
            self._first_bad_member(rows)
        known = self.members
        for member in known.keys() & homes.keys():
            if known[member] != homes[member]:
                self._first_bad_member(rows)
        team_communes = dict(zip(teams, communes, strict=True))
        if len(set(zip(teams, communes, strict=True))) != len(team_communes):
            self._first_bad_member(rows)
        recorded_teams = self.team_communes
        for team in recorded_teams.keys() & team_communes.keys():
            if recorded_teams[team] != team_communes[team]:
                self._first_bad_member(rows)
        return homes

    def _first_bad_member(self, rows: Sequence[AttendanceRow]) -> NoReturn:
        """Slow pass: name the first row whose member or team contradicts an earlier fact."""
        homes: dict[str, tuple[str, str]] = dict(self.members)
        team_communes = dict(self.team_communes)
        for row in rows:
            home = homes.setdefault(row.member, (row.team, row.commune))
            if home != (row.team, row.commune):
                raise violation(
                    MEMBER_IN_ONE_TEAM,
                    f"{_where(row)}member {row.member!r} is in team {home[0]!r} of commune "
                    f"{home[1]!r}, not team {row.team!r} of {row.commune!r}",
                )
            commune = team_communes.setdefault(row.team, row.commune)
            if commune != row.commune:
                raise violation(
                    TEAM_IN_ONE_COMMUNE,
                    f"{_where(row)}team {row.team!r} is in commune {commune!r}, "
                    f"not {row.commune!r}",
                )
        raise AssertionError("a contradiction was detected but no row shows it")  # pragma: no cover

    def _in_person_facts(
        self,
        rows: Sequence[AttendanceRow],
        indexes: list[int],
        session: SessionFacts | None,
        fresh: dict[tuple[Activity, date], list[str]],
    ) -> None:
        indexes.sort()
        if (
            session is None
            or session.status is SessionStatus.CANCELLED
            or any(rows[i].day != session.day for i in indexes)
        ):
            for i in indexes:
                self._check_session(rows[i], session)
        assert session is not None
        # member -> outcome, first row wins; a member with two outcomes is a contradiction
        outcomes: dict[str, Activity] = {}
        for i in indexes:
            row = rows[i]
            previous = outcomes.setdefault(row.member, row.activity)
            if previous is not row.activity:
                self._contradiction(row, previous, session)
        recorded = self.in_person
        for member in recorded.keys() & outcomes.keys():
            if recorded[member][0] is outcomes[member]:
                del outcomes[member]  # already recorded
            else:
                row = next(rows[i] for i in indexes if rows[i].member == member)
                self._contradiction(row, recorded[member][0], session)
        hall = [m for m, activity in outcomes.items() if activity is Activity.HALL]
        used = self.hall_seats_used.get(session.cluster, 0)
        if used + len(hall) > session.seats:
            over = hall[session.seats - used] if session.seats >= used else hall[0]
            row = next(rows[i] for i in indexes if rows[i].member == over)
            raise violation(
                HALL_SEATS,
                f"{_where(row)}province {self.province} has {session.seats} seats in the hall "
                f"of session {session.cluster}; this would be attendee "
                f"{used + hall.index(over) + 1}",
            )
        for member, activity in outcomes.items():
            group = fresh.get((activity, session.day))
            if group is None:
                group = fresh[(activity, session.day)] = []
            group.append(member)

    def _contradiction(
        self, row: AttendanceRow, previous: Activity, session: SessionFacts
    ) -> NoReturn:
        raise violation(
            ONE_IN_PERSON_OUTCOME,
            f"{_where(row)}member {row.member!r} is already recorded as {previous} at session "
            f"{session.cluster}; void that record before recording {row.activity}",
        )

    def _online_facts(
        self,
        rows: Sequence[AttendanceRow],
        activity: Activity,
        indexes: list[int],
        days: list[date],
        earliest: date,
        fresh: dict[tuple[Activity, date], list[str]],
    ) -> None:
        if min(days[i] for i in indexes) < earliest:
            row = next(rows[i] for i in indexes if days[i] < earliest)
            raise violation(
                ACTIVITY_IN_PROGRAMME,
                f"{_where(row)}{activity} dated {row.day}, before the programme starts "
                f"({earliest})",
            )
        done = self.course if activity is Activity.COURSE else self.channel
        # member -> day of its first row in the batch, for members not yet recorded
        first: dict[str, date] = {}
        for i in indexes:
            member = rows[i].member
            if member not in first and member not in done:
                first[member] = days[i]
        if len(set(first.values())) == 1:
            fresh[(activity, next(iter(first.values())))] = list(first)
            return
        for member, day in first.items():
            group = fresh.get((activity, day))
            if group is None:
                group = fresh[(activity, day)] = []
            group.append(member)

    def void(self, activity: Activity, members: Iterable[str], *, reason: str, actor: str) -> int:
        """Void recorded facts (a wrong row, a duplicate identity); returns how many."""
        check_actor(actor)
        check_reason(reason, "voiding a record")
        activity = Activity(activity)
        wanted = list(dict.fromkeys(members))
        for member in wanted:
            if not self.done(member, activity):
                raise violation(
                    VOID_RECORDED_FACT,
                    f"member {member!r} of {self.province} has no {activity} record to void",
                )
        if wanted:
            self._records_voided(
                province=self.province,
                activity=str(activity),
                members=MemberBatch(
                    wanted,
                    [self.members[m][0] for m in wanted],
                    [self.members[m][1] for m in wanted],
                ),
                reason=reason,
                actor=actor,
            )
        return len(wanted)

    def erase(self, member: str, *, actor: str) -> bool:
        """Record that the identity behind ``member`` (a pseudonym) was erased.  Every fact
        about the member stays as it is; returns whether this records anything (``False``
        when the member is not one of this province's, or was erased already)."""
        check_actor(actor)
        if member not in self.members or member in self.erased:
            return False
        self._member_erased(province=self.province, member=member, actor=actor)
        return True

    # -- guards ----------------------------------------------------------------------------

    def _check_session(self, row: AttendanceRow, session: SessionFacts | None) -> None:
        if session is None:
            raise violation(
                SESSION_SCHEDULED,
                f"{_where(row)}province {self.province} has no scheduled session to attend",
            )
        if session.status is SessionStatus.CANCELLED:
            raise violation(
                SESSION_NOT_CANCELLED,
                f"{_where(row)}the session of cluster {session.cluster} is cancelled",
            )
        if row.day != session.day:
            raise violation(
                ATTENDANCE_ON_SESSION_DAY,
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
        self.in_person.update(dict.fromkeys(members.members, (activity, cluster)))

    def _enrol(self, members: MemberBatch) -> None:
        """Attendance events name each member with team and commune: they enrol them too.
        (The rules guarantee a known member or team never changes, so updating is safe.)"""
        homes = zip(members.teams, members.communes, strict=True)
        self.members.update(zip(members.members, homes, strict=True))
        self.team_communes.update(zip(members.teams, members.communes, strict=True))

    @event("OnlineCourseCompleted")
    def _online_course_completed(
        self, province: str, day: date, members: MemberBatch, actor: str
    ) -> None:
        self._enrol(members)
        self.course.update(members.members)

    @event("ChannelFollowed")
    def _channel_followed(self, province: str, day: date, members: MemberBatch, actor: str) -> None:
        self._enrol(members)
        self.channel.update(members.members)

    @event("MemberErased")
    def _member_erased(self, province: str, member: str, actor: str) -> None:
        self.erased.add(member)

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
