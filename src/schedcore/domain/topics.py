"""Stable topics: the names under which each aggregate and event class is stored, for ever.

Every stored event names its class by topic (``module:Qualname``), and a creation event names
its aggregate's class too.  Those strings are in every copy of the log, so the table below
keeps them: each aggregate class is registered under the topic it was first stored under, and
each of its event classes under that topic plus the event's name.  Moving an aggregate to
another module changes only the class on the right of :data:`STABLE_AGGREGATE_TOPICS`, never
the topic on the left, and old logs keep reading.  An event class that is renamed keeps its
old topic in :data:`RENAMED_EVENT_TOPICS`.

The registration happens when :mod:`schedcore.domain` is imported, before anything reads a
store or a projection runner computes the topics it filters on.

Custom values inside events (dates, venues, targets...) are not stored by topic but by the
name of their transcoding (see :mod:`schedcore.transcodings`), so moving their classes needs
no alias.
"""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import register_topic

from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.programme import Programme
from schedcore.domain.programme_name import ProgrammeName
from schedcore.domain.receipt import Receipt
from schedcore.domain.reservations import BridgeDay, TrainerTeamDiary
from schedcore.domain.session import Session

__all__ = [
    "RENAMED_EVENT_TOPICS",
    "STABLE_AGGREGATE_TOPICS",
    "event_classes",
    "register_stable_topics",
    "stable_topics",
]

#: Each aggregate class by the topic it is stored under (never edit a key; move the value).
STABLE_AGGREGATE_TOPICS: Mapping[str, type[Aggregate]] = {
    "schedcore.domain.programme:Programme": Programme,
    "schedcore.domain.cluster:Cluster": Cluster,
    "schedcore.domain.cluster:Placement": Placement,
    "schedcore.domain.session:Session": Session,
    "schedcore.domain.attendance:Attendance": Attendance,
    "schedcore.domain.receipt:Receipt": Receipt,
    "schedcore.domain.reservations:TrainerTeamDiary": TrainerTeamDiary,
    "schedcore.domain.reservations:BridgeDay": BridgeDay,
    "schedcore.domain.programme_name:ProgrammeName": ProgrammeName,
}

#: Event classes renamed since they were first stored, by their old topic (none yet).
RENAMED_EVENT_TOPICS: Mapping[str, type] = {}


def _event_classes_of(aggregate: type[Aggregate]) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate)
    }


def stable_topics(
    aggregates: Mapping[str, type[Aggregate]] = STABLE_AGGREGATE_TOPICS,
    renamed: Mapping[str, type] = RENAMED_EVENT_TOPICS,
) -> dict[str, type]:
    """Every stable topic and the class it resolves to: each aggregate, each of its event
    classes (``topic.EventName``), and the renamed events."""
    topics: dict[str, type] = {}
    for topic, aggregate in aggregates.items():
        topics[topic] = aggregate
        for name, event_class in _event_classes_of(aggregate).items():
            topics[f"{topic}.{name}"] = event_class
    topics.update(renamed)
    return topics


def register_stable_topics(
    aggregates: Mapping[str, type[Aggregate]] = STABLE_AGGREGATE_TOPICS,
    renamed: Mapping[str, type] = RENAMED_EVENT_TOPICS,
) -> None:
    """Make every stable topic resolve to its class (idempotent).

    ``eventsourcing`` refuses, with a ``TopicError``, a topic already registered for another
    class: two classes can never claim one stored name.
    """
    for topic, obj in stable_topics(aggregates, renamed).items():
        register_topic(topic, obj)


def event_classes() -> tuple[type, ...]:
    """Every event class a store may hold.  Left out: each aggregate's ``Event`` base, and the
    ``Created`` class ``eventsourcing`` gives an aggregate whose creation event has another
    name (``Cluster.Formed``, ``Attendance.Opened``...): neither is ever stored."""
    found: list[type] = []
    for aggregate in STABLE_AGGREGATE_TOPICS.values():
        classes = _event_classes_of(aggregate)
        creations = [cls for name, cls in classes.items() if issubclass(cls, CanInitAggregate)]
        for name, cls in classes.items():
            if name == "Event" or (name == "Created" and len(creations) > 1):
                continue
            found.append(cls)
    return tuple(found)
