"""``import schedcore`` and the commands that do not solve load no solver, no pandas and no
pictures (each is checked in a fresh interpreter: ``sys.modules`` says what was imported).

The times themselves are in benchmarks/bench_start_time.py: a time depends on the machine,
what is imported does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("ortools", "pandas", "matplotlib", "numpy", "schedcore.planning.solve")

PROBE = """
import json, sys
{code}
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def imported_after(code: str, tmp_path: Path) -> list[str]:
    """Which of the heavy modules a fresh interpreter has imported after running ``code``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env["SCHEDCORE_STORE"] = "sqlite:///missing.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_probe_sees_a_solver_import(tmp_path: Path) -> None:
    """The check can fail: importing the solver is seen."""
    assert "ortools" in imported_after("import schedcore.planning.solve", tmp_path)


def test_import_schedcore_imports_no_solver(tmp_path: Path) -> None:
    assert imported_after("import schedcore", tmp_path) == []


def test_the_problem_and_plan_types_import_no_solver(tmp_path: Path) -> None:
    code = "from schedcore.planning import Problem, Plan, Unit, load_units, scenario_2022"
    assert imported_after(code, tmp_path) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["plan", "--help"],
        ["report"],
        ["history"],
        ["export", "--format", "csv", "--out", "x.csv"],
        ["plan", "--trainer-teams", "0"],
    ],
)
def test_commands_that_do_not_solve_import_no_solver(argv: list[str], tmp_path: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from schedcore.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert imported_after(code, tmp_path) == []


def test_public_names_are_still_there() -> None:
    import schedcore
    import schedcore.planning

    for name in schedcore.__all__:
        assert getattr(schedcore, name) is not None, name
    for name in schedcore.planning.__all__:
        assert getattr(schedcore.planning, name) is not None, name
    # Functions named like their module stay functions once the module is imported.
    import schedcore.planning.solve

    assert callable(schedcore.planning.solve) and callable(schedcore.solve)
    assert not isinstance(schedcore.planning.explain, type(schedcore))


def test_the_options_show_the_planning_defaults() -> None:
    """The CLI spells out defaults so that --help imports no planning code: they must agree."""
    from schedcore.application import RetryPolicy
    from schedcore.cli import plan, record
    from schedcore.planning.problem import DEFAULT_TRAVEL_DAY_KM, ObjectiveKind, Problem, Weights

    assert tuple(kind.value for kind in ObjectiveKind) == plan.OBJECTIVES
    assert plan.DEFAULT_TRAVEL_DAY_KM == DEFAULT_TRAVEL_DAY_KM
    assert Weights().trainer_travel == plan.DEFAULT_TRAINER_WEIGHT
    default_objective = Problem.__attrs_attrs__.objective.default  # type: ignore[attr-defined]
    assert default_objective.value == plan.DEFAULT_OBJECTIVE
    assert RetryPolicy().attempts - 1 == record.DEFAULT_RETRIES
