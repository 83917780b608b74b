"""Reading events across versions of schedcore: old events are upcast, newer ones refused.

Stored events live for ever, so the shape of every event class is a contract:

* A field added to an event class raises the class's ``class_version`` and comes with a
  ``upcast_vN_vN+1(state)`` static method that gives old events the value the field had in
  effect then.  ``eventsourcing`` calls the upcasters in turn when it reads an old event, so
  the domain only ever sees current events.
* An event class is never removed, and keeps its topic when it moves or is renamed: its topic
  is in every stored copy (see :mod:`schedcore.domain.topics`).
* An event this version cannot read, a type a newer schedcore added or a ``class_version``
  above the one known here, is refused with :class:`~schedcore.errors.UnknownEventError`
  naming the event, instead of a traceback or, worse, a new field silently ignored.

The versions so far:

=====================  =======  ==========================================================
event                  version  change
=====================  =======  ==========================================================
``Programme.Created``  2        ``require_roles`` added; version 1 events read as ``False``
                                (programmes of schedcore 0.1 trusted plain string actors)
``Programme.Created``  3        ``daily_bridge_capacity`` added; older events read as
                                ``None`` (no daily cap was enforced then)
``SeatsAllotted``      2        ``override_reason`` added (a province joining a session on
                                its blackout day); older events read as ``None``
=====================  =======  ==========================================================
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
)
from eventsourcing.utils import TopicError, resolve_topic

from schedcore.errors import UnknownEventError

__all__ = ["CheckedMapper", "VersionCheckingTranscoder", "aggregate_classes", "event_versions"]

#: The topic and known class version of the event being decoded, in this thread or task.
_DECODING: ContextVar[tuple[str, int] | None] = ContextVar("schedcore_decoding", default=None)


def _where(stored: StoredEvent) -> str:
    return f"version {stored.originator_version} of aggregate {stored.originator_id}"


class VersionCheckingTranscoder(JSONTranscoder):
    """A JSON transcoder that refuses an event state newer than its class."""

    def decode(self, data: bytes) -> Any:
        state = super().decode(data)
        decoding = _DECODING.get()
        if decoding is not None and isinstance(state, dict):
            topic, known = decoding
            stored = state.get("class_version", 1)
            if isinstance(stored, int) and stored > known:
                raise UnknownEventError(
                    f"the store holds {topic} events of version {stored}, and this "
                    f"schedcore reads versions up to {known}: they were written by a newer "
                    "schedcore; upgrade to read this store (nothing was written)"
                )
        return state


class CheckedMapper(Mapper[UUID]):
    """The ``eventsourcing`` mapper, with a typed error for events it cannot read."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            event_class = resolve_topic(stored_event.topic)
        except TopicError:
            raise UnknownEventError(
                f"the store holds an event of unknown type {stored_event.topic!r} "
                f"({_where(stored_event)}): it was written by a newer or different "
                "program; upgrade schedcore to read this store (nothing was written)"
            ) from None
        token = _DECODING.set((stored_event.topic, getattr(event_class, "class_version", 1)))
        try:
            return super().to_domain_event(stored_event)
        except MapperDeserialisationError as exc:
            if isinstance(exc.__cause__, UnknownEventError):
                raise UnknownEventError(f"{exc.__cause__} ({_where(stored_event)})") from None
            raise
        finally:
            _DECODING.reset(token)


def aggregate_classes() -> tuple[type[Any], ...]:
    """Every schedcore aggregate class, whose events a store may hold."""
    from schedcore.domain import (
        Attendance,
        BridgeDay,
        Cluster,
        Placement,
        Programme,
        Receipt,
        Session,
        TrainerTeamDiary,
    )

    return (
        Programme,
        Cluster,
        Placement,
        Session,
        Attendance,
        Receipt,
        TrainerTeamDiary,
        BridgeDay,
    )


def event_versions() -> dict[str, int]:
    """Every schedcore event class above version 1, by topic: what :mod:`upcasting` covers."""
    from eventsourcing.domain import CanMutateAggregate
    from eventsourcing.utils import get_topic

    versions: dict[str, int] = {}
    for aggregate in aggregate_classes():
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, CanMutateAggregate):
                version = getattr(value, "class_version", 1)
                if version > 1:
                    versions[get_topic(value)] = version
    return versions
