"""``schedcore report`` on the national attendance example's store: 63 provinces, ten
sessions, members at the bridge points of every commune.  Every line of the text report agrees
with the others and with ``--json``, and the bridge section with the attendance table."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from schedcore.cli import main
from tests.examples.conftest import run_example
from tests.report_checks import check_report, number


def report(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", *args]) == 0
    return out.getvalue()


def test_the_national_report_agrees_with_itself(
    planned_2022: tuple[Path, str], tmp_path: Path
) -> None:
    pytest.importorskip("schedcore.projections", reason="projections not merged into this tree")
    run_example(
        "national_attendance.py",
        *("--plan", str(planned_2022[0] / "plan.json")),
        *("--out", str(tmp_path), "--scale", "0.3"),
    )
    store = ["--store", f"sqlite:///{tmp_path / 'national.sqlite'}"]
    text = report(*store)
    document = json.loads(report(*store, "--json", "-"))
    parsed = check_report(text, {**document})
    assert len(parsed.provinces) == 63
    assert [row[0] for row in parsed.clusters] == [str(n) for n in range(1, 11)]
    assert number(parsed.national[5]) > 0  # members at bridge points (beyond the delegates)
    assert document["bridge"]["connected"] >= document["bridge"]["communes_attended"] > 0
    assert "Hà Nội (01)" in text and "Asia/Ho_Chi_Minh" in text
