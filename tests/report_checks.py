"""Read ``schedcore report``'s text back as a planner would, and check that it agrees with
itself and with its JSON document: every total is the sum of its rows, every share is the
honest share of its figures, the bridge section agrees with the attendance table, and the
cluster table adds up to the national totals."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from schedcore.projections.shares import percent

NUMBER = re.compile(r"^-?[\d,]+$")
#: Coverage cells: teams trained, of, share, missing, hall, bridge, absent, members, course,
#: share, channel, share; those that add up over rows.
SUMMED = (0, 1, 3, 4, 5, 6, 7, 8, 10)


def number(text: str) -> int:
    assert NUMBER.match(text), text
    return int(text.replace(",", ""))


def section(text: str, title: str) -> list[str]:
    """The lines of the table under ``title``: after the header and the units, to a blank."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start + 3 : end]


def cells(line: str) -> list[str]:
    """A table line's cells (cells are two or more spaces apart; names have single ones)."""
    return re.split(r"\s{2,}", line.strip())


def check_coverage_rows(rows: list[list[str]], total: list[str]) -> None:
    for i in SUMMED:
        assert sum(number(row[i]) for row in rows) == number(total[i]), (i, total)
    for row in [*rows, total]:
        trained, of, shown, missing = row[0:4]
        assert shown == percent(number(trained), number(of)), row
        assert number(missing) == number(of) - number(trained), row
        assert row[9] == percent(number(row[8]), number(row[7])), row
        assert row[11] == percent(number(row[10]), number(row[7])), row


@attrs.frozen
class Parsed:
    """The tables of a text report, as cells."""

    provinces: list[list[str]]
    national: list[str]
    clusters: list[list[str]]
    sessions: list[list[str]]
    bridge_total: list[str]


def check_report(text: str, document: Mapping[str, Any]) -> Parsed:
    """Check every figure of ``text`` against the others and against ``document``."""
    provinces = [cells(line) for line in section(text, "Provinces")]
    total = provinces.pop()
    assert total[0] == "TOTAL"
    national = total[2:-1]
    check_coverage_rows([row[5:-1] for row in provinces], national)
    assert [row[0] for row in provinces] == list(document["provinces"])
    seats = [number(row[3]) for row in provinces if row[3] != "-"]
    assert sum(seats) == number(total[1])

    sessions_in_force = [
        row for row in map(cells, section(text, "Clusters and their sessions")) if row[0].isdigit()
    ]
    allotted = {row[0]: row[5] for row in sessions_in_force if row[4] != "cancelled"}
    for cluster, shown in allotted.items():
        seated = [number(row[3]) for row in provinces if row[2] == cluster and row[3] != "-"]
        assert sum(seated) == number(shown), cluster
    travel = document["travel"]["delegate_travel"]
    if travel is not None:
        assert sum(number(row[8]) for row in sessions_in_force if row[8] != "-") == travel
        assert f"delegate travel: {travel:,} person-km" in text

    clusters = [cells(line) for line in section(text, "By cluster")]
    assert clusters.pop() == ["TOTAL", *national]
    check_coverage_rows([row[1:] for row in clusters], national)

    sessions = [cells(line) for line in section(text, "Bridge points")[1:]]
    bridge_total = sessions.pop()
    members = number(bridge_total[-1])
    assert sum(number(row[-1]) for row in sessions) == members == number(national[5])
    for row in [*sessions, bridge_total[-5:]]:
        connected, expected, shown, attended = row[-5:-1]
        assert number(connected) >= number(attended)
        assert shown == percent(number(connected), max(number(connected), number(expected)))
    assert number(bridge_total[-5]) >= number(bridge_total[-2])

    # the text shows the document's figures
    totals = document["totals"]
    teams = totals["shares"]["teams_trained"]
    assert national[0:4] == [
        f"{teams['value']:,}",
        f"{teams['of']:,}",
        teams["percent"],
        f"{teams['missing']:,}",
    ]
    squeezed = re.sub(r" {3,}", "  ", text)
    assert f"{teams['value']:,}  of {teams['of']:,} teams ({teams['percent']})" in squeezed
    bridge = document["bridge"]
    assert bridge["members"] == totals["members_bridge"] == members
    assert number(bridge_total[-5]) == bridge["connected"]
    for name in ("teams_trained", "members_bridge", "members_course", "members_channel"):
        assert sum(r[name] for r in document["regions"].values()) == totals[name]
        assert sum(r[name] for r in document["provinces"].values()) == totals[name]
    return Parsed(provinces, national, clusters, sessions, bridge_total)
