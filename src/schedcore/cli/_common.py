"""Options every sub-command shares, so they are spelt the same everywhere."""

from __future__ import annotations

import argparse
import os

__all__ = ["DEFAULT_STORE", "STORE_ENV", "add_json_option", "add_store_option"]

STORE_ENV = "SCHEDCORE_STORE"
DEFAULT_STORE = "sqlite:///schedcore.sqlite"


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV, DEFAULT_STORE),
        metavar="URL",
        help=(
            "event store: memory://, sqlite:///relative.sqlite, sqlite:////absolute.sqlite or "
            f"postgresql://user@host:port/db (default: ${STORE_ENV} or {DEFAULT_STORE})"
        ),
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write the result as JSON to PATH ('-' for standard output)",
    )
