"""How often, and how patiently, a command that lost a race is decided again.

A command that loses an optimistic-concurrency race wrote nothing: deciding it again on the
aggregates as they now stand is exactly what would have happened had it arrived a moment
later.  So every command is retried by default, reloading what it reads each time; a caller
sees :class:`~schedcore.errors.ConcurrencyError` only when the attempts are spent.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import attrs

from schedcore.errors import InvalidInputError

__all__ = ["RetryPolicy"]


def _positive_int(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or value < 1:
        raise InvalidInputError(f"{attribute.name} must be a whole number >= 1, not {value!r}")


def _non_negative(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidInputError(f"{attribute.name} must be a number of seconds >= 0: {value!r}")


@attrs.frozen
class RetryPolicy:
    """Bounded attempts with "full jitter" exponential backoff.

    Attempt ``n`` (from 1) that fails waits a random time between 0 and
    ``min(max_delay, base_delay * 2 ** (n - 1))`` before the next: writers that collided spread
    out instead of colliding again in step.
    """

    #: Attempts in all, the first included (1: never retry).
    attempts: int = attrs.field(default=8, validator=_positive_int)
    base_delay: float = attrs.field(default=0.005, validator=_non_negative)
    max_delay: float = attrs.field(default=0.25, validator=_non_negative)

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt: a lost race reaches the caller at once (tests of races, tools that
        want to report conflicts themselves)."""
        return cls(attempts=1)

    def delays(self) -> Iterator[float]:
        """The pauses between attempts: ``attempts - 1`` of them."""
        for n in range(self.attempts - 1):
            yield random.uniform(0, min(self.max_delay, self.base_delay * 2**n))
