"""``schedcore report`` as text: aligned tables, a unit under every column, names beside codes.

Everything printed comes from the report document (``Views.report()``), the same figures
``--json`` writes; shares are the document's honest ones (rounded down, ``100.0%`` only when
nothing is missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

__all__ = ["print_report", "table"]

_MEASURE_NAMES = {
    "teams_trained_in_person": "teams trained in person",
    "members_following_channel": "members following the channel",
    "members_online_course": "members who completed the online course",
}


def table(
    headers: Sequence[str],
    units: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: str = "",
    indent: str = "  ",
) -> list[str]:
    """Lines of a table: a header, the unit of each column under it, then the rows.  ``align``
    has an ``l`` (names, codes) or ``r`` (figures) per column; missing letters mean ``r``."""
    align = align.ljust(len(headers), "r")
    widths = [
        max(len(str(line[i])) for line in (headers, units, *rows)) for i in range(len(headers))
    ]

    def render(cells: Sequence[str]) -> str:
        text = "  ".join(
            str(cell).ljust(width) if align[i] == "l" else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return (indent + text).rstrip()

    lines = [render(headers)]
    if any(units):
        lines.append(render(units))
    return lines + [render(row) for row in rows]


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _named(code: str | None, name: str | None) -> str:
    if code is None:
        return "-"
    return f"{name} ({code})" if name else code


def _status(row: Mapping[str, Any]) -> str:
    status = row.get("status") or {}
    names = ("teams_trained", "members_course", "members_channel")
    return "/".join(status.get(name, "-") for name in names)


def _coverage_cells(row: Mapping[str, Any]) -> list[str]:
    shares = row["shares"]
    teams, course, channel = (
        shares["teams_trained"],
        shares["members_course"],
        shares["members_channel"],
    )
    return [
        _n(teams["value"]),
        _n(teams["of"]),
        teams["percent"],
        _n(teams["missing"]),
        _n(row["members_hall"]),
        _n(row["members_bridge"]),
        _n(row["members_absent"]),
        _n(course["of"]),
        _n(course["value"]),
        course["percent"],
        _n(channel["value"]),
        channel["percent"],
    ]


_COVERAGE_HEADERS = [
    "teams trained",
    "of",
    "share",
    "missing",
    "in hall",
    "at bridge",
    "absent",
    "of",
    "course done",
    "share",
    "channel",
    "share",
]
_COVERAGE_UNITS = [
    "teams",
    "teams",
    "",
    "teams",
    "members",
    "members",
    "members",
    "members",
    "members",
    "",
    "members",
    "",
]


def _when(report: Mapping[str, Any]) -> str:
    zone = report["time_zone"]
    position = f"log position {report['position']:,}"
    basis = report.get("recorded_by", "now")
    if basis == "day":
        return f"on {report['on']}: as recorded by the end of that day ({zone} time), {position}"
    if basis == "moment":
        return f"as recorded by {report['as_of']}, {position}"
    if basis == "position":
        return f"as recorded up to {position}"
    return f"as recorded now, {position}"


def print_report(report: Mapping[str, Any], out: TextIO) -> None:
    """The report as plain-text tables on ``out``."""

    def line(text: str = "") -> None:
        print(text, file=out)

    def lines(texts: Sequence[str]) -> None:
        for text in texts:
            line(text)

    window = report["window"]
    line(report["programme"])
    line(f"{_when(report)}; statuses judged on {report['today']} ({report['time_zone']} time)")
    line(
        f"programme days {window['start']} to {window['last_day']} "
        f"(sessions {window['start']} to {window['end']})"
    )
    line()
    line("Targets")
    lines(
        table(
            ["measure", "target", "of", "by"],
            ["", "share", "", ""],
            [
                [
                    _MEASURE_NAMES.get(t["measure"], t["measure"]),
                    f"{t['share']:.0%}",
                    t["unit"],
                    t["deadline"],
                ]
                for t in report["targets"]
            ],
            align="lrll",
        )
    )
    line()
    _clusters(report, line, lines)
    line()
    _provinces(report, line, lines)
    line()
    _by_cluster(report, line, lines)
    line()
    _totals(report, line, lines)
    line()
    _bridge(report, line, lines)


Line = Callable[..., None]
Lines = Callable[[Sequence[str]], None]


def _clusters(report: Mapping[str, Any], line: Line, lines: Lines) -> None:
    line("Clusters and their sessions")
    rows = []
    for c in report["clusters"]:
        names = c.get("member_names") or {}
        rows.append(
            [
                str(c["id"]),
                c["date"] or "-",
                _named(c["host"], c.get("host_name")),
                c["trainer_team"] or "-",
                c["status"],
                _n(c.get("seats_allotted")),
                _n(c.get("hall_capacity")),
                _n(c.get("bridge_capacity")),
                _n(c.get("delegate_travel")),
                ", ".join(_named(code, names.get(code)) for code in c["members"]),
            ]
        )
    headers = ["cluster", "day", "host", "trainers", "status", "allotted", "hall", "bridge"]
    lines(
        table(
            [*headers, "travel", "provinces"],
            ["", "", "", "", "", "seats", "seats", "communes", "person-km", ""],
            rows,
            align="rllllrrrrl",
        )
    )
    travel = report["travel"]
    if travel["delegate_travel"] is not None:
        line(
            f"  delegate travel: {travel['delegate_travel']:,} person-km "
            f"({travel['basis'].replace(' x ', ' × ')})"
        )


def _provinces(report: Mapping[str, Any], line: Line, lines: Lines) -> None:
    line("Provinces: in person, online, and status (teams trained/online course/channel)")
    rows = []
    for code, row in report["provinces"].items():
        cluster = row.get("cluster")
        rows.append(
            [
                code,
                row["name"] if row["name"] != code else "-",
                "-" if cluster is None else str(cluster),
                _n(row.get("seats")),
                _n(row.get("km_to_host")),
                *_coverage_cells(row),
                _status(row),
            ]
        )
    totals = report["totals"]
    seats = sum(row.get("seats") or 0 for row in report["provinces"].values())
    rows.append(["", "TOTAL", "", _n(seats), "", *_coverage_cells(totals), _status(totals)])
    lines(
        table(
            ["code", "province", "cluster", "seats", "to host", *_COVERAGE_HEADERS, "status"],
            ["", "", "", "seats", "km", *_COVERAGE_UNITS, ""],
            rows,
            align="llr",
        )
    )


def _by_cluster(report: Mapping[str, Any], line: Line, lines: Lines) -> None:
    line("By cluster: in person by the session attended; the rest by the unit's cluster")
    rows = [
        ["no cluster" if key == "-" else key, *_coverage_cells(row)]
        for key, row in report["cluster_coverage"].items()
    ]
    rows.append(["TOTAL", *_coverage_cells(report["totals"])])
    lines(table(["cluster", *_COVERAGE_HEADERS], ["", *_COVERAGE_UNITS], rows))


def _totals(report: Mapping[str, Any], line: Line, lines: Lines) -> None:
    totals = report["totals"]
    bridge = report["bridge"]
    line(f"Totals (statuses on {report['today']})")

    def share(name: str) -> list[str]:
        s = totals["shares"][name]
        missing = f", {s['missing']:,} missing" if s["missing"] else ", none missing"
        status = totals["status"].get(name, "-")
        rest = f"of {s['of']:,} {s['unit']} ({s['percent']}){missing}; status {status}"
        return [_n(s["value"]), rest]

    communes = f"members, in {bridge['communes_attended']:,} communes"
    rows = [
        ["teams trained in person", *share("teams_trained")],
        ["members in the hall", _n(totals["members_hall"]), "members"],
        ["members at bridge points", _n(totals["members_bridge"]), communes],
        ["members absent", _n(totals["members_absent"]), "members"],
        ["members: online course done", *share("members_course")],
        ["members following the channel", *share("members_channel")],
    ]
    lines(table(["", "", ""], ["", "", ""], rows, align="lrl")[1:])


def _bridge(report: Mapping[str, Any], line: Line, lines: Lines) -> None:
    bridge = report["bridge"]
    missing = f", {bridge['missing']:,} missing" if bridge["missing"] else ""
    line(
        f"Bridge points: {bridge['connected']:,} of {bridge['expected']:,} communes connected "
        f"({bridge['percent']}){missing}; {bridge['members']:,} members attended at the bridge "
        f"points of {bridge['communes_attended']:,} communes"
    )
    line(
        "  (connected: connected by a coordinator, or with attendance recorded at its bridge "
        "point; a commune counts once in the total)"
    )
    hosts = {c["id"]: _named(c["host"], c.get("host_name")) for c in report["clusters"]}
    rows = [
        [
            str(s["cluster"]),
            s["date"] or "-",
            hosts.get(s["cluster"], "-"),
            _n(s["connected"]),
            _n(s["expected"]),
            s["percent"],
            _n(s["communes_attended"]),
            _n(s["members"]),
        ]
        for s in bridge["sessions"]
    ]
    rows.append(
        [
            "TOTAL",
            "",
            "",
            _n(bridge["connected"]),
            _n(bridge["expected"]),
            bridge["percent"],
            _n(bridge["communes_attended"]),
            _n(bridge["members"]),
        ]
    )
    lines(
        table(
            ["cluster", "day", "host", "connected", "of", "share", "attended", "at bridge"],
            ["", "", "", "communes", "communes", "", "communes", "members"],
            rows,
            align="rll",
        )
    )
