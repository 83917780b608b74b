"""Loading the OR-Library capacitated p-median instances (Osman and Christofides, 1994).

Format: line 1 ``instance optimum``; line 2 ``n p capacity``; then ``id x y demand`` per point.
The published optima hold with distances truncated to integers (``floor`` of the Euclidean
distance) and the plain sum of distances as objective, every point a possible median with the
same capacity; the loader builds exactly that :class:`Problem`.
"""

from __future__ import annotations

import math
from pathlib import Path

import attrs

from schedcore.errors import ReferenceDataError
from schedcore.planning.problem import ObjectiveKind, Problem, Unit

__all__ = ["LORENA_SENNE_SCALE", "CpmpInstance", "load_cpmp", "load_lorena_senne"]


@attrs.frozen
class CpmpInstance:
    """One instance: its problem and its published optimum."""

    name: str
    optimum: int
    problem: Problem


def load_cpmp(path: str | Path, *, time_limit: float = 60.0, workers: int = 2) -> CpmpInstance:
    """Read one instance file; raise :class:`ReferenceDataError` if it is malformed."""
    path = Path(path)
    try:
        tokens = path.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    try:
        number, optimum, n, p, capacity = (int(t) for t in tokens[:5])
        rows = [tokens[5 + 4 * k : 9 + 4 * k] for k in range(n)]
        points = [(int(r[1]), int(r[2]), int(r[3])) for r in rows]
    except (ValueError, IndexError):
        raise ReferenceDataError(
            "expected 'instance optimum', 'n p capacity', then n lines 'id x y demand'",
            path=str(path),
        ) from None
    if len(tokens) != 5 + 4 * n:
        raise ReferenceDataError(f"expected {n} points", path=str(path))
    units = [
        Unit(code=str(k + 1), name=f"point {k + 1}", demand=d, capacity=capacity, x=x, y=y)
        for k, (x, y, d) in enumerate(points)
    ]
    distances = [[math.floor(math.hypot(a[0] - b[0], a[1] - b[1])) for b in points] for a in points]
    problem = Problem(
        units=units,
        clusters=p,
        objective=ObjectiveKind.DISTANCE,
        distances=distances,
        time_limit=time_limit,
        workers=workers,
        name=f"pmedcap{number:02d}",
    )
    return CpmpInstance(name=problem.name, optimum=optimum, problem=problem)


#: Distances of :func:`load_lorena_senne` instances are real numbers, kept to 1/100.
LORENA_SENNE_SCALE = 100


def load_lorena_senne(
    path: str | Path,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    scale: int = LORENA_SENNE_SCALE,
) -> Problem:
    """Read a Lorena and Senne instance (SJC, p3038): ``n p``, then ``x y capacity demand`` lines.

    Their published values use real-valued Euclidean distances (not weighted by demand); the
    solver needs integers, so coordinates are multiplied by ``scale`` and distances rounded:
    objective / ``scale`` is within ``n / (2 * scale)`` of the real-valued cost.  Raises
    :class:`ReferenceDataError` if the file is malformed.
    """
    path = Path(path)
    try:
        tokens = path.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    try:
        n, p = int(tokens[0]), int(tokens[1])
        rows = [tokens[2 + 4 * k : 6 + 4 * k] for k in range(n)]
        points = [(float(r[0]), float(r[1]), int(r[2]), int(r[3])) for r in rows]
    except (ValueError, IndexError):
        raise ReferenceDataError(
            "expected 'n p', then n lines 'x y capacity demand'", path=str(path)
        ) from None
    if len(tokens) != 2 + 4 * n:
        raise ReferenceDataError(f"expected {n} points", path=str(path))
    units = [
        Unit(
            code=str(k + 1),
            name=f"point {k + 1}",
            demand=d,
            capacity=q,
            x=x * scale,
            y=y * scale,
        )
        for k, (x, y, q, d) in enumerate(points)
    ]
    return Problem(
        units=units,
        clusters=p,
        objective=ObjectiveKind.DISTANCE,
        time_limit=time_limit,
        workers=workers,
        name=path.stem,
    )
