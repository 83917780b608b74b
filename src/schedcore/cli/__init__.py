"""The ``schedcore`` command: one sub-command per module in this package.

Errors of the :class:`~schedcore.errors.SchedcoreError` family become one line on stderr and the
error's documented exit code; ``--debug`` shows the traceback instead.  A file the system cannot
read or write is exit 2 too; anything else is a bug, still one line (exit 70, ``INTERNAL_ERROR``).

Importing this package imports no solver, store or pictures: each command imports what it needs
when it runs, so ``schedcore --help`` starts at once.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from schedcore.cli import (
    calendar,
    erase,
    explain,
    export,
    history,
    init,
    plan,
    rebuild,
    recommend,
    record,
    rename,
    replan,
    report,
    status,
)
from schedcore.errors import SchedcoreError

__all__ = ["INTERNAL_ERROR", "main"]

#: The exit code of an error that is a bug of schedcore's (sysexits' EX_SOFTWARE).
INTERNAL_ERROR = 70

_ARGUMENT = re.compile(r"^argument (?P<option>[^:/ ]+)(?:/[^:]+)?: (?P<message>.*)$", re.DOTALL)

#: Sub-command modules; each has ``register(subparsers)`` that sets ``func`` on its parser.
COMMANDS = (
    init,
    plan,
    replan,
    recommend,
    explain,
    record,
    rename,
    calendar,
    report,
    rebuild,
    status,
    history,
    export,
    erase,
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error.

    Options are taken only as spelt in full: with abbreviations, ``--programme NAME`` on a
    command that has only ``--programme-file`` would quietly be read as a file name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        # "argument --trainer-teams: must be at least 1, not 0" -> "--trainer-teams must ..."
        found = _ARGUMENT.match(message)
        if found is not None:
            option, text = found["option"], found["message"]
            message = f"{option} {text}" if text.startswith("must ") else f"{option}: {text}"
        message = " ".join(message.split())  # one line, whatever argparse wrapped
        self.exit(2, f"error: {self.prog}: {message} (see '{self.prog} --help')\n")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a lone "--" given as a value (--limit=--) and hands the option an
        # empty list; it is the value the user typed, to be checked like any other.
        if action.nargs is None and action.option_strings and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


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


def check_shared_options(args: argparse.Namespace) -> None:
    """Refuse a wrong store or views URL, or a ``--json`` path that cannot be written, before
    the command does any work (a command that does not use its store still names a good one)."""
    from schedcore.cli._common import check_writable
    from schedcore.errors import StoreError
    from schedcore.stores import parse_store_url

    for option, url in (
        ("store", getattr(args, "store", None)),
        ("views", args.__dict__.get("views")),
    ):
        if url is None:
            continue
        location = parse_store_url(url)
        if location.kind == "sqlite":
            folder = os.path.dirname(os.path.abspath(location.settings["SQLITE_DBNAME"]))
            if not os.path.isdir(folder):
                raise StoreError(
                    f"cannot open {option} {location.display}: the folder {folder} does not exist"
                )
    check_writable("--json", getattr(args, "json", None))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_shared_options(args)
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
    except OSError as exc:
        # A file the system refused (missing, a folder, no permission, disk full): the user's
        # to fix, like every bad input.
        if args.debug:
            traceback.print_exc()
        else:
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A bug: still one line (the traceback is one --debug away), never a wall of Python.
        if args.debug:
            traceback.print_exc()
        else:
            text = " ".join(str(exc).split())[:200]
            print(
                f"error: internal error ({type(exc).__name__}: {text}); please report it with "
                f"the output of 'schedcore --debug {args.command} ...'",
                file=sys.stderr,
            )
        return INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
