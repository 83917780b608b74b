"""A cache of aggregates exactly as committed, safe to share between threads.

``eventsourcing``'s own cache fast-forwards a cached aggregate *in place* while other threads
may be copying it, and hands out the cached object itself when asked not to copy.  Here an
entry is never changed once cached: a newer version replaces it.  Readers copy an entry before
changing anything, and only aggregates whose transaction committed are put back.  So no thread
ever sees another's unsaved events, and a stale entry costs only a read of the newer events.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

__all__ = ["CommittedAggregates"]


class CommittedAggregates:
    """Up to ``maxsize`` aggregates as last committed, least recently used dropped first."""

    def __init__(self, app: Any, maxsize: int = 1000) -> None:
        self._app = app
        self._maxsize = maxsize
        self._entries: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._lock = threading.Lock()

    def latest(self, aggregate_id: UUID, *, fresh: bool = True) -> Aggregate:
        """The aggregate as last committed: SHARED, never to be changed (copy it first).

        ``fresh=False``: a cached entry as it is, without asking the store for newer events
        (one query saved); it may be stale, so only for what cannot have changed (facts set
        when the aggregate was created) or what a save checks (an expected version).
        Raises ``AggregateNotFoundError`` when it has no events.
        """
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is not None:
                self._entries.move_to_end(aggregate_id)
        if entry is not None and not fresh:
            return entry
        if entry is None:
            newest: Aggregate = self._app.repository.get(aggregate_id)
        else:
            newer = list(self._app.events.get(aggregate_id, gt=entry.version))
            if not newer:
                return entry
            newest = deepcopy(entry)
            for event in newer:
                newest = event.mutate(newest)
            if newest is None:  # pragma: no cover - a discarding event; schedcore has none
                raise AggregateNotFoundError(aggregate_id)
        self.put(newest)
        return newest

    def cached(self, aggregate_id: UUID) -> Aggregate | None:
        """The cached entry, if any, as it is (no store access)."""
        with self._lock:
            return self._entries.get(aggregate_id)

    def latest_many(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate | None]:
        """Several aggregates as last committed (``None``: no events), SHARED: with one query
        where the store can (PostgreSQL), else one each."""
        wanted = list(dict.fromkeys(aggregate_ids))
        select = getattr(self._app.recorder, "select_events_after", None)
        found: dict[UUID, Aggregate | None] = {}
        if select is None or len(wanted) < 2:
            for aggregate_id in wanted:
                try:
                    found[aggregate_id] = self.latest(aggregate_id)
                except AggregateNotFoundError:
                    found[aggregate_id] = None
            return found
        with self._lock:
            entries = {i: self._entries.get(i) for i in wanted}
        stored = select({i: 0 if e is None else e.version for i, e in entries.items()})
        mapper = self._app.mapper
        for aggregate_id, entry in entries.items():
            newer = stored.get(aggregate_id)
            if not newer:
                found[aggregate_id] = entry
                continue
            newest: Aggregate | None = None if entry is None else deepcopy(entry)
            for event in map(mapper.to_domain_event, newer):
                newest = event.mutate(newest)
            if newest is None:  # pragma: no cover - a discarding event; schedcore has none
                found[aggregate_id] = None
                continue
            self.put(newest)
            found[aggregate_id] = newest
        return found

    def private(self, aggregate_id: UUID, *, fresh: bool = True) -> Aggregate:
        """A copy of the latest committed aggregate, the caller's own to change."""
        return deepcopy(self.latest(aggregate_id, fresh=fresh))

    def put(self, aggregate: Aggregate) -> None:
        """Remember a committed aggregate, unless a newer version is remembered already."""
        if aggregate.pending_events:  # pragma: no cover - a programming error, not input
            raise ValueError("only committed aggregates are cached")
        with self._lock:
            known = self._entries.get(aggregate.id)
            if known is None or known.version < aggregate.version:
                self._entries[aggregate.id] = aggregate
                self._entries.move_to_end(aggregate.id)
                while len(self._entries) > self._maxsize:
                    self._entries.popitem(last=False)

    def forget(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._entries.pop(aggregate_id, None)
