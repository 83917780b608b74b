"""The bad-input catalogue: every entry is refused with a typed error and writes nothing.

Each :class:`Entry` is one bad input, the :class:`SchedcoreError` it must raise and, where a
``schedcore`` command takes that input, the command line: from there it must print one line
(``error: ...``) and exit with the error's documented code.  The table in
``docs/reliability.md`` lists the same entries, by id.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from eventsourcing.persistence import StoredEvent

from schedcore.application import Scheduler
from schedcore.application.attendance import read_attendance_csv
from schedcore.cli import main
from schedcore.domain.programme_spec import ProgrammeSpec
from schedcore.domain.values import Venue
from schedcore.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ReferenceDataError,
    RuleViolationError,
    SchedcoreError,
    StoreError,
    UnknownEventError,
    UnknownProvinceError,
)
from schedcore.planning import Pin, Problem, Unit, load_units, scenario_2022, solve
from schedcore.reference import load_province_table, vietnam_2022
from schedcore.security import Actor
from schedcore.stores import create_cipher_key
from tests.core.conftest import Planned, spec_2022, standard_plan

HEADER = b"member,team,province,commune,activity,date\n"
#: Cluster 1 (01, 02, 04, 06, 08, 10) meets on Monday 12 Sep 2022; province 06 has 108 seats.
GOOD_ROW = "An,T1,01,Ba Đình,course,2022-09-20\n".encode()
TABLE_HEADER = b"code,name_vi,name_en,region,capital_lat,capital_lon,communes\n"
TABLE_ROW = "01,Hà Nội,Ha Noi,North,21.03,105.85,579\n".encode()


@dataclass
class Context:
    """A planned programme in a SQLite file, and stores that are wrong in some way."""

    folder: Path
    url: str
    programme: str
    encrypted_url: str = ""
    key: str = ""
    newer_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def file(self, name: str, data: bytes) -> str:
        path = self.folder / name
        path.write_bytes(data)
        return str(path)

    def app(self, url: str | None = None, **options: Any) -> Scheduler:
        return Scheduler.open(url or self.url, programme=self.programme, **options)

    def import_csv(
        self, path: str, url: str | None = None, *, actor: Actor | str = "cli:test"
    ) -> object:
        """What ``schedcore record`` does, through the API."""
        app = self.app(url)
        try:
            rows = read_attendance_csv(path, app.programme().units)
            return app.record_attendance(rows, actor=actor, source=path)
        finally:
            app.close()

    def record_argv(self, path: str, *extra: str, url: str | None = None) -> list[str]:
        return ["record", "--store", url or self.url, "--programme", self.programme, path, *extra]


@attrs.frozen
class Entry:
    id: str
    what: str
    error: type[SchedcoreError]
    run: Callable[[Context], object]
    cli: Callable[[Context], list[str]] | None = None
    env: Callable[[Context], dict[str, str]] | None = None
    command: str = "record"
    """The ``schedcore`` sub-command ``cli`` runs."""


def _csv_entry(id: str, what: str, error: type[SchedcoreError], data: bytes, *extra: str) -> Entry:
    name = f"{id}.csv"
    return Entry(
        id,
        what,
        error,
        lambda c: c.import_csv(c.file(name, data)),
        lambda c: c.record_argv(c.file(name, data), *extra),
    )


def _table(data: bytes) -> Callable[[Context], object]:
    return lambda c: load_province_table(c.file("table.csv", data))


def _with_app(command: Callable[[Scheduler], object]) -> Callable[[Context], object]:
    def run(c: Context) -> object:
        app = c.app()
        try:
            return command(app)
        finally:
            app.close()

    return run


def _spec(**changes: Any) -> Callable[[Context], object]:
    return lambda c: attrs.evolve(spec_2022(), **changes)


def _programme_with(**changes: Any) -> Callable[[Context], object]:
    def run(c: Context) -> object:
        spec: ProgrammeSpec = attrs.evolve(spec_2022(), **changes)
        return _with_app(lambda app: app.create_programme(spec, actor="ministry"))(c)

    return run


_HALL_OVERFLOW = b"".join(
    f"m{i},T{i // 5},06,C{i // 50},hall,2022-09-12\n".encode() for i in range(109)
)


# -- the planner's inputs: three units, A and C may host, B may not --------------------------
UNITS = (
    b"code,name,lat,lon,demand,capacity,can_host\n"
    b"A,Alpha,21.0,105.8,5,20,yes\nB,Beta,21.5,105.9,4,20,no\nC,Gamma,20.8,106.1,3,20,yes\n"
)
UNITS_HEADER = b"code,name,lat,lon,demand,capacity\n"
SQUARE = [[0, 10, 20], [10, 0, 15], [20, 15, 0]]


def _units(*, demand: Any = 5, capacity: Any = 20) -> list[Unit]:
    return [
        Unit("A", "Alpha", demand, capacity, lat=21.0, lon=105.8),
        Unit("B", "Beta", 4, None, lat=21.5, lon=105.9),
        Unit("C", "Gamma", 3, 20, lat=20.8, lon=106.1),
    ]


def _problem(units: dict[str, Any] | None = None, **changes: Any) -> Callable[[Context], object]:
    """A planning problem built (and solved) through ``schedcore.planning``; ``units`` are
    changes to the first unit."""

    def run(c: Context) -> object:
        fields: dict[str, Any] = {"units": _units(**(units or {})), "clusters": 2}
        fields.update(changes, time_limit=5.0)
        return solve(Problem(**fields))

    return run


def _distances_csv(rows: list[list[Any]]) -> bytes:
    lines = ["code,A,B,C"] + [
        ",".join([code, *map(str, row)]) for code, row in zip("ABC", rows, strict=False)
    ]
    return ("\n".join(lines) + "\n").encode()


def _plan_argv(
    *options: str, units: bytes = UNITS, name: str = "units"
) -> Callable[[Context], list[str]]:
    """``schedcore plan --units FILE ... --apply`` into the test's store (which must not move)."""
    return lambda c: [
        "plan",
        "--units",
        c.file(f"{name}.csv", units),
        "--no-dates",
        "--time-limit",
        "5",
        "--apply",
        "--store",
        c.url,
        *options,
    ]


