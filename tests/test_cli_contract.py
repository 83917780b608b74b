"""The CLI's contract, for every command: --help works, a mistake is one line and an exit code."""

from __future__ import annotations

import pytest

from schedcore.cli import COMMANDS, build_parser, main
from schedcore.errors import NotFoundError, StoreError

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


@pytest.mark.parametrize("command", NAMES)
def test_every_command_reads_its_store_from_the_store_option(command: str) -> None:
    parser = build_parser()
    subparser = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    options = {o for action in subparser._actions for o in action.option_strings}
    if command in {"plan", "replan"} and "--store" not in options:
        pytest.skip(f"{command} does not touch a store until --apply lands")
    assert "--store" in options


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
