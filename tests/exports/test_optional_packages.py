"""The core works without the export extras; an export that needs one says which to install."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from schedcore.errors import MissingDependencyError
from schedcore.exports import cluster_map, plan_to_ics
from tests.exports.plans import FakeCluster

PLAN = [FakeCluster(1, "01", ("01", "26"), dt.date(2022, 9, 12))]


def test_without_matplotlib_a_picture_asks_for_the_pictures_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(MissingDependencyError, match=r"schedcore\[pictures\]"):
        cluster_map(PLAN)


def test_without_icalendar_the_calendar_export_asks_for_the_calendar_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "icalendar", None)
    with pytest.raises(MissingDependencyError, match=r"schedcore\[calendar\]"):
        plan_to_ics(PLAN, programme="P")


def test_schedcore_and_its_text_exports_work_without_the_extras() -> None:
    script = textwrap.dedent(
        """
        import sys
        for name in ("matplotlib", "icalendar"):
            sys.modules[name] = None  # importing any of them now fails
        import schedcore
        from schedcore.exports import ClusterRecord, plan_to_csv
        print(plan_to_csv([ClusterRecord(1, "01", ("01",))]).splitlines()[1])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1,01,Hà Nội,,,01,Hà Nội"
