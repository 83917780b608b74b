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
