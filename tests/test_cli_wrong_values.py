"""Every command, each of its options set to a wrong value: one line on stderr (``error: ...``),
the documented exit code, no traceback, and the store as it was.

The options come from the parser itself (every sub-command, every action), and a wrong value
for each is drawn from the option's type: whole numbers below their minimum or not numbers,
dates that do not exist, times that are not positive, choices that are not among the choices.
Options that take free text have their wrong values in ``WRONG`` below; a new option without
a type, choices or an entry there fails ``test_every_option_has_wrong_values``.

Normal runs draw a few values per option; ``SCHEDCORE_STRESS=1`` draws many.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.cli import build_parser, main
from schedcore.cli._common import WholeNumber, calendar_date, seconds
from schedcore.cli.calendar import holiday, weekday_list
from schedcore.cli.plan import weight_setting
from tests.cli_programme import Programme
from tests.conftest import PostgresTarget

STRESS = os.environ.get("SCHEDCORE_STRESS") == "1"
EXAMPLES = 40 if STRESS else 3

#: Exit codes: bad input (docs/reference/errors.md).
INVALID = 2
#: ... and a store URL that cannot be opened.
STORE = 6

ROOT = Path(__file__).resolve().parent.parent


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def option_name(action: argparse.Action) -> str:
    return action.option_strings[0] if action.option_strings else action.dest


def options() -> list[tuple[str, str]]:
    """(command, option) for every option of every command that takes a value."""
    found = []
    for command, parser in sorted(subparsers().items()):
        for action in parser._actions:
            if action.nargs == 0:  # flags (--help, --apply, --quiet ...): no value to get wrong
                continue
            found.append((command, option_name(action)))
    return found


# -- wrong values of options that take free text ---------------------------------------------

#: Wrong values by option (then by command and option): a value, or a function of the test's
#: folder giving one.  Each value comes with the exit code it must give.
Value = tuple[str, int]


def _wrong_text(root: Path) -> dict[str, list[Value]]:
    missing = str(root / "no-such-folder" / "file")
    garbage = root / "garbage.txt"
    garbage.write_text("this is not\x00 a CSV, nor JSON {", encoding="utf-8")
    not_a_plan = root / "not-a-plan.json"
    not_a_plan.write_text('{"clusters": [{"id": "one"}]}', encoding="utf-8")
    folder = str(root)
    files = [(missing + ".csv", INVALID), (str(garbage), INVALID), (folder, INVALID)]
    misspelt = root / "misspelt.toml"
    misspelt.write_text('[programme]\nname = "x"\ntime_zone = "Europe/Berln"\n', encoding="utf-8")
    not_toml = root / "not.toml"
    not_toml.write_text("[programme\nname = ", encoding="utf-8")
    occupied = root / "occupied"
    occupied.mkdir(exist_ok=True)
    (occupied / "programme.toml").write_text("# mine\n", encoding="utf-8")
    return {
        "--units": files,
        "--programme-file": [*files, (str(misspelt), INVALID), (str(not_toml), INVALID)],
        "directory": [(str(garbage), INVALID), (str(garbage / "below"), INVALID),
                      (str(occupied), INVALID)],
        "--distances": files,
        "file": files,
        "--current": [(missing + ".json", INVALID), (str(garbage), INVALID),
                      (str(not_a_plan), INVALID), (folder, INVALID)],
        "--plan": [(missing + ".json", INVALID), (str(garbage), INVALID), (folder, INVALID)],
        "--json": [(missing + ".json", INVALID), (folder, INVALID)],
        "--out": [(missing + ".csv", INVALID), (folder, INVALID)],
        "--store": [("nosuch://x", STORE), ("sqlite://relative.sqlite", STORE),
                    ("postgresql://host-without-database", STORE), ("memory://?bogus=1", STORE),
                    (f"sqlite:///{missing}.sqlite", STORE)],
        "--views": [("nosuch://x", STORE), (f"sqlite:///{missing}.sqlite", STORE)],
        "--pin": [("unit=99", INVALID), ("unit=A,date=2025-02-30", INVALID), ("bogus", INVALID),
                  ("host=A", INVALID), ("unit=A,host=ZZ", INVALID)],
        "--blackout": [("99=2025-03-04", INVALID), ("A=2025-02-30", INVALID), ("A", INVALID),
                       ("=2025-03-04", INVALID)],
        "--withdraw": [("99", INVALID), ("", INVALID), ("a", INVALID)],
        "--hall": [("99=100", INVALID), ("A=-5", INVALID), ("A=many", INVALID), ("A", INVALID)],
        "--as-of": [("2022-09-20", INVALID), ("yesterday", INVALID),
                    ("2022-09-31T10:00+07:00", INVALID)],
        "--format": [("pdf", INVALID), ("", INVALID), ("CSV ", INVALID)],
        "--programme": [("no such programme", INVALID)],
        "--province": [("99", INVALID), ("a", INVALID)],
        "--model": [("coverge", INVALID), ("", INVALID), ("Coverage", INVALID)],
        "--unit": [("99", INVALID), ("", INVALID), ("a", INVALID)],
        "record --actor": [("province_coordinator[]:x", INVALID), ("planner[01]:x", INVALID),
                           ("cluster_coordinator[one]:x", INVALID)],
        "erase --actor": [("province_coordinator[]:x", INVALID), ("planner[01]:x", INVALID),
                          ("cluster_coordinator[one]:x", INVALID)],
        "--member": [("", INVALID), ("   ", INVALID), ("no such member", INVALID)],
        "plan --actor": [("province_coordinator:x", INVALID), ("planner[01]:x", INVALID)],
        "replan --actor": [("province_coordinator:x", INVALID), ("planner[01]:x", INVALID)],
        "rename --actor": [("province_coordinator:x", INVALID), ("planner[01]:x", INVALID)],
        "calendar --actor": [("province_coordinator:x", INVALID), ("planner[01]:x", INVALID)],
        "--to": [("", INVALID), ("   ", INVALID), (" padded ", INVALID)],
        "--reason": [("", INVALID), ("   ", INVALID)],
    }  # fmt: skip


#: Options where no text is wrong, and why.
ANY_TEXT = {
    "--idempotency-key": "any text names an import or a plan",
    "history --actor": "a filter: an actor that recorded nothing matches nothing",
}


def wrong_values(command: str, action: argparse.Action, root: Path) -> st.SearchStrategy[Value]:
    """Wrong values for one option, from its type or choices, else from ``WRONG``."""
    kind = action.type
    if isinstance(kind, WholeNumber):
        below = st.integers(max_value=kind.minimum - 1).map(str)
        not_numbers = st.sampled_from(["ten", "1.5", "", "1e3", "0x10", "--"])
        above = (
            st.integers(min_value=kind.maximum + 1).map(str)
            if kind.maximum is not None
            else st.nothing()
        )
        return st.one_of(below, not_numbers, above).map(lambda v: (v, INVALID))
    if kind is seconds:
        return st.one_of(
            st.sampled_from(["0", "-1", "nan", "inf", "-inf", "soon", ""]),
            st.floats(max_value=0).map(repr),
        ).map(lambda v: (v, INVALID))
    if kind is calendar_date:
        return st.one_of(
            st.sampled_from(["2022-09-31", "2022-02-29", "2022-13-01", "today", ""]),
            st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
        ).map(lambda v: (v, INVALID))
    if kind is holiday:
        return st.sampled_from(
            ["2025-02-30", "2025-02-30=Day off", "=Day off", "tomorrow=Day off", ""]
        ).map(lambda v: (v, INVALID))
    if kind is weekday_list:
        return st.sampled_from(
            ["", "monday", "fri-mon", "mon-", "mon,,tue", "1-5", "mon-fri,xyz"]
        ).map(lambda v: (v, INVALID))
    if kind is weight_setting:
        return st.sampled_from(
            ["delegate_travel", "nosuch=1", "=3", "delegate_travel=-1", "longest_travel=x",
             "team_load_spread=1.5", "unplaced_unit=1000001", "trainer_travel=", ""]
        ).map(lambda v: (v, INVALID))  # fmt: skip
    if kind is not None:
        raise AssertionError(f"{command} {option_name(action)}: teach this test its type {kind}")
    if action.choices is not None:
        choices = set(action.choices)
        return (
            st.text(min_size=1, max_size=12)
            .filter(lambda v: v not in choices and not v.startswith("-"))
            .map(lambda v: (v, INVALID))
        )
    table = _wrong_text(root)
    name = option_name(action)
    values = table.get(f"{command} {name}", table.get(name))
    if values is None:
        raise AssertionError(f"{command} {name}: add its wrong values to WRONG in this test")
    return st.sampled_from(values)


def test_every_option_has_wrong_values(tmp_path: Path) -> None:
    missing = []
    for command, name in options():
        if f"{command} {name}" in ANY_TEXT or name in ANY_TEXT:
            continue
        action = next(a for a in subparsers()[command]._actions if option_name(a) == name)
        try:
            wrong_values(command, action, tmp_path)
        except AssertionError as exc:
            missing.append(str(exc))
    assert not missing, "\n".join(missing)


# -- the store the commands run against ------------------------------------------------------


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    """A store holding the small programme, its plan applied and the views caught up."""
    programme = Programme(tmp_path_factory.mktemp("wrong-values"))
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    assert main(["record", str(programme.rows), *programme.in_store(), "--quiet"]) == 0
    assert main(["report", *programme.in_store(), "--json", str(programme.root / "r.json")]) == 0
    return programme


#: A member of the programme's rows (a wrong value of another option must leave it as it is).
ERASABLE = "m1"


def valid_arguments(command: str, programme: Programme) -> list[str]:
    """Arguments with which each command works (its wrong value is then the only fault)."""
    out = str(programme.root / "out" / "plan.csv")
    return {
        "init": [str(programme.root / "init")],
        "plan": [*programme.problem()],
        "replan": [*programme.problem(), "--store", programme.store],
        "recommend": [*programme.problem(), "--store", programme.store, "--unit", "A"],
        "explain": [*programme.problem(), "--store", programme.store],
        "record": [str(programme.rows), *programme.in_store()],
        "report": programme.in_store(),
        "history": programme.in_store(),
        "rebuild": programme.in_store(),
        "status": ["--store", programme.store],
        "export": ["--format", "csv", "--out", out, *programme.in_store()],
        "erase": ["--member", ERASABLE, *programme.in_store()],
        # renaming to the name it has, removing a day that is no holiday: nothing recorded
        "rename": [*programme.in_store(), "--to", programme.name, "--reason", "tidy"],
        "calendar": [*programme.in_store(), "--remove-holiday", "2025-03-10", "--reason", "x"],
    }[command]


def with_option(arguments: list[str], action: argparse.Action, value: str) -> list[str]:
    """``arguments`` with ``action`` set to ``value`` (replacing what they gave it)."""
    if not action.option_strings:  # the positional FILE.csv of record
        return [value if a == arguments[0] else a for a in arguments]
    result, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
            continue
        if argument in action.option_strings and not isinstance(action, argparse._AppendAction):
            skip = True
            continue
        result.append(argument)
    return [*result, f"{action.option_strings[0]}={value}"]


def snapshot(programme: Programme) -> tuple[Any, ...]:
    """What a wrong value must not change: the events, the tables and the files."""
    path = programme.store.removeprefix("sqlite:///")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        position = connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        tables = connection.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
    finally:
        connection.close()
    files = sorted(
        str(p.relative_to(programme.root))
        for p in programme.root.rglob("*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    )
    return position, tables, files


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    with captured() as (out, err):
        try:
            code = main(argv)
        except SystemExit as stopped:  # a usage error, from argparse
            code = int(stopped.code or 0)
    return code, out.getvalue(), err.getvalue()


def assert_refused(argv: list[str], code: int, stdout: str, stderr: str, expected: int) -> None:
    shown = f"schedcore {' '.join(argv)}\nexit {code}\nstdout: {stdout}\nstderr: {stderr}"
    assert "Traceback" not in stdout + stderr, shown
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    assert "internal error" not in stderr, shown
    assert code == expected, shown


def options_with_wrong_values() -> list[tuple[str, str]]:
    """Every option but those any text is right for (``ANY_TEXT`` says why each is)."""
    return [
        (command, option)
        for command, option in options()
        if f"{command} {option}" not in ANY_TEXT and option not in ANY_TEXT
    ]


@pytest.mark.parametrize(("command", "option"), options_with_wrong_values())
def test_a_wrong_value_is_one_line_its_exit_code_and_changes_nothing(
    programme: Programme, command: str, option: str
) -> None:
    action = next(a for a in subparsers()[command]._actions if option_name(a) == option)
    (programme.root / "out").mkdir(exist_ok=True)
    strategy = wrong_values(command, action, programme.root / "out")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(wrong=strategy)
    def check(wrong: Value) -> None:
        value, expected = wrong
        argv = [command, *with_option(valid_arguments(command, programme), action, value)]
        before = snapshot(programme)
        code, stdout, stderr = run_in_process(argv)
        assert_refused(argv, code, stdout, stderr, expected)
        assert snapshot(programme) == before, f"schedcore {' '.join(argv)} changed the store"

    check()


# -- read-only commands on a store with no programme create nothing --------------------------

READERS = {
    "report": [],
    "history": [],
    "rebuild": [],
    "status": [],
    "export": ["--format", "csv", "--out", "plan.csv"],
    "explain": ["--blackout", "01=2022-09-12", "--time-limit", "5"],
    "replan": ["--blackout", "01=2022-09-12", "--time-limit", "5"],
    "recommend": ["--unit", "01"],
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_reader_on_a_missing_sqlite_file_creates_no_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [command, "--store", "sqlite:///typo.sqlite", *READERS[command]]
    code, stdout, stderr = run_in_process(argv)
    assert_refused(argv, code, stdout, stderr, INVALID)
    assert "holds no programme yet" in stderr
    assert "create one with 'schedcore plan --apply --store sqlite:///typo.sqlite'" in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_reader_on_an_empty_sqlite_file_adds_no_table(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    code, stdout, stderr = run_in_process(["report", "--store", f"sqlite:///{empty}"])
    assert_refused(["report"], code, stdout, stderr, INVALID)
    connection = sqlite3.connect(empty)
    assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []
    connection.close()


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["report", "history", "export", "explain", "status"])
def test_a_reader_on_an_empty_postgres_schema_creates_no_table(
    command: str, postgres: PostgresTarget
) -> None:
    """An empty schema gets no table, and a schema not there stays not there."""
    import psycopg

    empty, absent = f"{postgres.schema}_{command}_empty", f"{postgres.schema}_{command}_absent"
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{empty}"')
    try:
        check_no_table_is_created(command, postgres, empty, absent)
    finally:
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{empty}" CASCADE')
            connection.execute(f'DROP SCHEMA IF EXISTS "{absent}" CASCADE')


def check_no_table_is_created(
    command: str, postgres: PostgresTarget, empty: str, absent: str
) -> None:
    import psycopg

    for schema in (empty, absent):
        url = f"{postgres.url}?{urlencode({'schema': schema})}"
        argv = [command, "--store", url, *READERS[command]]
        if command == "export":
            argv = [command, "--store", url, "--format", "csv", "--out", "-"]
        code, stdout, stderr = run_in_process(argv)
        assert_refused(argv, code, stdout, stderr, INVALID)
        assert "holds no programme yet" in stderr
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (empty,),
        ).fetchall()
        schemas = connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (absent,)
        ).fetchall()
    assert tables == []
    assert schemas == []


# -- and through a real process --------------------------------------------------------------

PROCESS_CASES = [
    (["replan", "--withdraw", "99", "--current", "p.json"], "--withdraw: unknown unit '99'"),
    (["explain", "--hall", "99=100", "--current", "p.json"], "--hall: unknown unit '99'"),
    (["replan", "--withdraw", "99"], "holds no programme yet"),  # the store is checked first
    (["plan", "--trainer-teams", "0"], "--trainer-teams must be at least 1"),
    (["plan", "--start", "2022-09-31", "--units", "u.csv"], "2022-09-31 is not a date"),
    (["plan", "--time-limit", "0"], "--time-limit must be a positive number of seconds"),
    (["report", "--as-of", "2022-09-20"], "use --on 2022-09-20"),
    (["report"], "holds no programme yet"),
]


@pytest.mark.parametrize(("argv", "message"), PROCESS_CASES)
def test_a_wrong_value_through_a_real_process(
    argv: list[str], message: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env["SCHEDCORE_STORE"] = "sqlite:///typo.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "schedcore", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert_refused(argv, done.returncode, done.stdout, done.stderr, INVALID)
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == [], "a wrong value left a file behind"
