"""Killing the runner (SIGKILL, for real) inside a batch loses nothing and doubles nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.projections import ProjectionRunner, default_models
from tests.projections.conftest import open_small, small_spec
from tests.projections.models import CountsApplications, applications
from tests.projections.reference import reference_snapshot, snapshot

ROOT = Path(__file__).parent.parent.parent
ONLINE_DAY = date(2022, 9, 20)
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def write_some(app: Scheduler, rng: random.Random, start: int, count: int) -> None:
    """``count`` small attendance imports (two rows per transaction: many events)."""
    for n in range(start, start + count):
        province = rng.choice(["01", "02", "04", "06"])
        activity = rng.choice([Activity.COURSE, Activity.CHANNEL])
        rows = [
            AttendanceRow(
                f"{province}-m{n}-{k}",
                f"{province}-t{n}",
                province,
                f"c{n % 3}",
                activity,
                ONLINE_DAY,
            )
            for k in range(3)
        ]
        app.record_attendance(rows, actor=f"writer-{n}", batch_size=2)


def start_runner(url: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.projections.crash_child", url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    return child


@pytest.mark.slow
def test_a_runner_killed_inside_batches_resumes_without_losing_or_doubling(
    store_url: str,
) -> None:
    rng = random.Random(2022)
    app = open_small(store_url)
    write_some(app, rng, 0, 30)
    kills = 0
    for round_ in range(6):
        child = start_runner(store_url)
        time.sleep(rng.uniform(0.02, 0.2))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait(timeout=30)
        write_some(app, rng, 100 * (round_ + 1), 15)  # writers keep writing between crashes
    assert kills >= 3
    child = start_runner(store_url)
    assert child.wait(timeout=120) == 0
    runner = ProjectionRunner(app, [*default_models(), CountsApplications()])
    counted = applications(runner.database)
    assert len(counted) == app.max_notification_id()
    assert set(counted.values()) == {1}
    views = snapshot(runner.views())
    assert views == reference_snapshot(app, small_spec().name)
    runner.rebuild()
    assert snapshot(runner.views()) == views
    app.close()


def start_builder(url: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.projections.build_child", url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    return child


@pytest.mark.slow
def test_a_build_killed_midway_never_serves_a_half_built_table_and_resumes(
    store_url: str,
) -> None:
    rng = random.Random(15)
    app = open_small(store_url)
    write_some(app, rng, 0, 40)
    ProjectionRunner(app).catch_up()  # the shipped models serve; "applied" is added later
    shadow_positions = []
    for _ in range(3):
        # opened first: it only reads while the child builds (SQLite's lock would starve it)
        watcher = ProjectionRunner(app, [*default_models(), CountsApplications()])
        child = start_builder(store_url)
        deadline = time.monotonic() + 30
        building = None
        while time.monotonic() < deadline and child.poll() is None:
            building = {s.name: s for s in watcher.status()}["applied"].building
            if building and building > (shadow_positions[-1] if shadow_positions else 0):
                break
            time.sleep(0.02)
        assert child.poll() is None, f"the build finished before kill {len(shadow_positions)}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        status = {s.name: s for s in watcher.status()}
        # killed inside the build: the live table was never touched, the shadow one is kept
        assert status["applied"].state == "new"
        assert applications(watcher.database) == {}
        assert status["applied"].building is not None
        shadow_positions.append(status["applied"].building)
        # the others keep answering meanwhile
        assert snapshot(watcher.views()) == reference_snapshot(app, small_spec().name)
        watcher.close()
        write_some(app, rng, 100 * len(shadow_positions), 5)
        ProjectionRunner(app).catch_up()
    # each restart resumed where the last one was killed, not from zero
    assert shadow_positions == sorted(shadow_positions) and shadow_positions[-1] > 0
    child = start_builder(store_url)
    assert child.wait(timeout=120) == 0
    runner = ProjectionRunner(app, [*default_models(), CountsApplications()])
    counted = applications(runner.database)
    assert len(counted) == app.max_notification_id()
    assert set(counted.values()) == {1}
    assert {s.state for s in runner.status()} == {"current"}
    app.close()
