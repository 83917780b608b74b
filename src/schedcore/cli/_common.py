"""Options every sub-command shares, so they are spelt the same everywhere, and the one way
every command writes its ``--json`` document."""

from __future__ import annotations

import argparse
import difflib
import getpass
import json
import math
import os
import sys
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

__all__ = [
    "DEFAULT_STORE",
    "STORE_ENV",
    "WholeNumber",
    "add_actor_options",
    "add_json_option",
    "add_store_option",
    "calendar_date",
    "check_writable",
    "default_actor",
    "human_output",
    "near_match",
    "require_programme_store",
    "seconds",
    "whole_number",
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


def default_actor() -> str:
    """Who runs a command that records: ``$SCHEDCORE_ACTOR``, else ``cli:<user name>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name on this system
        user = "unknown"
    return os.environ.get("SCHEDCORE_ACTOR") or f"cli:{user}"


def add_actor_options(parser: argparse.ArgumentParser) -> None:
    """``--actor`` and ``--idempotency-key`` of a command that records."""
    parser.add_argument(
        "--actor",
        default=None,
        help=(
            "who records, e.g. 'planner:minh' (default: $SCHEDCORE_ACTOR or cli:<user name>, "
            "an operator; see docs/how-to/roles.md)"
        ),
    )
    parser.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="a key for this change: run again with the same key and nothing is recorded twice",
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


# -- option values: each wrong value is refused by the parser, in a planner's words ---------
#
# ``_Parser.error`` (in ``schedcore.cli``) turns argparse's "argument --x: MESSAGE" into
# "--x MESSAGE", so the messages below read "--trainer-teams must be at least 1, not 0".


#: The largest whole number an option takes unless it says otherwise: far beyond any programme,
#: and far from the solver's 64-bit limits.
LARGEST = 1_000_000_000


class WholeNumber:
    """An argparse ``type``: a whole number from ``minimum`` to ``maximum``."""

    __name__ = "whole number"

    def __init__(self, minimum: int = 0, maximum: int | None = LARGEST) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def __call__(self, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < self.minimum:
            raise argparse.ArgumentTypeError(f"must be at least {self.minimum}, not {value}")
        if self.maximum is not None and value > self.maximum:
            raise argparse.ArgumentTypeError(f"must be at most {self.maximum}, not {value}")
        return value


def whole_number(minimum: int = 0, maximum: int | None = LARGEST) -> WholeNumber:
    """An argparse ``type``: a whole number from ``minimum`` to ``maximum``."""
    return WholeNumber(minimum, maximum)


def seconds(text: str) -> float:
    """An argparse ``type``: a positive number of seconds (``--time-limit``)."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def calendar_date(text: str) -> date:
    """An argparse ``type``: a day, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not a date (YYYY-MM-DD)") from None


def near_match(given: str, known: Iterable[str], *, what: str) -> str:
    """``unknown unit '99'`` with the nearest known value, or the known ones when few."""
    choices = sorted(known)
    padded = [c for c in choices if c.lstrip("0") == given.lstrip("0") and c != given]
    close = padded or difflib.get_close_matches(given, choices, n=1, cutoff=0.5)
    if close:
        return f"unknown {what} {given!r} (did you mean {close[0]!r}?)"
    if len(choices) <= 12:
        return f"unknown {what} {given!r}: known are {', '.join(choices)}"
    return f"unknown {what} {given!r}: known are {', '.join(choices[:12])}, ... ({len(choices)})"


def check_writable(option: str, target: str | None, *, directory: bool = False) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    from schedcore.errors import InvalidInputError

    if target is None or target == "-":
        return
    if directory:
        if os.path.exists(target) and not os.path.isdir(target):
            raise InvalidInputError(f"{option} {target}: not a directory")
        parent = os.path.dirname(os.path.abspath(target))
    else:
        if os.path.isdir(target):
            raise InvalidInputError(f"{option} {target}: is a directory, give a file name")
        parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise InvalidInputError(f"{option} {target}: the folder {parent} does not exist")


def require_programme_store(store: str | None) -> None:
    """Refuse a store that holds no events, before the application opens it: opening creates
    the file or the tables, and a command that only reads must leave nothing behind."""
    from schedcore.errors import NotFoundError
    from schedcore.stores import parse_store_url, resolve_store_url, store_holds_events

    location = parse_store_url(resolve_store_url(store))
    found, why = store_holds_events(location.url)
    if not found:
        raise NotFoundError(
            f"the store {location.display} holds no programme yet ({why}): create one with "
            f"'schedcore plan --apply --store {location.display}'"
        )
