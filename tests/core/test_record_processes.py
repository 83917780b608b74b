"""Many ``schedcore record`` processes uploading at once: every one exits 0 on its first run.

Each process has a CSV file of its own with rows of every province (members of its own), and
shares some rows with the next file (each shared row is in exactly two files).  They are
started together on one store (8 on a SQLite file, 16 on PostgreSQL; ``SCHEDCORE_STRESS=1``
for more) and none is run again: the command retries a batch that lost a race by itself.
Their ``--json`` reports add up to the store: every row recorded once, a shared row counted
as recorded by one report and as already recorded by the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

import schedcore
from schedcore.application import Scheduler
from schedcore.domain.values import Activity
from schedcore.reference import vietnam_2022
from tests.core.conftest import ATTENDANCE_EVENTS, planned_programme, province_sessions
from tests.projections.conftest import postgres_schema
from tests.projections.reference import events_of
from tests.reliability.conftest import current_sizes

SIZES = current_sizes()
HEADER = "member,team,province,commune,activity,date\n"
#: The tree under test, for the children's ``PYTHONPATH``.
SOURCE = Path(schedcore.__file__).resolve().parents[1]

Fact = tuple[str, str, str]  # (province, activity, member)
PROVINCES = vietnam_2022().codes
CLUSTER_OF = province_sessions()


def _own_rows(uploader: int) -> list[str]:
    """``uploader_rows`` rows of each province for members of this uploader alone: course,
    channel and bridge (on the day of the province's session) in turn, province after
    province."""
    lines = []
    for n, province in enumerate(PROVINCES):
        _, day = CLUSTER_OF[province]
        for j in range(SIZES.uploader_rows):
            activity = ("course", "channel", "bridge")[(n + j) % 3]
            when = day.isoformat() if activity == "bridge" else "2022-09-20"
            member = f"u{uploader}-{province}-m{j}"
            lines.append(
                f"{member},u{uploader}-t{province},{province},u{uploader}-c,{activity},{when}"
            )
    return lines


def _shared_rows(block: int) -> list[str]:
    """One course row of each province, in the files of uploaders ``block`` and ``block + 1``."""
    return [f"s{block}-{p},s{block}-t{p},{p},s{block}-c,course,2022-09-21" for p in PROVINCES]


def _fact(line: str) -> Fact:
    member, _, province, _, activity, _ = line.split(",")
    return (province, activity, member)


def _files(folder: Path, count: int) -> list[tuple[Path, list[str]]]:
    """Each uploader's file and its rows: its own, and the blocks it shares with both
    neighbours (block ``i`` is in files ``i`` and ``i + 1``, round the ring)."""
    found = []
    for uploader in range(count):
        lines = _own_rows(uploader) + _shared_rows(uploader) + _shared_rows((uploader - 1) % count)
        path = folder / f"upload-{uploader}.csv"
        path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        found.append((path, lines))
    return found


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.slow),
        pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres]),
    ]
)
def planned_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(store URL, programme name): the 2022 programme with the standard plan applied, on a
    SQLite file or a PostgreSQL schema of its own."""
    with ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(postgres_schema(request.getfixturevalue("postgres")))
        else:
            url = f"sqlite:///{tmp_path / 'events.sqlite'}"
        yield url, planned_programme(url)


def _start(url: str, programme: str, uploader: int, path: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "schedcore", "record", "--store", url]
    argv += ["--programme", programme, "--actor", f"uploader-{uploader}", "--json", "-"]
    argv += ["--quiet", str(path)]
    if uploader % 2:  # half of them in many small transactions, half in the default batches
        argv[-1:-1] = ["--batch-size", "40"]
    python_path = os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": python_path},
    )


def test_concurrent_record_uploads_all_exit_0_on_their_first_run_and_add_up_to_the_store(
    planned_store: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url, programme = planned_store
    count = SIZES.uploaders * (2 if "postgres" in request.node.name else 1)
    files = _files(tmp_path, count)
    processes = [_start(url, programme, i, path) for i, (path, _) in enumerate(files)]
    outputs = []
    for process in processes:
        try:
            outputs.append(process.communicate(timeout=600))
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung upload is a failure
            for other in processes:
                other.kill()
            pytest.fail(f"schedcore record (pid {process.pid}) still running after 10 minutes")

    failed = [
        f"uploader {i} exited {p.returncode}: {err.strip().splitlines()[-1:]}"
        for i, (p, (_, err)) in enumerate(zip(processes, outputs, strict=True))
        if p.returncode != 0
    ]
    assert not failed, f"{len(failed)} of {count} uploads failed on their first run: {failed}"
    reports: list[dict[str, Any]] = [json.loads(out) for out, _ in outputs]

    sent = {_fact(line) for _, lines in files for line in lines}
    shared = sum(len(lines) for _, lines in files) - len(sent)
    assert shared == count * len(PROVINCES)  # each shared row is in two files
    for (path, lines), report in zip(files, reports, strict=True):
        assert report["file"] == str(path)
        assert report["rows"] == len(lines)
        assert report["recorded"] + report["already_recorded"] == len(lines), report
    assert sum(r["recorded"] for r in reports) == len(sent)
    assert sum(r["already_recorded"] for r in reports) == shared

    app = Scheduler.open(url, programme=programme)
    try:
        stored: set[Fact] = set()
        for province in PROVINCES:
            book = app.attendance(province)
            stored |= {(province, "course", m) for m in book.course}
            stored |= {(province, "channel", m) for m in book.channel}
            stored |= {(province, str(a), m) for m, (a, _) in book.in_person.items()}
        assert stored == sent
        log = [event for _, event in events_of(app)]
        # the events name members by pseudonyms, which the identity vault maps back
        named = app.member_identities(
            {m for e in log if type(e).__name__ in ATTENDANCE_EVENTS for m in e.members.members}
        )
        recorded: Counter[Fact] = Counter(
            (event.province, str(ATTENDANCE_EVENTS[type(event).__name__]), named[member])
            for event in log
            if type(event).__name__ in ATTENDANCE_EVENTS
            for member in event.members.members
        )
        assert set(recorded) == sent and set(recorded.values()) == {1}
        assert sum(r["events"] for r in reports) == sum(
            1 for e in log if type(e).__qualname__.startswith("Attendance.")
        )
    finally:
        app.close()


def test_each_upload_file_has_rows_of_its_own_and_shares_the_others_with_one_file() -> None:
    """The files of the test above, checked: what its sums rely on."""
    files = [_own_rows(i) + _shared_rows(i) + _shared_rows((i - 1) % 3) for i in range(3)]
    counts = Counter(_fact(line) for lines in files for line in lines)
    assert {Activity(a) for _, a, _ in counts} == {
        Activity.COURSE,
        Activity.CHANNEL,
        Activity.BRIDGE,
    }
    assert Counter(counts.values()) == {1: 3 * len(_own_rows(0)), 2: 3 * len(PROVINCES)}
