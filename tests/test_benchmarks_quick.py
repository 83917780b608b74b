"""The benchmark harness: alternation, ratios, and a tiny real run producing JSON and a table.

No timing is asserted anywhere: the figures belong in docs/benchmarks.md, not in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _harness import (  # noqa: E402
    Comparison,
    Interleaved,
    Run,
    Suite,
    alternate,
    interleave,
    markdown,
)
from run import DOC_BEGIN, DOC_END, update_doc  # noqa: E402


def test_alternate_swaps_which_side_goes_first_each_repetition() -> None:
    calls: list[str] = []
    alternate(
        lambda: calls.append("ours") or 1.0,
        lambda: calls.append("baseline") or 1.0,
        repeat=4,
    )
    assert calls == ["baseline", "ours", "ours", "baseline"] * 2


def test_alternate_returns_each_side_s_seconds_in_order() -> None:
    ours = iter([1.0, 2.0, 3.0])
    baseline = iter([10.0, 20.0, 30.0])
    assert alternate(lambda: next(ours), lambda: next(baseline), repeat=3) == (
        [1.0, 2.0, 3.0],
        [10.0, 20.0, 30.0],
    )


def test_interleave_rotates_which_side_goes_first_call_by_call() -> None:
    calls: list[str] = []

    def side(name: str) -> list[object]:
        return [lambda: calls.append(name)] * 3

    measured = Interleaved()
    totals = interleave({"a": side("a"), "b": side("b"), "c": side("c")}, measured)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert set(totals) == {"a", "b", "c"}
    assert [len(measured.wall[name]) for name in "abc"] == [3, 3, 3]


def test_interleave_refuses_sides_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="as many calls"):
        interleave({"a": [lambda: None], "b": []}, Interleaved())


def test_the_ratio_is_the_median_of_paired_baseline_over_ours() -> None:
    comparison = Comparison("x", "raw", 100, "rows", [1.0, 2.0, 4.0], [1.0, 1.0, 1.0], goal=0.8)
    assert comparison.ratios == [1.0, 0.5, 0.25]
    assert comparison.ratio == 0.5
    assert comparison.met is False


def test_a_comparison_without_a_goal_is_neither_met_nor_missed() -> None:
    assert Comparison("x", "raw", 1, "rows", [1.0], [2.0]).met is None


def test_the_markdown_summary_names_a_missed_goal() -> None:
    suite = Suite("s", "Some suite")
    suite.comparisons.append(Comparison("slow thing", "raw", 10, "rows", [4.0], [1.0], goal=0.5))
    run = Run(mode="tiny", machine=_machine(), started="2026-01-01T00:00:00+00:00")
    run.suites.append(suite)
    text = markdown(run)
    assert "| Some suite | slow thing | **0.25×** | ≥ 0.5×: **missed** |" in text


def test_updating_the_doc_replaces_only_the_generated_block(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Title\n\nprose\n\n{DOC_BEGIN}\nold figures\n{DOC_END}\n\nmore prose\n")
    run = Run(mode="tiny", machine=_machine(), started="2026-01-01T00:00:00+00:00")
    update_doc(page, run)
    text = page.read_text()
    assert "old figures" not in text
    assert text.startswith("# Title\n\nprose\n\n")
    assert text.endswith(f"{DOC_END}\n\nmore prose\n")
    assert "Results (tiny run" in text


@pytest.mark.slow
def test_a_tiny_run_writes_json_and_a_markdown_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run.py"),
            "--tiny",
            "--no-postgres",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "tiny.json").read_text())
    assert result["schema"] == 1
    assert result["machine"]["cores"] >= 1
    assert "eventsourcing" in result["machine"]["packages"]
    suites = {s["name"]: s for s in result["suites"]}
    assert set(suites) == {"store_append", "command_latency", "start_time"}
    for suite in suites.values():
        assert suite["skipped"] is None
        assert suite["load_before"] is not None
        for comparison in suite["comparisons"]:
            assert len(comparison["ours_seconds"]) == len(comparison["baseline_seconds"]) >= 2
            assert comparison["ratio"] > 0
    table = (tmp_path / "tiny.md").read_text()
    assert "| suite | benchmark | ratio | goal |" in table
    assert "SQLite file: record_attendance" in table


def _machine() -> dict[str, object]:
    return {
        "cpu": "test CPU",
        "cores": 2,
        "usable_cores": 2,
        "memory_gib": 4.0,
        "os": "Linux",
        "python": "CPython 3.11",
        "sqlite": "3",
        "postgresql": None,
        "packages": {},
        "git_commit": None,
        "load_average": (0.0, 0.0, 0.0),
    }


def test_the_profile_of_one_command_per_transaction_splits_all_of_its_time_by_layer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import profile_hot_paths

    small = ("one command per transaction", profile_hot_paths.command_path, 20)
    monkeypatch.setitem(profile_hot_paths.PATHS, "command", small)
    assert profile_hot_paths.main(["--only", "command", "--top", "3"]) == 0
    out = capsys.readouterr().out
    shares = [
        int(line.rsplit("|", 2)[1].strip().rstrip("%"))
        for line in out.split("| layer |")[1].split("| function |")[0].splitlines()
        if line.startswith("| ") and line.rstrip().endswith("% |")
    ]
    assert 97 <= sum(shares) <= 103  # rounded shares of the whole
    assert "database driver" in out
    assert out.count("calls)") == 3  # the three costliest functions


def test_the_profiler_assigns_each_entry_to_its_layer() -> None:
    from profile_hot_paths import layer_of

    assert layer_of("~", "<method 'commit' of 'sqlite3.Connection' objects>") == ("database driver")
    assert layer_of("/x/site-packages/eventsourcing/application.py", "save") == "eventsourcing"
    assert layer_of("/x/src/schedcore/bulk.py", "record_rows") == "schedcore"
    assert layer_of("/usr/lib/python3.11/json/decoder.py", "raw_decode") == (
        "encoding (JSON, zlib)"
    )


def test_the_cpmp_option_takes_one_instance_or_a_range_of_real_ones() -> None:
    import argparse

    from run import _instance_range

    assert _instance_range("3") == [3]
    assert _instance_range("1-19") == list(range(1, 20))
    for wrong in ("a-b", "0-3", "5-21", "7-2"):
        with pytest.raises(argparse.ArgumentTypeError):
            _instance_range(wrong)
