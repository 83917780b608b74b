"""``schedcore init DIR``: start a programme of your own.

Writes ``DIR/programme.toml`` (every key commented) and ``DIR/units.csv`` (nine made-up units
that plan as they are), then says what to run next.  Existing files are kept unless
``--force``.
"""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import add_json_option, human_output, write_json

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init",
        help="write a programme file and a units table to start from",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="the folder to write into")
    parser.add_argument(
        "--force", action="store_true", help="overwrite programme.toml and units.csv in DIR"
    )
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.programmes.file import load_programme_file
    from schedcore.programmes.template import write_template

    written = write_template(args.directory, overwrite=args.force)
    programme = load_programme_file(written[0])  # the template is read back as a check
    out = human_output(args)
    for path in written:
        print(f"wrote {path}", file=out)
    print(
        f"next: edit {written[0]} and {written[1]}, then\n"
        f"  schedcore plan --programme-file {written[0]}\n"
        f"  schedcore plan --programme-file {written[0]} --apply --store "
        f"sqlite:///{args.directory.rstrip('/')}/programme.sqlite",
        file=out,
    )
    write_json(
        args.json,
        {
            "files": [str(path) for path in written],
            "programme": programme.name,
            "units": len(programme.units),
        },
    )
    return 0
