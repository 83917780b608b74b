"""The command line: help works, errors are one line with the documented exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from schedcore.cli import main


def test_plan_help_lists_the_store_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", "--help"])
    assert exit_info.value.code == 0
    assert "--store" in capsys.readouterr().out


def test_the_installed_command_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "schedcore", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "plan" in result.stdout
