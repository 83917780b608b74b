"""The members of one province, as parallel columns: what each did, and the counts it makes.

Why columns: a national rebuild folds about 800,000 member facts.  Writing a database row per
member costs more than decoding all the events, so the coverage model keeps each province's
members as a handful of lists and sets and counts them with C-speed operations (``map``,
``zip``, ``compress``, ``list.count``).  They are stored in chunks of :data:`CHUNK` members in
order of first appearance, two rows per chunk: the names (member, team, commune; written when
members are added to the chunk) and the flags (outcome, cluster, course, channel; a few bytes
per member).  A batch writes only the chunks whose members it changed, not the province.
Counts are kept per commune, and only the communes a batch touched are counted again and
written.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import compress, repeat
from operator import eq, is_, itemgetter, rshift
from typing import Any

__all__ = [
    "ABSENT",
    "BRIDGE",
    "CHUNK",
    "HALL",
    "NONE",
    "OUTCOME_CODES",
    "OUTCOME_NAMES",
    "ProvinceMembers",
]

NONE, HALL, BRIDGE, ABSENT = 0, 1, 2, 3
OUTCOME_CODES = {"hall": HALL, "bridge": BRIDGE, "absent": ABSENT}
OUTCOME_NAMES = {code: name for name, code in OUTCOME_CODES.items()}
_TRAINED = frozenset({HALL, BRIDGE})
_CHUNK_BITS = 9
#: Members per stored chunk.
CHUNK = 1 << _CHUNK_BITS


class ProvinceMembers:
    """Members in order of first appearance; ``index`` finds a member's position."""

    __slots__ = (
        "_all_dirty",
        "_by_commune",
        "_counted",
        "_dirty_flags",
        "_dirty_names",
        "channel",
        "cluster",
        "communes",
        "course",
        "dirty",
        "in_person",
        "index",
        "members",
        "teams",
    )

    def __init__(self, columns: Sequence[list[Any]] | None = None) -> None:
        members, teams, communes, in_person, cluster, course, channel = columns or (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        self.members: list[str] = members
        self.teams: list[str] = teams
        self.communes: list[str] = communes
        #: NONE, HALL, BRIDGE or ABSENT
        self.in_person: list[int] = in_person
        #: the cluster whose session the in-person outcome is about (0: none)
        self.cluster: list[int] = cluster
        self.course: list[int] = course
        self.channel: list[int] = channel
        self.index: dict[str, int] = dict(zip(members, range(len(members)), strict=True))
        #: communes whose counts changed since they were last written
        self.dirty: set[str] = set()
        #: until the first count, every commune is counted (and nothing needs tracking)
        self._all_dirty = True
        #: the positions of each commune's members (built when first needed)
        self._by_commune: dict[str, list[int]] | None = None
        self._counted: dict[str, tuple[Any, ...]] = {}
        #: chunks whose flags, and whose names, changed since they were last written
        self._dirty_flags: set[int] = set()
        self._dirty_names: set[int] = set()

    def _group(self, start: int) -> None:
        by_commune = self._by_commune
        assert by_commune is not None
        for position, commune in enumerate(self.communes[start:], start):
            group = by_commune.get(commune)
            if group is None:
                by_commune[commune] = [position]
            else:
                group.append(position)

    # -- storage ---------------------------------------------------------------------------

    def _span(self, chunk: int) -> tuple[int, int]:
        start = chunk << _CHUNK_BITS
        return start, min(start + CHUNK, len(self.members))

    def changed_names(self) -> list[tuple[int, int, str]]:
        """(chunk, members, names as JSON) of each chunk members were added to since the last
        call: members, teams and communes."""
        rows = []
        for chunk in sorted(self._dirty_names):
            start, end = self._span(chunk)
            text = json.dumps(
                [self.members[start:end], self.teams[start:end], self.communes[start:end]],
                separators=(",", ":"),
                ensure_ascii=False,
            )
            rows.append((chunk, end - start, text))
        self._dirty_names = set()
        return rows

    def changed_flags(self) -> list[tuple[int, bytes, bytes]]:
        """(chunk, flags, clusters) of each chunk changed since the last call: outcome, course
        and channel as one byte each; clusters as little-endian int32."""
        rows = []
        for chunk in sorted(self._dirty_flags):
            start, end = self._span(chunk)
            clusters = array("i", self.cluster[start:end])
            if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
                clusters.byteswap()
            flags = (
                bytes(self.in_person[start:end])
                + bytes(self.course[start:end])
                + bytes(self.channel[start:end])
            )
            rows.append((chunk, flags, clusters.tobytes()))
        self._dirty_flags = set()
        return rows

    @classmethod
    def decode(
        cls,
        names: Sequence[tuple[int, str]],
        flags: Sequence[tuple[int, bytes, bytes]],
        counted: Sequence[Sequence[Any]] | None = None,
    ) -> ProvinceMembers:
        """The members from their stored chunks: ``(chunk, names)`` and ``(chunk, flags,
        clusters)`` rows, in chunk order; with ``counted``, the stored counts of every commune
        (rows as :meth:`counts` gives them), so that only the communes changed from now on are
        counted again."""
        columns: list[list[Any]] = [[] for _ in range(7)]
        members, teams, communes, in_person, cluster, course, channel = columns
        for (_, text), (_, packed, numbers_packed) in zip(names, flags, strict=True):
            chunk_members, chunk_teams, chunk_communes = json.loads(text)
            count = len(chunk_members)
            members.extend(chunk_members)
            teams.extend(chunk_teams)
            communes.extend(chunk_communes)
            numbers = array("i")
            numbers.frombytes(bytes(numbers_packed))
            if sys.byteorder == "big":  # pragma: no cover
                numbers.byteswap()
            packed = bytes(packed)
            in_person.extend(packed[:count])
            course.extend(packed[count : 2 * count])
            channel.extend(packed[2 * count :])
            cluster.extend(numbers.tolist())
        state = cls(columns)
        if counted is not None:
            state._counted = {row[0]: tuple(row) for row in counted}
            state._all_dirty = False
        return state

    # -- changes ---------------------------------------------------------------------------

    def positions(
        self, members: Sequence[str], teams: Sequence[str], communes: Sequence[str]
    ) -> list[int]:
        """The positions of ``members``, adding those not seen before (with team, commune)."""
        index = self.index
        # one dict lookup per member, in a C loop (a national rebuild does ~800,000)
        positions: list[int | None] = list(map(index.get, members))
        if None in positions:
            start = len(self.members)
            if self._add(members, teams, communes, positions):
                return list(range(start, len(self.members)))
            positions = list(map(index.__getitem__, members))
        return positions  # type: ignore[return-value]

    def _add(
        self,
        members: Sequence[str],
        teams: Sequence[str],
        communes: Sequence[str],
        positions: list[int | None],
    ) -> bool:
        """Add the members not seen before; True if every member was new (and once)."""
        unseen = dict.fromkeys(compress(members, map(is_, positions, repeat(None))))
        every = len(unseen) == len(members)
        if every:  # an enrolment: all new, each once
            new, new_teams, new_communes = list(members), list(teams), list(communes)
        else:
            where = dict(zip(members, zip(teams, communes, strict=True), strict=True))
            new = list(unseen)
            found = list(map(where.__getitem__, new))
            new_teams = list(map(itemgetter(0), found))
            new_communes = list(map(itemgetter(1), found))
        start, count = len(self.members), len(new)
        self.members.extend(new)
        self.teams.extend(new_teams)
        self.communes.extend(new_communes)
        for column in (self.in_person, self.cluster, self.course, self.channel):
            column.extend(repeat(0, count))
        self.index.update(zip(new, range(start, start + count), strict=True))
        if self._by_commune is not None:
            self._group(start)
        if not self._all_dirty:
            self.dirty.update(new_communes)
        chunks = range(start >> _CHUNK_BITS, ((start + count - 1) >> _CHUNK_BITS) + 1)
        self._dirty_names.update(chunks)
        self._dirty_flags.update(chunks)
        return every

    def _touch(self, positions: list[int]) -> None:
        self._dirty_flags.update(map(rshift, positions, repeat(_CHUNK_BITS)))
        if not self._all_dirty:
            self.dirty.update(map(self.communes.__getitem__, positions))

    def set_in_person(self, positions: list[int], outcome: int, cluster: int) -> None:
        # map over __setitem__: a C loop, no Python frame per member
        list(map(self.in_person.__setitem__, positions, repeat(outcome)))
        list(map(self.cluster.__setitem__, positions, repeat(cluster)))
        self._touch(positions)

    def set_course(self, positions: list[int], done: int) -> None:
        list(map(self.course.__setitem__, positions, repeat(done)))
        self._touch(positions)

    def set_channel(self, positions: list[int], done: int) -> None:
        list(map(self.channel.__setitem__, positions, repeat(done)))
        self._touch(positions)

    # -- counts ----------------------------------------------------------------------------

    def _count(self, commune: str, positions: list[int]) -> tuple[Any, ...]:
        """Teams enrolled, teams trained in person, members enrolled, in the hall, at a bridge
        point, absent, on the course, following the channel."""
        outcomes = list(map(self.in_person.__getitem__, positions))
        teams = list(map(self.teams.__getitem__, positions))
        return (
            commune,
            len(set(teams)),
            len(set(compress(teams, map(_TRAINED.__contains__, outcomes)))),
            len(positions),
            outcomes.count(HALL),
            outcomes.count(BRIDGE),
            outcomes.count(ABSENT),
            sum(map(self.course.__getitem__, positions)),
            sum(map(self.channel.__getitem__, positions)),
        )

    def _count_all(self) -> list[tuple[Any, ...]]:
        """Every commune's counts (see :meth:`_count`), column by column over the province."""
        communes, teams = self.communes, self.teams
        trained_mask = list(map(_TRAINED.__contains__, self.in_person))
        team_commune = dict(zip(teams, communes, strict=True))  # a team is in one commune
        enrolled_teams = Counter(team_commune.values())
        trained_teams = Counter(map(team_commune.__getitem__, set(compress(teams, trained_mask))))
        enrolled = Counter(communes)
        outcome = {
            code: Counter(compress(communes, map(eq, self.in_person, repeat(code))))
            for code in (HALL, BRIDGE, ABSENT)
        }
        course = Counter(compress(communes, self.course))
        channel = Counter(compress(communes, self.channel))
        return [
            (
                commune,
                enrolled_teams[commune],
                trained_teams[commune],
                enrolled[commune],
                outcome[HALL][commune],
                outcome[BRIDGE][commune],
                outcome[ABSENT][commune],
                course[commune],
                channel[commune],
            )
            for commune in sorted(enrolled)
        ]

    def counts(self) -> tuple[list[tuple[Any, ...]], list[tuple[int, ...]]]:
        """The counts of the communes changed since the last call (see :meth:`_count`), and
        per cluster whose session members attended or missed: teams trained there, members in
        the hall, at a bridge point, absent.

        The first call counts every commune, all at once; later calls count the communes
        touched since, one by one (or all at once again, when most were touched).
        """
        if self._all_dirty or 2 * len(self.dirty) > len(self._counted):
            rows = self._count_all()
            self._counted = {row[0]: row for row in rows}
            self._all_dirty = False
        else:
            if self._by_commune is None:
                self._by_commune = {}
                self._group(0)
            by_commune = self._by_commune
            rows = [self._count(commune, by_commune[commune]) for commune in sorted(self.dirty)]
            self._counted.update((row[0], row) for row in rows)
        self.dirty = set()
        return rows, self._clusters()

    def _clusters(self) -> list[tuple[int, ...]]:
        in_person, teams = self.in_person, self.teams
        sessions = set(self.cluster) - {0}
        if len(sessions) == 1:
            # the usual case: every outcome is about the province's one session, so its counts
            # are the communes' counts added up (a team is in one commune)
            counted = self._counted.values()
            sums = [sum(row[i] for row in counted) for i in (2, 4, 5, 6)]
            return [(sessions.pop(), *sums)]
        outcomes = Counter(zip(self.cluster, in_person, strict=True))
        trained = Counter(
            map(
                itemgetter(0),
                set(
                    compress(
                        zip(self.cluster, teams, strict=True), map(_TRAINED.__contains__, in_person)
                    )
                ),
            )
        )
        return [
            (
                cluster,
                trained[cluster],
                outcomes[(cluster, HALL)],
                outcomes[(cluster, BRIDGE)],
                outcomes[(cluster, ABSENT)],
            )
            for cluster in sorted({c for c, outcome in outcomes if outcome != NONE})
        ]
