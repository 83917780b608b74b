"""A programme of another country, end to end through the real command, as a planner runs it.

``schedcore init`` writes a template; the planner edits it into Mexico's 32 federal entities
(America/Mexico_City, Mexico's holidays, sessions from 09:00 to 15:00) and then runs
``plan --apply``, ``record``, ``report --json`` and ``export`` to JSON, CSV, iCalendar and
pictures, naming no programme after ``plan --apply``.  Every count is checked exactly, names
appear wherever output shows units, and the calendar's events are in the programme's zone.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mexico_2025"
NAME = "Municipal digital skills, Mexico, November 2025"


def schedcore(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as a user types it; fail the test on a traceback, whatever the exit."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("SCHEDCORE_STORE", None)
    done = subprocess.run(
        [sys.executable, "-m", "schedcore", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def edited_template(folder: Path) -> Path:
    """What a planner does after ``schedcore init``: their name, zone, window, holidays, units."""
    done = schedcore("init", str(folder), cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    path = folder / "programme.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ('name = "Example programme"', f'name = "{NAME}"'),
        ('time_zone = "UTC"', 'time_zone = "America/Mexico_City"'),
        ('# country = "DEU"', 'country = "MEX"'),
        ("start = 2027-03-01", "start = 2025-11-03"),
        ("end = 2027-03-12", "end = 2025-11-21"),
        (
            '{ date = 2027-03-08, name = "A public holiday" }',
            '{ date = 2025-11-17, name = "Día de la Revolución" }',
        ),
        (
            'weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]',
            'weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]\nsession_hours = ["09:00", "15:00"]',
        ),
        ("clusters = 3 ", "clusters = 6 "),
        ("travel_day_km = 300", "travel_day_km = 600"),
        ("deadline = 2027-03-12", "deadline = 2025-11-21"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLE / "units.csv", folder / "units.csv")
    return path


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("mexico")
    programme = edited_template(base / "mexico")
    store = f"sqlite:///{base / 'mexico.sqlite'}"
    done = schedcore(
        "plan",
        "--programme-file",
        str(programme),
        "--apply",
        "--store",
        store,
        "--time-limit",
        "10",
        "--json",
        str(base / "plan.json"),
        "--quiet",
        cwd=base,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads((base / "plan.json").read_text(encoding="utf-8"))
    return {"base": base, "store": store, "plan": plan, "out": done.stdout}


def test_the_plan_names_units_and_keeps_the_programmes_calendar(applied: dict) -> None:
    plan, out = applied["plan"], applied["out"]
    assert len(plan["clusters"]) == 6
    members = sorted(code for c in plan["clusters"] for code in c["members"])
    assert len(members) == 32 and len(set(members)) == 32
    days = {c["date"] for c in plan["clusters"]}
    assert "2025-11-17" not in days  # Día de la Revolución
    assert all("2025-11-03" <= day <= "2025-11-21" for day in days)
    assert "Oaxaca" in out and "Ciudad de México" in out
    assert f"created programme {NAME!r}" in out


def _session_days(applied: dict) -> dict[str, str]:
    return {
        code: cluster["date"]
        for cluster in applied["plan"]["clusters"]
        for code in cluster["members"]
    }


def test_record_report_and_exports_need_no_programme_option(applied: dict) -> None:
    base, store = applied["base"], applied["store"]
    day = _session_days(applied)
    rows = [
        # names in the spellings a coordinator types: without accents, short forms, codes
        ("m1", "t1", "Nuevo Leon", "Monterrey", "hall", day["NLE"]),
        ("m2", "t1", "NLE", "Monterrey", "bridge", day["NLE"]),
        ("m3", "t2", "CDMX", "Coyoacán", "hall", day["CMX"]),
        ("m4", "t3", "oaxaca", "Tlaxiaco", "bridge", day["OAX"]),
        ("m5", "t4", "Yucatán", "Mérida", "course", "2025-11-20"),
        ("m6", "t4", "Yucatan", "Mérida", "hall", day["YUC"]),
    ]
    attendance = base / "attendance.csv"
    with attendance.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["member", "team", "province", "commune", "activity", "date"])
        writer.writerows(rows)
    done = schedcore(
        "record", str(attendance), "--store", store, "--actor", "coordinator", cwd=base
    )
    assert done.returncode == 0, done.stderr
    assert "recorded 6 rows" in done.stdout

    done = schedcore("report", "--store", store, "--json", "-", cwd=base)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["programme"] == NAME
    provinces = report["provinces"]
    assert provinces["NLE"]["name"] == "Nuevo León"
    assert provinces["NLE"]["teams_trained"] == 1  # one team, in the hall and at a bridge
    assert provinces["NLE"]["members_hall"] == 1 and provinces["NLE"]["members_bridge"] == 1
    assert provinces["CMX"]["members_hall"] == 1
    assert provinces["OAX"]["members_bridge"] == 1 and provinces["OAX"]["teams_trained"] == 1
    assert provinces["YUC"]["members_course"] == 1 and provinces["YUC"]["members_hall"] == 1
    totals = report["totals"]
    assert totals["teams_trained"] == 4
    assert totals["members_hall"] == 3 and totals["members_bridge"] == 2
    assert totals["teams_expected"] == sum(
        int(row["teams"]) for row in csv.DictReader(io.StringIO(_units_text()))
    )

    clusters = {c["id"]: c for c in applied["plan"]["clusters"]}
    done = schedcore("export", "--store", store, "--format", "csv", "--out", "-", cwd=base)
    assert done.returncode == 0, done.stderr
    exported = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(exported) == 32
    assert "Baja California Sur" in done.stdout and "Ciudad de México" in done.stdout
    assert Counter(int(row["cluster_id"]) for row in exported) == Counter(
        {cid: len(c["members"]) for cid, c in clusters.items()}
    )

    out = base / "plan_export.json"
    done = schedcore("export", "--store", store, "--format", "json", "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["programme"] == NAME
    assert len(document["clusters"]) == 6

    ics = base / "sessions.ics"
    done = schedcore("export", "--store", store, "--format", "ics", "--out", str(ics), cwd=base)
    assert done.returncode == 0, done.stderr
    text = ics.read_text(encoding="utf-8")
    assert text.count("BEGIN:VEVENT") == 6
    assert "X-WR-TIMEZONE:America/Mexico_City" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/Mexico_City" in text
    for cluster in clusters.values():
        stamp = cluster["date"].replace("-", "")
        assert f"DTSTART;TZID=America/Mexico_City:{stamp}T090000" in text
        assert f"DTEND;TZID=America/Mexico_City:{stamp}T150000" in text

    pictures = base / "pictures"
    done = schedcore(
        "export", "--store", store, "--format", "png", "--out", str(pictures), cwd=base
    )
    assert done.returncode == 0, done.stderr
    for name in ("cluster_map.png", "session_calendar.png"):
        assert (pictures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_misspelt_unit_in_a_record_file_names_the_nearest_and_writes_nothing(
    applied: dict,
) -> None:
    base, store = applied["base"], applied["store"]
    path = base / "typo.csv"
    path.write_text(
        "member,team,province,commune,activity,date\nx,t,Oaxacca,Tlaxiaco,course,2025-11-20\n",
        encoding="utf-8",
    )
    before = Path(str(store).removeprefix("sqlite:///")).read_bytes()
    done = schedcore("record", str(path), "--store", store, cwd=base)
    assert done.returncode == 2
    assert "did you mean OAX Oaxaca?" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert Path(str(store).removeprefix("sqlite:///")).read_bytes() == before


def _units_text() -> str:
    return (EXAMPLE / "units.csv").read_text(encoding="utf-8")
