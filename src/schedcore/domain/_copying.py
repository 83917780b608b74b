"""Copying an aggregate out of the application's cache, cheaply.

``eventsourcing`` gives each command a ``copy.deepcopy`` of the cached aggregate, so a command
that fails half-way never corrupts the cache.  The generic deep copy visits every value through
its memo and reduce machinery: 1.7 ms for a programme, more than all the rest of a small command.

Our aggregates keep to one convention, which ``tests/core/test_copying.py`` checks on each of
them: their state is made of immutable values (text, numbers, dates, UUIDs, enums, frozen
``attrs`` values, tuples and frozensets of these) and of *flat* dicts, lists and sets whose
items are such values.  So a copy shares the immutable values and copies those containers one
level deep; anything else falls back to ``copy.deepcopy``.
"""

from __future__ import annotations

import copy
import enum
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

__all__ = ["copy_aggregate"]

T = TypeVar("T")

_FLAT_CONTAINERS = (dict, list, set)
_IMMUTABLE_BASES = (str, int, float, bytes, date, UUID, enum.Enum, tuple, frozenset, type(None))
_shared: dict[type, bool] = {}


def _is_frozen_attrs(kind: type) -> bool:
    setter = getattr(kind, "__setattr__", None)
    return hasattr(kind, "__attrs_attrs__") and getattr(setter, "__name__", "") == (
        "_frozen_setattrs"
    )


def _is_shared(kind: type) -> bool:
    """Values of this type are never changed in place: a copy may share them."""
    found = _shared.get(kind)
    if found is None:
        found = _shared[kind] = issubclass(kind, _IMMUTABLE_BASES) or _is_frozen_attrs(kind)
    return found


def copy_aggregate(self: T, memo: dict[int, Any] | None = None) -> T:
    """``__deepcopy__`` for aggregates that keep to the convention above."""
    clone = object.__new__(type(self))
    if memo is not None:
        memo[id(self)] = clone
    state = clone.__dict__
    for name, value in vars(self).items():
        kind = type(value)
        if kind in _FLAT_CONTAINERS:
            state[name] = value.copy()
        elif _is_shared(kind):
            state[name] = value
        else:
            state[name] = copy.deepcopy(value, memo)
    return clone
