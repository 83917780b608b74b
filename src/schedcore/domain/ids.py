"""Deterministic aggregate ids: uuid5 of the programme and what the aggregate is about.

Because an id is computed from the programme's id and a name within it (cluster number,
province code, day), a command finds its aggregate without an index, and two writers creating
"the same" aggregate collide on the same id, which the store turns into a concurrency error
instead of a duplicate.

A programme's own id is random (``uuid4``; :func:`keyed_programme_id` when its creation was
sent with an idempotency key) and never changes, whatever it is renamed to: its
name is resolved through the :class:`~schedcore.domain.programme_name.ProgrammeName` index,
whose id is :func:`programme_name_id` of the name.  Programmes created before that index
existed have the id :func:`programme_id` of the name they were created under (the legacy
derivation, still used to find them, and as the scope of a creation's idempotency receipt).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from uuid import UUID, uuid5

__all__ = [
    "NAMESPACE",
    "attendance_id",
    "bridge_day_id",
    "cluster_id",
    "keyed_programme_id",
    "placement_id",
    "programme_id",
    "programme_name_id",
    "receipt_id",
    "session_id",
    "trainer_team_diary_id",
]

#: Ids of names from a small set (programmes, clusters, provinces) are computed once; every
#: command computes several.  (Receipt ids, one per idempotency key, are not kept.)
_cached = lru_cache(maxsize=4096, typed=True)

#: Root of every schedcore id.  Never change it: stored events are keyed by ids derived from it.
NAMESPACE = UUID("6d1f4a52-6b9e-5c1e-9f4e-2a7c0e5b9d31")


@_cached
def programme_id(name: str) -> UUID:
    """The id a programme created under ``name`` had before ids were random (legacy stores)."""
    return uuid5(NAMESPACE, f"programme:{name}")


def keyed_programme_id(name: str, key: str) -> UUID:
    """The id of a programme created under ``name`` with the idempotency key ``key``: known
    before the creation, so that sending it again answers with the id the first call gave,
    even once the programme is renamed (without a key a new programme's id is random)."""
    return uuid5(NAMESPACE, f"programme:{name}\x1fidempotency:{key}")


@_cached
def programme_name_id(name: str) -> UUID:
    """The id of the name index entry of ``name`` (which programme holds the name, if any)."""
    return uuid5(NAMESPACE, f"programme-name:{name}")


@_cached
def cluster_id(programme: UUID, number: int) -> UUID:
    return uuid5(programme, f"cluster:{number}")


@_cached
def session_id(programme: UUID, cluster: int) -> UUID:
    return uuid5(programme, f"session:{cluster}")


@_cached
def placement_id(programme: UUID, province: str) -> UUID:
    return uuid5(programme, f"placement:{province}")


@_cached
def attendance_id(programme: UUID, province: str) -> UUID:
    return uuid5(programme, f"attendance:{province}")


def receipt_id(programme: UUID, key: str) -> UUID:
    return uuid5(programme, f"idempotency:{key}")


def trainer_team_diary_id(programme: UUID, trainer_team: str) -> UUID:
    return uuid5(programme, f"trainer-team-diary:{trainer_team}")


def bridge_day_id(programme: UUID, day: date) -> UUID:
    return uuid5(programme, f"bridge-day:{day.isoformat()}")