def _distances_entry(id: str, what: str, rows: list[list[Any]]) -> Entry:
    return Entry(
        id,
        what,
        InvalidInputError,
        _problem(distances=rows),
        lambda c: _plan_argv(
            "--clusters", "2", "--distances", c.file(f"{id}.csv", _distances_csv(rows))
        )(c),
        command="plan",
    )


CATALOGUE: list[Entry] = [
    # -- attendance CSV files (schedcore record) ------------------------------------------
    _csv_entry("csv-empty", "an empty file", ReferenceDataError, b""),
    _csv_entry(
        "csv-missing-column",
        "a required column is missing",
        ReferenceDataError,
        b"member,team,province,commune,date\nAn,T1,01,Ba Dinh,2022-09-20\n",
    ),
    _csv_entry(
        "csv-misspelt-column",
        "a column name is misspelt",
        ReferenceDataError,
        b"member,team,provnce,commune,activity,date\n" + GOOD_ROW,
    ),
    _csv_entry(
        "csv-duplicate-column",
        "a column appears twice",
        ReferenceDataError,
        b"member,team,province,commune,activity,date,date\n" + GOOD_ROW,
    ),
    _csv_entry(
        "csv-truncated-row",
        "a row has fewer cells than the header (a truncated file)",
        ReferenceDataError,
        HEADER + GOOD_ROW + b"Binh,T1,01,Ba Dinh",
    ),
    _csv_entry(
        "csv-extra-cells",
        "a row has more cells than the header",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba Dinh,course,2022-09-20,extra\n",
    ),
    _csv_entry(
        "csv-unterminated-quote",
        "a quoted cell never ends (the file was cut in the middle)",
        ReferenceDataError,
        HEADER + b'An,T1,01,"Ba Dinh,course,2022-09-20\n',
    ),
    _csv_entry(
        "csv-semicolons",
        "cells separated by semicolons, not commas",
        ReferenceDataError,
        b"member;team;province;commune;activity;date\nAn;T1;01;Ba Dinh;course;2022-09-20\n",
    ),
    _csv_entry(
        "csv-nul-byte",
        "a NUL byte inside a cell",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba\x00Dinh,course,2022-09-20\n",
    ),
    _csv_entry(
        "csv-utf16-bom",
        "UTF-16 with its byte order mark (a UTF-8 BOM is accepted)",
        ReferenceDataError,
        (HEADER + GOOD_ROW).decode().encode("utf-16"),
    ),
    _csv_entry(
        "csv-windows-1252",
        "a legacy encoding (Windows-1252), not UTF-8",
        ReferenceDataError,
        HEADER + "An,T1,01,Hà Giang,course,2022-09-20\n".encode("cp1252"),
    ),
    _csv_entry("csv-binary", "a binary file", ReferenceDataError, bytes(range(256)) * 8),
    _csv_entry(
        "csv-oversized-cell",
        "a cell of 200,000 characters",
        ReferenceDataError,
        HEADER + b"A" * 200_000 + b",T1,01,Ba Dinh,course,2022-09-20\n",
    ),
    Entry(
        "csv-missing-file",
        "the file does not exist",
        ReferenceDataError,
        lambda c: c.import_csv(str(c.folder / "nowhere.csv")),
        lambda c: c.record_argv(str(c.folder / "nowhere.csv")),
    ),
    Entry(
        "csv-directory",
        "a folder given as the file",
        ReferenceDataError,
        lambda c: c.import_csv(str(c.folder)),
        lambda c: c.record_argv(str(c.folder)),
    ),
    _csv_entry(
        "csv-blank-member",
        "a blank member cell",
        ReferenceDataError,
        HEADER + b"  ,T1,01,Ba Dinh,course,2022-09-20\n",
    ),
    _csv_entry(
        "csv-unknown-activity",
        "an activity that is not hall, bridge, course or channel",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba Dinh,swimming,2022-09-20\n",
    ),
    _csv_entry(
        "csv-unknown-province-code",
        "a province code of no province (99)",
        UnknownProvinceError,
        HEADER + b"An,T1,99,Ba Dinh,course,2022-09-20\n",
    ),
    _csv_entry(
        "csv-province-misspelt-name",
        "a province name misspelt (a name in any spelling the table knows is read as its code)",
        UnknownProvinceError,
        HEADER + "An,T1,Hà Nộii x,Ba Đình,course,2022-09-20\n".encode(),
    ),
    _csv_entry(
        "csv-date-not-a-date",
        "a date written 20/09/2022",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba Dinh,course,20/09/2022\n",
    ),
    _csv_entry(
        "csv-impossible-date",
        "30 February",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba Dinh,course,2022-02-30\n",
    ),
    _csv_entry(
        "csv-timestamp-for-date",
        "a timestamp where a date is expected",
        ReferenceDataError,
        HEADER + b"An,T1,01,Ba Dinh,course,2022-09-20T10:00:00\n",
    ),
    _csv_entry(
        "csv-hall-off-session-day",
        "a hall row dated outside its session's day (and the window)",
        RuleViolationError,
        HEADER + b"An,T1,01,Ba Dinh,hall,2022-10-20\n",
    ),
    _csv_entry(
        "csv-online-before-programme",
        "an online course dated before the programme starts",
        RuleViolationError,
        HEADER + b"An,T1,01,Ba Dinh,course,2021-09-20\n",
    ),
    _csv_entry(
        "csv-member-in-two-teams",
        "one member in two teams in one file",
        RuleViolationError,
        HEADER + GOOD_ROW + b"An,T2,01,Ba Dinh,channel,2022-09-20\n",
    ),
    _csv_entry(
        "csv-hall-over-seats",
        "more hall rows than the province's seats (109 for 108)",
        RuleViolationError,
        HEADER + _HALL_OVERFLOW,
    ),
    Entry(
        "csv-batch-size-zero",
        "a batch size of 0",
        InvalidInputError,
        lambda c: c.app().record_attendance([], actor="x", batch_size=0),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), "--batch-size", "0"),
    ),
    # -- reference tables and lookups -----------------------------------------------------
    Entry(
        "table-duplicate-code",
        "a province table with a code twice",
        ReferenceDataError,
        _table(TABLE_HEADER + TABLE_ROW + TABLE_ROW.replace("Hà Nội".encode(), b"Other")),
    ),
    Entry(
        "table-duplicate-name",
        "a province table with a name twice",
        ReferenceDataError,
        _table(TABLE_HEADER + TABLE_ROW + TABLE_ROW.replace(b"01,", b"02,", 1)),
    ),
    Entry(
        "table-nan-coordinates",
        "NaN as a capital's latitude",
        ReferenceDataError,
        _table(TABLE_HEADER + TABLE_ROW.replace(b"21.03", b"nan")),
    ),
    Entry(
        "table-latitude-out-of-range",
        "a latitude of 121 degrees",
        ReferenceDataError,
        _table(TABLE_HEADER + TABLE_ROW.replace(b"21.03", b"121.03")),
    ),
    Entry(
        "table-negative-communes",
        "a negative number of communes (demand)",
        ReferenceDataError,
        _table(TABLE_HEADER + TABLE_ROW.replace(b",579", b",-579")),
    ),
    Entry(
        "lookup-name-of-no-province",
        "a province name matching no province",
        UnknownProvinceError,
        lambda c: vietnam_2022().find("Atlantis"),
    ),
    Entry(
        "lookup-unknown-code",
        "a province code matching no province",
        UnknownProvinceError,
        lambda c: vietnam_2022().by_code("99"),
    ),
    # -- programme figures (demand) and clusters ------------------------------------------
    Entry(
        "demand-negative",
        "a negative number of members for a province",
        InvalidInputError,
        _spec(members={**spec_2022().members, "01": -5}),
    ),
    Entry(
        "demand-absurd",
        "a trillion members for a province",
        InvalidInputError,
        _spec(members={**spec_2022().members, "01": 10**12}),
    ),
    Entry(
        "demand-nan",
        "NaN teams for a province",
        InvalidInputError,
        _spec(teams={**spec_2022().teams, "01": math.nan}),
    ),
    Entry(
        "clusters-more-than-units",
        "70 clusters for 63 provinces",
        InvalidInputError,
        _spec(clusters=70),
    ),
    Entry(
        "programme-duplicate",
        "creating a programme that already exists",
        RuleViolationError,
        lambda c: _with_app(
            lambda app: app.create_programme(
                attrs.evolve(spec_2022(), name=c.programme), actor="ministry"
            )
        )(c),
    ),
    # -- sessions: capacity and days ------------------------------------------------------
    Entry(
        "capacity-negative",
        "a negative hall capacity",
        InvalidInputError,
        _with_app(lambda app: app.change_capacity(1, hall_capacity=-5, actor="planner")),
    ),
    Entry(
        "capacity-absurd",
        "a hall of a trillion seats",
        InvalidInputError,
        _with_app(lambda app: app.change_capacity(1, hall_capacity=10**12, actor="planner")),
    ),
    Entry(
        "capacity-nan",
        "NaN as a bridge capacity",
        InvalidInputError,
        _with_app(lambda app: app.change_capacity(1, bridge_capacity=math.nan, actor="x")),  # type: ignore[arg-type]
    ),
    Entry(
        "capacity-below-allotted",
        "a hall shrunk below the seats already allotted",
        RuleViolationError,
        _with_app(lambda app: app.change_capacity(1, hall_capacity=10, actor="planner")),
    ),
    Entry(
        "day-outside-window",
        "a session moved to 14 October (outside 12-30 Sep)",
        RuleViolationError,
        _with_app(lambda app: app.reschedule_session(1, date(2022, 10, 14), actor="planner")),
    ),
    Entry(
        "day-not-working",
        "a session moved to a Saturday without an override reason",
        RuleViolationError,
        _with_app(lambda app: app.reschedule_session(1, date(2022, 9, 17), actor="planner")),
    ),
    Entry(
        "day-as-text",
        "a session day given as text",
        InvalidInputError,
        _with_app(lambda app: app.reschedule_session(1, "2022-09-14", actor="planner")),  # type: ignore[arg-type]
    ),
    Entry(
        "day-as-naive-datetime",
        "a session day given as a naive datetime",
        InvalidInputError,
        _with_app(lambda app: app.reschedule_session(1, datetime(2022, 9, 14, 8), actor="planner")),
    ),
    Entry(
        "held-on-naive-datetime",
        "a session marked held on a naive datetime",
        InvalidInputError,
        _with_app(
            lambda app: app.mark_session_held(1, on=datetime(2022, 9, 30, 17), actor="planner")
        ),
    ),
    Entry(
        "as-of-naive-timestamp",
        "time travel to a naive timestamp (which moment?)",
        InvalidInputError,
        _with_app(lambda app: app.clusters(as_of=datetime(2022, 9, 10, 12))),
    ),
    Entry(
        "venue-as-text",
        "a venue given as text",
        InvalidInputError,
        _with_app(lambda app: app.change_venue(1, "01", actor="planner")),  # type: ignore[arg-type]
    ),
    Entry(
        "venue-outside-cluster",
        "a venue in a province outside the cluster",
        RuleViolationError,
        _with_app(lambda app: app.change_venue(1, Venue("11"), actor="planner")),
    ),
    # -- plans ------------------------------------------------------------------------------
    Entry(
        "plan-province-in-two-clusters",
        "contradictory clusters: one province placed in two",
        RuleViolationError,
        _with_app(
            lambda app: app.apply_plan(
                [Planned(1, "01", ("01", "02")), Planned(2, "04", ("02", "04"))], actor="p"
            )
        ),
    ),
    Entry(
        "plan-host-not-member",
        "a host outside its cluster",
        RuleViolationError,
        _with_app(lambda app: app.apply_plan([Planned(1, "04", ("01", "02"))], actor="p")),
    ),
    Entry(
        "plan-unknown-province",
        "a plan naming a province outside the programme",
        UnknownProvinceError,
        _with_app(lambda app: app.apply_plan([Planned(1, "01", ("01", "99"))], actor="p")),
    ),
    Entry(
        "plan-trainers-twice-a-day",
        "one trainer team at two sessions on one day",
        RuleViolationError,
        _with_app(
            lambda app: app.apply_plan(
                [
                    Planned(1, "01", ("01",), date(2022, 9, 13), "T"),
                    Planned(2, "02", ("02",), date(2022, 9, 13), "T"),
                ],
                actor="p",
            )
        ),
    ),
    Entry(
        "plan-not-a-plan",
        "a plan of dictionaries, not planned clusters",
        InvalidInputError,
        _with_app(lambda app: app.apply_plan([{"id": 1, "host": "01"}], actor="p")),  # type: ignore[list-item]
    ),
    Entry(
        "plan-members-as-text",
        "a cluster's members given as one string",
        InvalidInputError,
        _with_app(lambda app: app.apply_plan([Planned(1, "01", "0102")], actor="p")),  # type: ignore[arg-type]
    ),
    # -- stores -----------------------------------------------------------------------------
    Entry(
        "store-unknown-scheme",
        "a store URL of an unknown kind",
        StoreError,
        lambda c: Scheduler.open("mysql://db/events"),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), url="mysql://db/events"),
    ),
    Entry(
        "store-sqlite-two-slashes",
        "sqlite://file.sqlite (a host, not a path)",
        StoreError,
        lambda c: Scheduler.open("sqlite://events.sqlite"),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), url="sqlite://events.sqlite"),
    ),
    Entry(
        "store-sqlite-missing-folder",
        "a SQLite file in a folder that does not exist",
        StoreError,
        lambda c: Scheduler.open(f"sqlite:///{c.folder}/missing/events.sqlite"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW), url=f"sqlite:///{c.folder}/missing/e.sqlite"
        ),
    ),
    Entry(
        "store-sqlite-not-a-database",
        "a text file given as the SQLite store",
        StoreError,
        lambda c: Scheduler.open(f"sqlite:///{c.file('notes.sqlite', b'not a database ' * 99)}"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW),
            url=f"sqlite:///{c.file('notes.sqlite', b'not a database ' * 99)}",
        ),
    ),
    Entry(
        "store-bad-option",
        "a lock_timeout that is not a number",
        StoreError,
        lambda c: Scheduler.open(f"{c.url}?lock_timeout=soon"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW), url=f"{c.url}?lock_timeout=soon"
        ),
    ),
    Entry(
        "store-bad-pool-size",
        "a PostgreSQL pool of 0 connections",
        StoreError,
        lambda c: Scheduler.open("postgresql://postgres@127.0.0.1:5432/test?pool_size=0"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW),
            url="postgresql://postgres@127.0.0.1:5432/test?pool_size=0",
        ),
    ),
    Entry(
        "store-postgresql-unreachable",
        "a PostgreSQL server that does not answer",
        StoreError,
        lambda c: Scheduler.open("postgresql://postgres@127.0.0.1:9/test?connect_timeout=2"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW),
            url="postgresql://postgres@127.0.0.1:9/test?connect_timeout=2",
        ),
    ),
    Entry(
        "store-postgresql-unknown-database",
        "a PostgreSQL database that does not exist",
        StoreError,
        lambda c: Scheduler.open("postgresql://postgres@127.0.0.1:5432/no_such_db_x"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW),
            url="postgresql://postgres@127.0.0.1:5432/no_such_db_x",
        ),
    ),
    Entry(
        "store-postgresql-unknown-user",
        "a PostgreSQL user that does not exist",
        StoreError,
        lambda c: Scheduler.open("postgresql://nobody_x@127.0.0.1:5432/test"),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW), url="postgresql://nobody_x@127.0.0.1:5432/test"
        ),
    ),
    Entry(
        "cipher-wrong-key",
        "an encrypted store opened with another key",
        StoreError,
        lambda c: c.app(c.encrypted_url, cipher_key=create_cipher_key()),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), url=c.encrypted_url),
        env=lambda c: {"SCHEDCORE_CIPHER_KEY": create_cipher_key()},
    ),
    Entry(
        "cipher-no-key",
        "an encrypted store opened without a key",
        StoreError,
        lambda c: c.app(c.encrypted_url),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), url=c.encrypted_url),
    ),
    Entry(
        "cipher-key-for-plain-store",
        "a key given for a store written without one",
        StoreError,
        lambda c: c.app(cipher_key=create_cipher_key()),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW)),
        env=lambda c: {"SCHEDCORE_CIPHER_KEY": create_cipher_key()},
    ),
    Entry(
        "cipher-malformed-key",
        "a cipher key that is not base64 of 16, 24 or 32 bytes",
        StoreError,
        lambda c: c.app(cipher_key="letmein"),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW)),
        env=lambda c: {"SCHEDCORE_CIPHER_KEY": "letmein"},
    ),
    Entry(
        "event-of-a-newer-version",
        "an event type written by a newer schedcore",
        UnknownEventError,
        lambda c: c.import_csv(
            c.file("hall.csv", HEADER + b"An,T1,01,Ba Dinh,hall,2022-09-12\n"), c.newer_url
        ),
        lambda c: c.record_argv(
            c.file("hall.csv", HEADER + b"An,T1,01,Ba Dinh,hall,2022-09-12\n"), url=c.newer_url
        ),
    ),
    Entry(
        "programme-not-in-store",
        "a programme the store does not hold",
        NotFoundError,
        lambda c: _with_app(lambda app: app.programme("no such programme"))(c),
        lambda c: [
            "record",
            "--store",
            c.url,
            "--programme",
            "no such programme",
            c.file("ok.csv", HEADER + GOOD_ROW),
        ],
    ),
    # -- the planner's inputs (schedcore.planning, schedcore plan) ---------------------------
    _distances_entry(
        "plan-distances-not-square",
        "a distance matrix of 2 rows for 3 units",
        [[0, 10, 20], [10, 0, 15]],
    ),
    _distances_entry(
        "plan-distances-asymmetric",
        "an asymmetric distance matrix (A to B 10, B to A 12): travel is counted one way",
        [[0, 10, 20], [12, 0, 15], [20, 15, 0]],
    ),
    _distances_entry(
        "plan-distances-negative",
        "a negative distance",
        [[0, -10, 20], [-10, 0, 15], [20, 15, 0]],
    ),
    _distances_entry(
        "plan-distances-nan",
        "NaN as a distance",
        [[0, math.nan, 20], [math.nan, 0, 15], [20, 15, 0]],
    ),
    _distances_entry(
        "plan-distances-absurd",
        "a distance of ten billion",
        [[0, 10**10, 20], [10**10, 0, 15], [20, 15, 0]],
    ),
    Entry(
        "plan-pins-two-hosts",
        "contradictory pins: one unit pinned to two hosts",
        InvalidInputError,
        _problem(pins=[Pin("A", host="A"), Pin("A", host="C")]),
        _plan_argv("--clusters", "2", "--pin", "unit=A,host=A", "--pin", "unit=A,host=C"),
        command="plan",
    ),
    Entry(
        "plan-pin-host-cannot-host",
        "a pin to a host that may not host",
        InvalidInputError,
        _problem(pins=[Pin("A", host="B")]),
        _plan_argv("--clusters", "2", "--pin", "unit=A,host=B"),
        command="plan",
    ),
    Entry(
        "plan-pin-unknown-unit",
        "a pin naming a unit that is not in the problem",
        InvalidInputError,
        _problem(pins=[Pin("Z", host="A")]),
        _plan_argv("--clusters", "2", "--pin", "unit=Z,host=A"),
        command="plan",
    ),
    Entry(
        "plan-more-clusters-than-units",
        "5 clusters for 3 units, given to the solver",
        InvalidInputError,
        _problem(clusters=5),
        _plan_argv("--clusters", "5"),
        command="plan",
    ),
    Entry(
        "plan-clusters-zero",
        "0 clusters (`--clusters 0`)",
        InvalidInputError,
        lambda c: scenario_2022(clusters=0),
        _plan_argv("--clusters", "0"),
        command="plan",
    ),
    Entry(
        "plan-capacity-negative",
        "a negative hall capacity for every unit (`--capacity -5`)",
        InvalidInputError,
        lambda c: load_units(c.file("units.csv", UNITS), default_capacity=-5),
        _plan_argv("--clusters", "2", "--capacity", "-5"),
        command="plan",
    ),
    Entry(
        "plan-demand-absurd",
        "a unit sending five trillion delegates",
        InvalidInputError,
        _problem(units={"demand": 5 * 10**12}),
        _plan_argv(
            "--clusters",
            "2",
            units=UNITS_HEADER + b"A,Alpha,21.0,105.8,5000000000000,20\nB,Beta,21.5,105.9,4,20\n",
            name="absurd-demand",
        ),
        command="plan",
    ),
    Entry(
        "plan-demand-nan",
        "NaN delegates for a unit",
        InvalidInputError,
        _problem(units={"demand": math.nan}),
        _plan_argv(
            "--clusters",
            "1",
            units=UNITS_HEADER + b"A,Alpha,21.0,105.8,nan,20\nB,Beta,21.5,105.9,4,20\n",
            name="nan-demand",
        ),
        command="plan",
    ),
    Entry(
        "plan-capacity-absurd",
        "a hall of two quadrillion seats",
        InvalidInputError,
        _problem(units={"capacity": 2 * 10**15}),
        _plan_argv(
            "--clusters",
            "2",
            units=UNITS_HEADER + b"A,Alpha,21.0,105.8,5,2000000000000000\nB,Beta,21.5,105.9,4,20\n",
            name="absurd-capacity",
        ),
        command="plan",
    ),
    Entry(
        "units-misspelt-column",
        "a units file with a misspelt column (other extra columns are kept)",
        ReferenceDataError,
        lambda c: load_units(
            c.file("colour.csv", UNITS_HEADER[:-1] + b",regoin\nA,Alpha,21,105,5,20,red\n")
        ),
        _plan_argv(
            "--clusters",
            "1",
            units=UNITS_HEADER[:-1] + b",regoin\nA,Alpha,21,105,5,20,red\n",
            name="colour",
        ),
        command="plan",
    ),
    Entry(
        "units-duplicate-code",
        "a units file with one unit code twice",
        ReferenceDataError,
        lambda c: load_units(
            c.file("twice.csv", UNITS_HEADER + b"A,Alpha,21,105,5,20\nA,Beta,21.5,105.9,4,20\n")
        ),
        _plan_argv(
            "--clusters",
            "1",
            units=UNITS_HEADER + b"A,Alpha,21,105,5,20\nA,Beta,21.5,105.9,4,20\n",
            name="twice",
        ),
        command="plan",
    ),
    # -- actors and keys --------------------------------------------------------------------
    Entry(
        "actor-blank",
        "a command with a blank actor",
        InvalidInputError,
        _with_app(lambda app: app.set_host(1, "02", actor="  ")),
        lambda c: c.record_argv(c.file("ok.csv", HEADER + GOOD_ROW), "--actor", " "),
    ),
    Entry(
        "actor-malformed-role",
        "an actor's role without its scope (province_coordinator:an)",
        InvalidInputError,
        _with_app(lambda app: app.set_host(1, "02", actor="province_coordinator:an")),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW), "--actor", "province_coordinator:an"
        ),
    ),
    Entry(
        "actor-out-of-scope",
        "a province coordinator recording another province",
        PermissionDeniedError,
        lambda c: c.import_csv(
            c.file("ok.csv", HEADER + GOOD_ROW),
            actor=Actor.province_coordinator("binh", province="02"),
        ),
        lambda c: c.record_argv(
            c.file("ok.csv", HEADER + GOOD_ROW), "--actor", "province_coordinator[02]:binh"
        ),
    ),
    Entry(
        "key-reused-for-another-command",
        "an idempotency key reused for a different command",
        InvalidInputError,
        _with_app(lambda app: app.set_host(1, "02", actor="p", idempotency_key="plan-1")),
    ),
    Entry(
        "key-not-text",
        "an idempotency key that is a number",
        InvalidInputError,
        _with_app(lambda app: app.set_host(1, "02", actor="p", idempotency_key=7)),  # type: ignore[arg-type]
    ),
]


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    folder = tmp_path_factory.mktemp("bad-input")
    spec = spec_2022()
    ctx = Context(folder, f"sqlite:///{folder / 'events.sqlite'}", spec.name)
    app = ctx.app()
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner", idempotency_key="plan-1")
    app.close()
    ctx.key = create_cipher_key()
    ctx.encrypted_url = f"sqlite:///{folder / 'encrypted.sqlite'}"
    encrypted = ctx.app(ctx.encrypted_url, cipher_key=ctx.key)
    encrypted.create_programme(spec, actor="ministry")
    encrypted.close()
    ctx.newer_url = f"sqlite:///{folder / 'newer.sqlite'}"
    newer = ctx.app(ctx.newer_url)
    newer.create_programme(spec, actor="ministry")
    newer.apply_plan(standard_plan(), actor="planner")
    session = newer.session(1)
    newer.recorder.insert_events(
        [
            StoredEvent(
                originator_id=session.id,
                originator_version=session.version + 1,
                topic="schedcore.domain.session:Session.Streamed",
                state=b'{"url":"rtmp://bridge","actor":"planner:a newer schedcore"}',
            )
        ]
    )
    newer.close()
    yield ctx


