"""The ``schedcore`` command: one sub-command per module in this package.

Errors of the :class:`~schedcore.errors.SchedcoreError` family become one line on stderr and the
error's documented exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from schedcore.cli import explain, export, history, plan, rebuild, record, replan, report
from schedcore.errors import SchedcoreError

__all__ = ["main"]

#: Sub-command modules; each has ``register(subparsers)`` that sets ``func`` on its parser.
COMMANDS = (plan, replan, explain, record, report, rebuild, history, export)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="schedcore",
        description="Plan and track national training programmes (event-sourced, CP-SAT).",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of one-line errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    for subparser in subparsers.choices.values():
        # Descriptions are the modules' docstrings: show them as plain text, not reST.
        subparser.description = (subparser.description or "").replace("``", "'")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except SchedcoreError as exc:
        if args.debug:
            traceback.print_exc()
        else:
            first_line, *rest = str(exc).splitlines() or [type(exc).__name__]
            print(f"error: {first_line}", file=sys.stderr)
            for line in rest:
                print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``schedcore report | head``): not an error of
        # ours; stop quietly, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
