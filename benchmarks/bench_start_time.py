"""How long ``import schedcore`` and ``schedcore --help`` take, in fresh processes.

    python benchmarks/bench_start_time.py [--repeat 15] [--src PATH]

Every command a planner types pays this before it does anything; ``--help`` and the commands
that do not solve should not wait for the solver (OR-Tools, and pandas through it), the event
store or the pictures.  Each case runs in a new interpreter (``python -X importtime`` is the
tool to see where the time goes), alternating with the baseline ``python -c pass``, the cost
of starting Python at all; the figures are the medians and what schedcore adds over the
baseline.  ``--src`` measures another tree's ``src`` (e.g. before a change).  No goal is set:
tests/test_fast_start.py checks that no solver is imported, which can fail where a time cannot.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Comparison, Figure, Suite, alternate  # noqa: E402

SRC = HERE.parent / "src"

#: (name, the arguments after ``python``).
CASES = (
    ("import schedcore", ["-c", "import schedcore"]),
    ("schedcore --help", ["-m", "schedcore", "--help"]),
    ("import the solver (schedcore.planning.solve)", ["-c", "import schedcore.planning.solve"]),
)
BASELINE = ("python -c pass", ["-c", "pass"])


def seconds_of(arguments: Sequence[str], src: Path) -> float:
    """Wall seconds of one fresh interpreter running ``arguments``."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def suite(*, repeat: int = 15, src: Path = SRC, **_: Any) -> Suite:
    """The harness's entry point: each case against ``python -c pass``, alternately."""
    result = Suite(
        "start_time",
        "Start time: import schedcore and schedcore --help",
        settings={"repeat": repeat},
    )
    # One untimed run of each fills the OS's file cache and writes no bytecode (see env).
    for _name, arguments in (*CASES, BASELINE):
        seconds_of(arguments, src)
    for name, arguments in CASES:
        ours, baseline = alternate(
            lambda arguments=arguments: seconds_of(arguments, src),
            lambda: seconds_of(BASELINE[1], src),
            repeat=repeat,
        )
        result.comparisons.append(
            Comparison(
                name,
                BASELINE[0],
                1,
                "process",
                ours,
                baseline,
                goal=None,
                notes="fresh interpreter each run; ratio < 1: slower than bare Python",
            )
        )
        added = statistics.median(ours) - statistics.median(baseline)
        result.figures += [
            Figure(f"{name}: wall time", round(statistics.median(ours), 3), "s", "median"),
            Figure(
                f"{name}: added to starting Python",
                round(added, 3),
                "s",
                f"median {statistics.median(ours):.3f} s - {statistics.median(baseline):.3f} s",
            ),
        ]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each case")
    parser.add_argument("--src", type=Path, default=SRC, help="the src folder to measure")
    args = parser.parse_args(argv)
    found = suite(repeat=args.repeat, src=args.src)
    for figure in found.figures:
        print(f"{figure.name:<60} {figure.value:>7.3f} {figure.unit}  {figure.notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
