"""The CLI's contract, for every command: --help works, --store and --json are there, a mistake
is one line and its documented exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from schedcore.cli import COMMANDS, build_parser, main
from schedcore.errors import InvalidInputError, NotFoundError, StoreError

NAMES = sorted(
    name
    for action in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
    for name in getattr(action, "choices", {})
)


def test_every_command_module_is_registered() -> None:
    assert len(NAMES) == len(COMMANDS)


@pytest.mark.parametrize("command", NAMES)
def test_every_command_has_help_that_exits_0(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])
    assert stopped.value.code == 0
    assert f"usage: schedcore {command}" in capsys.readouterr().out


def subparser(
    command: str, parser: argparse.ArgumentParser | None = None
) -> argparse.ArgumentParser:
    parser = parser or build_parser()
    found: argparse.ArgumentParser = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    return found


def options_of(command: str) -> set[str]:
    return {o for action in subparser(command)._actions for o in action.option_strings}


#: The fewest arguments each command parses with (the required ones only).
REQUIRED: dict[str, list[str]] = {
    "record": ["rows.csv"],
    "recommend": ["--unit", "01"],
    "erase": ["--member", "VN-HN-000001"],
    "rename": ["--to", "new name", "--reason", "why"],
}


#: Commands that open no store, and why.
NO_STORE = {"init": "writes a programme file and a units table, nothing else"}
STORE_COMMANDS = [name for name in NAMES if name not in NO_STORE]


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_every_command_reads_its_store_from_the_store_option(command: str) -> None:
    assert "--store" in options_of(command)


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_every_command_reads_its_store_from_the_environment(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDCORE_STORE", "sqlite:///from-the-environment.sqlite")
    args = build_parser().parse_args([command, *REQUIRED.get(command, [])])
    assert args.store == "sqlite:///from-the-environment.sqlite"


@pytest.mark.parametrize("command", NAMES)
def test_every_command_has_the_same_json_option(command: str) -> None:
    (json_option,) = (a for a in subparser(command)._actions if "--json" in a.option_strings)
    (reference,) = (a for a in subparser("plan")._actions if "--json" in a.option_strings)
    assert (json_option.metavar, json_option.help) == (reference.metavar, reference.help)


@pytest.mark.parametrize("command", ["plan", "replan", "explain", "record", "rebuild"])
def test_every_long_command_can_be_quiet(command: str) -> None:
    assert "--quiet" in options_of(command)


@pytest.mark.parametrize("command", NAMES)
def test_an_unknown_option_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, "--no-such-option"])
    assert stopped.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_store_that_cannot_be_opened_is_one_line_and_exit_6(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["record", "--store", "nosuch://x", "rows.csv"])
    err = capsys.readouterr().err
    assert code == StoreError.exit_code
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_an_empty_store_is_one_line_and_the_not_found_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["export", "--format", "json", "--store", "memory://", "--out", "-"])
    err = capsys.readouterr().err
    assert code == NotFoundError.exit_code
    assert err.startswith("error: ") and err.count("\n") == 1


BAD_STORE = "nosuch://x"

#: One mistake a new user makes with each command, and the documented exit code it gives.
MISTAKES = [
    ("plan", ["--objective", "fastest"], 2),
    ("plan", ["--units", "no-such-units.csv"], InvalidInputError.exit_code),
    ("plan", ["--start", "12/09/2022"], 2),
    ("replan", ["--current", "no-such-plan.json"], InvalidInputError.exit_code),
    ("replan", ["--store", BAD_STORE, "--no-dates"], StoreError.exit_code),
    ("replan", ["--current", "plan.json", "--blackout", "01"], InvalidInputError.exit_code),
    ("explain", ["--current", "no-such-plan.json"], InvalidInputError.exit_code),
    ("explain", ["--store", BAD_STORE, "--no-dates"], StoreError.exit_code),
    ("explain", ["--pin", "unit=01,when=2022-09-12"], InvalidInputError.exit_code),
    ("record", ["--store", BAD_STORE, "rows.csv"], StoreError.exit_code),
    ("record", ["--store", "memory://", "no-such-rows.csv"], NotFoundError.exit_code),
    ("record", ["--batch-size", "many", "rows.csv"], 2),
    ("report", ["--store", BAD_STORE], StoreError.exit_code),
    ("report", ["--store", "memory://", "--as-of", "2022-09-20T18:00"], 2),
    ("rebuild", ["--store", BAD_STORE], StoreError.exit_code),
    ("history", ["--store", BAD_STORE], StoreError.exit_code),
    ("history", ["--limit", "ten"], 2),
    ("export", ["--format", "pdf", "--out", "plan.pdf"], InvalidInputError.exit_code),
    ("export", ["--format", "json", "--plan", "no-such-plan.json", "--out", "-"], 2),
    ("export", ["--format", "json", "--store", BAD_STORE, "--out", "-"], StoreError.exit_code),
]


@pytest.mark.parametrize(
    ("command", "argv", "exit_code"),
    MISTAKES,
    ids=[f"{command}-{' '.join(argv)}" for command, argv, _ in MISTAKES],
)
def test_one_mistake_per_command_is_one_line_and_its_documented_exit_code(
    command: str,
    argv: list[str],
    exit_code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text(
        '{"clusters": [{"id": 1, "host": "01", "members": ["01"], "date": null}]}',
        encoding="utf-8",
    )
    try:
        code = main([command, *argv])
    except SystemExit as stopped:
        code = stopped.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == exit_code, captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err
    assert list(tmp_path.iterdir()) == [tmp_path / "plan.json"], "a mistake wrote a file"


@pytest.mark.parametrize("command", NAMES)
def test_help_is_plain_text_without_rest_markup(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "``" not in capsys.readouterr().out
