"""Options every sub-command shares, so they are spelt the same everywhere, and the one way
every command writes its ``--json`` document."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

__all__ = [
    "DEFAULT_STORE",
    "STORE_ENV",
    "add_json_option",
    "add_store_option",
    "human_output",
    "write_json",
]

STORE_ENV = "SCHEDCORE_STORE"
DEFAULT_STORE = "sqlite:///schedcore.sqlite"


def add_store_option(parser: argparse.ArgumentParser, *, purpose: str = "") -> None:
    parser.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV, DEFAULT_STORE),
        metavar="URL",
        help=(
            f"{purpose}event store: memory://, sqlite:///relative.sqlite, "
            "sqlite:////absolute.sqlite or postgresql://user@host:port/db "
            f"(default: ${STORE_ENV} or {DEFAULT_STORE})"
        ),
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write the result as JSON to PATH ('-' for standard output, and then the "
        "human summary goes to standard error)",
    )


def human_output(args: argparse.Namespace) -> TextIO:
    """Where the human summary goes: stdout, unless ``--json -`` has taken it."""
    return sys.stderr if getattr(args, "json", None) == "-" else sys.stdout


def write_json(target: str | None, document: Any) -> None:
    """Write ``document`` as the ``--json`` output: to a file, or to stdout for ``-``."""
    if target is None:
        return
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    from schedcore.errors import InvalidInputError

    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise InvalidInputError(f"cannot write --json {target}: {exc.strerror}") from None