def _positions(ctx: Context) -> dict[str, int]:
    found = {}
    for url, key in ((ctx.url, None), (ctx.encrypted_url, ctx.key), (ctx.newer_url, None)):
        app = Scheduler.open(url, cipher_key=key, programme=ctx.programme)
        found[url] = app.max_notification_id()
        app.close()
    return found


def test_the_catalogue_has_at_least_thirty_entries_with_distinct_ids() -> None:
    ids = [entry.id for entry in CATALOGUE]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.id for e in CATALOGUE])
def test_bad_input_raises_its_typed_error_and_writes_nothing(
    entry: Entry, context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCHEDCORE_CIPHER_KEY", raising=False)
    before = _positions(context)
    with pytest.raises(SchedcoreError) as raised:
        entry.run(context)
    assert type(raised.value) is entry.error, raised.value
    assert _positions(context) == before
    assert not (context.folder / "missing").exists()


CLI_ENTRIES = [e for e in CATALOGUE if e.cli is not None]


@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=[e.id for e in CLI_ENTRIES])
def test_bad_input_on_the_command_line_prints_one_line_and_exits_with_its_code(
    entry: Entry,
    context: Context,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert entry.cli is not None
    monkeypatch.delenv("SCHEDCORE_CIPHER_KEY", raising=False)
    for name, value in (entry.env(context) if entry.env else {}).items():
        monkeypatch.setenv(name, value)
    before = _positions_without_env(context, monkeypatch)
    argv = entry.cli(context)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stopped:  # refused by the option's parser: a usage error, exit 2
        code = int(stopped.code or 0)
    out, err = capsys.readouterr()
    assert code == entry.error.exit_code, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    assert _positions_without_env(context, monkeypatch) == before


def _positions_without_env(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    with monkeypatch.context() as patch:
        patch.delenv("SCHEDCORE_CIPHER_KEY", raising=False)
        return _positions(ctx)


def catalogue_table() -> str:
    """The catalogue as the Markdown table of docs/reliability.md."""
    lines = ["| entry | bad input | error | exit code | CLI |", "|---|---|---|---|---|"]
    for entry in CATALOGUE:
        cli = f"`schedcore {entry.command}`" if entry.cli else "—"
        lines.append(
            f"| `{entry.id}` | {entry.what} | `{entry.error.__name__}` | "
            f"{entry.error.exit_code} | {cli} |"
        )
    return "\n".join(lines)


def test_the_reliability_page_lists_exactly_the_catalogue() -> None:
    page = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    start = page.index("<!-- catalogue: begin -->\n") + len("<!-- catalogue: begin -->\n")
    end = page.index("\n<!-- catalogue: end -->")
    assert page[start:end] == catalogue_table()
