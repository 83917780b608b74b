"""Honest shares: "46,103 of 46,105 teams, 99.9%, 2 missing", never a rounded-up 100.0%.

A share is printed at one decimal **rounded down**: it reads ``100.0%`` exactly when nothing is
missing, and it never shows more than the true share.  Reports print and write these figures,
so the text and the JSON agree.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Share", "percent"]


def percent(value: int, whole: int) -> str:
    """``value`` of ``whole`` as a percentage at one decimal, rounded down (``"-"`` when
    ``whole`` is 0; ``100.0%`` at most, for a value beyond the whole)."""
    if whole <= 0:
        return "-"
    tenths = min(1000, max(0, value) * 1000 // whole)
    return f"{tenths // 10}.{tenths % 10}%"


@attrs.frozen
class Share:
    """A count against its population, in its unit (``teams``, ``members``, ``communes``)."""

    value: int
    of: int
    unit: str

    @property
    def missing(self) -> int:
        """How many of the population are not counted yet (0 once all are)."""
        return max(0, self.of - self.value)

    @property
    def percent(self) -> str:
        """The share at one decimal, rounded down (see :func:`percent`)."""
        return percent(self.value, self.of)

    def as_json(self) -> dict[str, Any]:
        """``{"value", "of", "missing", "percent", "unit"}``."""
        return {
            "value": self.value,
            "of": self.of,
            "missing": self.missing,
            "percent": self.percent,
            "unit": self.unit,
        }

    def __str__(self) -> str:
        text = f"{self.value:,} of {self.of:,} {self.unit} ({self.percent})"
        return f"{text}, {self.missing:,} missing" if self.missing else text
