"""Idempotency receipts: a command's key and first result, stored with its events.

The receipt's id is derived from the key, and it is saved in the same transaction as the
command's events.  A retry finds it and returns the first result; a concurrent duplicate
collides on its id (the store refuses the second write) and is then answered from it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import receipt_id
from schedcore.domain.rules import check_actor
from schedcore.errors import InvalidInputError

__all__ = ["AppliedPlan", "Receipt", "Recorded", "RecordedAttendance"]


def _ints(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


@attrs.frozen
class Recorded:
    """The result of a simple command: how many events it recorded (0: nothing changed)."""

    events: int

    #: True when answered from the receipt of an earlier command with the same key.
    replayed: bool = attrs.field(default=False, kw_only=True, eq=False)


@attrs.frozen
class AppliedPlan:
    """The result of applying a plan: the programme's plan revision and what changed."""

    revision: int
    events: int
    clusters_changed: tuple[int, ...] = attrs.field(converter=_ints)

    #: True when answered from the receipt of an earlier command with the same key.
    replayed: bool = attrs.field(default=False, kw_only=True, eq=False)


@attrs.frozen
class RecordedAttendance:
    """The result of recording attendance rows in bulk."""

    rows: int
    recorded: int
    already_recorded: int
    batches: int
    events: int

    #: True when answered from the receipt of an earlier command with the same key.
    replayed: bool = attrs.field(default=False, kw_only=True, eq=False)


class Receipt(Aggregate):
    """The first outcome of the command sent with an idempotency key."""

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, key: str) -> UUID:
        return receipt_id(programme_id, key)

    @classmethod
    def issue(
        cls, programme_id: UUID, key: str, *, command: str, result: Any, actor: str
    ) -> Receipt:
        check_actor(actor)
        if not key.strip():
            raise InvalidInputError("an idempotency key cannot be blank")
        return cls(programme_id=programme_id, key=key, command=command, result=result, actor=actor)

    @event("Issued")
    def __init__(self, programme_id: UUID, key: str, command: str, result: Any, actor: str) -> None:
        self.programme_id = programme_id
        self.key = key
        self.command = command
        self.result = result
        self.actor = actor

    def check_command(self, command: str) -> None:
        if command != self.command:
            raise InvalidInputError(
                f"idempotency key {self.key!r} was already used for {self.command}, not {command}"
            )
