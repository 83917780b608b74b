"""Run the examples as a user would: ``python examples/NAME.py`` from the repository root."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RunExample = Callable[..., subprocess.CompletedProcess[str]]


def run_example(name: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run an example to completion; a non-zero exit fails the test with its output."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def planned_2022(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``plan_2022.py`` run once (with a shorter time limit) for the tests that need its plan."""
    pytest.importorskip("schedcore.planning", reason="the planner is not merged into this tree")
    out = tmp_path_factory.mktemp("plan_2022")
    done = run_example("plan_2022.py", "--out", str(out), "--time-limit", "15")
    return out, done.stdout
