"""Tiny problems built by hand, each making one rule bind."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta

from schedcore.planning.problem import Problem, TrainerTeam, Unit, Weights

MONDAY = date(2022, 9, 12)


def line_units(
    xs: Sequence[int],
    *,
    demand: int = 1,
    capacity: int | None = 100,
    communes: int = 0,
) -> list[Unit]:
    """Units at (x, 0) named ``a``, ``b``, ``c``... with the same demand and hall."""
    return [
        Unit(
            code=chr(ord("a") + k),
            name=f"Unit {chr(ord('A') + k)}",
            demand=demand,
            capacity=capacity,
            x=x,
            y=0,
            communes=communes,
        )
        for k, x in enumerate(xs)
    ]


def days(count: int) -> list[date]:
    return [MONDAY + timedelta(days=k) for k in range(count)]


def problem(units: Sequence[Unit], clusters: int, **changes: object) -> Problem:
    settings: dict[str, object] = {"time_limit": 20.0, "workers": 1, "seed": 0}
    settings.update(changes)
    return Problem(units=units, clusters=clusters, **settings)  # type: ignore[arg-type]


def teams(count: int) -> list[TrainerTeam]:
    return [TrainerTeam(f"T{k + 1}") for k in range(count)]


WEIGHTED_TRAINERS = Weights(delegate_travel=1, trainer_travel=1)

#: The names of the planner's solver threads (schedcore.planning.solver_threads users).
SOLVER_THREADS = frozenset({"cp-sat", "kernel", "neighbourhood", "highs"})


def solver_threads_left(grace: float = 0.5) -> list[str]:
    """Solver threads still running ``grace`` seconds from now (a moment for a thread to leave
    Python's bookkeeping once its solve has returned): after a solve returns, none may."""
    deadline = time.monotonic() + grace
    while True:
        left = [t.name for t in threading.enumerate() if t.name in SOLVER_THREADS]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.01)
