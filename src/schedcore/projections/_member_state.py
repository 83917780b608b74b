"""The members of one province, as parallel columns: what each did, and the counts it makes.

Why columns: a national rebuild folds about 800,000 member facts.  Writing a database row per
member costs more than decoding all the events, so the coverage model keeps each province's
members as a handful of lists (stored as one JSON row per province) and sets and counts them
with C-speed operations (``map``, ``zip``, ``Counter``, ``compress``), writing per batch one
state row and the per-commune and per-cluster counts of each province the batch touched.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import Any

__all__ = ["ABSENT", "BRIDGE", "HALL", "NONE", "OUTCOME_CODES", "OUTCOME_NAMES", "ProvinceMembers"]

NONE, HALL, BRIDGE, ABSENT = 0, 1, 2, 3
OUTCOME_CODES = {"hall": HALL, "bridge": BRIDGE, "absent": ABSENT}
OUTCOME_NAMES = {code: name for name, code in OUTCOME_CODES.items()}
_TRAINED = frozenset({HALL, BRIDGE})


class ProvinceMembers:
    """Members in order of first appearance; ``index`` finds a member's position."""

    __slots__ = (
        "_names",
        "by_commune",
        "channel",
        "cluster",
        "communes",
        "course",
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
        #: the positions of each commune's members, for counting commune by commune
        self.by_commune: dict[str, list[int]] = {}
        self._group(0)
        self._names: str | None = None

    def _group(self, start: int) -> None:
        by_commune = self.by_commune
        for position, commune in enumerate(self.communes[start:], start):
            group = by_commune.get(commune)
            if group is None:
                by_commune[commune] = [position]
            else:
                group.append(position)

    # -- storage ---------------------------------------------------------------------------

    def encode(self) -> tuple[str, bytes, bytes]:
        """(names, flags, clusters): the names as JSON (re-encoded only when members were
        added), the in-person outcome, course and channel flags as one byte each, the
        clusters as little-endian 32-bit integers."""
        if self._names is None:
            self._names = json.dumps(
                [self.members, self.teams, self.communes],
                separators=(",", ":"),
                ensure_ascii=False,
            )
        clusters = array("i", self.cluster)
        if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
            clusters.byteswap()
        return (
            self._names,
            bytes(self.in_person) + bytes(self.course) + bytes(self.channel),
            clusters.tobytes(),
        )

    @classmethod
    def decode(cls, names: str, flags: bytes, clusters: bytes) -> ProvinceMembers:
        members, teams, communes = json.loads(names)
        count = len(members)
        numbers = array("i")
        numbers.frombytes(bytes(clusters))
        if sys.byteorder == "big":  # pragma: no cover
            numbers.byteswap()
        flags = bytes(flags)
        state = cls(
            (
                members,
                teams,
                communes,
                list(flags[:count]),
                numbers.tolist(),
                list(flags[count : 2 * count]),
                list(flags[2 * count :]),
            )
        )
        state._names = names
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
        self._group(start)
        self._names = None
        return every

    def set_in_person(self, positions: list[int], outcome: int, cluster: int) -> None:
        # map over __setitem__: a C loop, no Python frame per member
        list(map(self.in_person.__setitem__, positions, repeat(outcome)))
        list(map(self.cluster.__setitem__, positions, repeat(cluster)))

    def set_course(self, positions: list[int], done: int) -> None:
        list(map(self.course.__setitem__, positions, repeat(done)))

    def set_channel(self, positions: list[int], done: int) -> None:
        list(map(self.channel.__setitem__, positions, repeat(done)))

    # -- counts ----------------------------------------------------------------------------

    def counts(self) -> tuple[list[tuple[Any, ...]], list[tuple[int, ...]]]:
        """Per commune: teams enrolled, teams trained in person, members enrolled, in the hall,
        at a bridge point, absent, on the course, following the channel.  Per cluster whose
        session members attended or missed: teams trained there, members in the hall, at a
        bridge point, absent."""
        teams, in_person = self.teams, self.in_person
        course, channel = self.course, self.channel
        trained = _TRAINED.__contains__
        commune_rows: list[tuple[Any, ...]] = []
        for commune in sorted(self.by_commune):
            positions = self.by_commune[commune]
            outcomes = list(map(in_person.__getitem__, positions))
            members_teams = list(map(teams.__getitem__, positions))
            commune_rows.append(
                (
                    commune,
                    len(set(members_teams)),
                    len(set(compress(members_teams, map(trained, outcomes)))),
                    len(positions),
                    outcomes.count(HALL),
                    outcomes.count(BRIDGE),
                    outcomes.count(ABSENT),
                    sum(map(course.__getitem__, positions)),
                    sum(map(channel.__getitem__, positions)),
                )
            )
        sessions = set(self.cluster) - {0}
        if len(sessions) == 1:
            # the usual case: every outcome is about the province's one session, so its counts
            # are the communes' counts added up (a team is in one commune)
            sums = [sum(row[i] for row in commune_rows) for i in (2, 4, 5, 6)]
            return commune_rows, [(sessions.pop(), *sums)]
        outcomes_by_cluster = Counter(zip(self.cluster, in_person, strict=True))
        trained_by_cluster = Counter(
            map(
                itemgetter(0),
                set(compress(zip(self.cluster, teams, strict=True), map(trained, in_person))),
            )
        )
        clusters = sorted({c for c, outcome in outcomes_by_cluster if outcome != NONE})
        cluster_rows: list[tuple[int, ...]] = [
            (
                cluster,
                trained_by_cluster[cluster],
                outcomes_by_cluster[(cluster, HALL)],
                outcomes_by_cluster[(cluster, BRIDGE)],
                outcomes_by_cluster[(cluster, ABSENT)],
            )
            for cluster in clusters
        ]
        return commune_rows, cluster_rows
