"""Splitting a national total across units in proportion to a weight, exactly."""

from __future__ import annotations

from collections.abc import Mapping

from schedcore.errors import InvalidInputError

__all__ = ["apportion"]


def apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Largest-remainder (Hamilton) apportionment: the parts are whole and sum to ``total``.

    Ties in the remainders go to the larger weight, then to the smaller key, so the result is
    deterministic.
    """
    if total < 0:
        raise InvalidInputError(f"cannot apportion a negative total ({total})")
    weight_sum = sum(weights.values())
    if weight_sum <= 0 or any(w < 0 for w in weights.values()):
        raise InvalidInputError("apportionment weights must be non-negative with a positive sum")
    parts = {key: total * w // weight_sum for key, w in weights.items()}
    remainders = sorted(
        weights, key=lambda key: (-(total * weights[key] % weight_sum), -weights[key], key)
    )
    for key in remainders[: total - sum(parts.values())]:
        parts[key] += 1
    return parts
