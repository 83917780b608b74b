"""Shape checks of command arguments that the domain's values do not make themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from schedcore.domain.values import BridgePoint, MemberRef, Venue
from schedcore.errors import InvalidInputError

__all__ = ["bridge_points", "member_refs", "rows_of", "texts", "venue_of"]

T = TypeVar("T", bound=tuple[Any, ...])


def rows_of(values: object, row: Callable[..., T], what: str) -> list[T]:
    """``row(*value)`` for each value, with a bad shape an input error naming the value."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInputError(f"expected a list of {what}, not {values!r}")
    rows = []
    for value in values:
        try:
            rows.append(row(*value))
        except TypeError:
            raise InvalidInputError(f"expected a {what}, not {value!r}") from None
    return rows


def bridge_points(points: object) -> list[BridgePoint]:
    found = rows_of(points, BridgePoint, "bridge point (province, commune)")
    for point in found:
        if not all(isinstance(v, str) and v.strip() for v in point):
            raise InvalidInputError(f"bridge point {point!r}: province and commune are text")
    return found


def member_refs(members: object) -> list[MemberRef]:
    refs = rows_of(members, MemberRef, "member (member, team, commune)")
    for ref in refs:
        if not all(isinstance(v, str) and v.strip() for v in ref):
            raise InvalidInputError(f"member {ref!r}: member, team and commune are required")
    return refs


def texts(values: object, what: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInputError(f"{what} must be a list of names, not {values!r}")
    found = list(values)
    if not all(isinstance(v, str) for v in found):
        raise InvalidInputError(f"{what} must be names (text): {found!r}")
    return found


def venue_of(venue: object) -> Venue:
    if not isinstance(venue, Venue):
        raise InvalidInputError(f"a venue is a Venue(province, name), not {venue!r}")
    return venue
