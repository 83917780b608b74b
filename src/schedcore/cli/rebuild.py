"""``schedcore rebuild``: rebuild every read model, or one (``--model NAME``), from the first
event.

The fresh tables are filled beside the old ones and swapped in when they have caught up:
readers and writers carry on meanwhile, and the other read models keep up with the log.
Coverage is folded by ``--workers`` processes, each for its share of the provinces, while the
other read models are rebuilt; by default half as many as the machine has cores (each worker
decodes every attendance event again, so it pays only with cores to spare).
Shows a progress bar on a terminal (with the ``cli`` extra; ``--quiet`` hides it).
``--json`` gives the figures of the rebuild.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    human_output,
    whole_number,
    write_json,
)
from schedcore.cli._progress import add_quiet_option, count_progress
from schedcore.cli._views import add_views_options, open_runner

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rebuild", help="rebuild the read models from zero", description=__doc__
    )
    add_store_option(parser)
    add_views_options(parser)
    add_json_option(parser)
    add_quiet_option(parser)
    parser.add_argument(
        "--model",
        action="append",
        metavar="NAME",
        help="rebuild this read model only (repeat for several): programmes, roster, calendar, "
        "bridge, coverage, audit",
    )
    parser.add_argument(
        "--workers",
        type=whole_number(1),
        metavar="N",
        help="processes that fold coverage, each for its share of the provinces, while the "
        "other models are rebuilt (default: half the cores; 1: all in this process)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.model:
        from schedcore.cli._common import near_match
        from schedcore.errors import InvalidInputError
        from schedcore.projections import default_models

        known = [m.name for m in default_models()]
        for name in args.model:
            if name not in known:  # refused before the store is opened
                raise InvalidInputError(f"--model: {near_match(name, known, what='read model')}")
    workers = args.workers if args.workers is not None else max(1, (os.cpu_count() or 1) // 2)
    with open_runner(args) as (app, runner):
        if args.programme is not None or args.programme_file is not None:
            app.programme()  # every programme's views are rebuilt; a wrong name is still wrong
        chosen = runner.model_names(args.model)
        with count_progress(args, "rebuilding", runner.head()) as progress:
            done = runner.rebuild(progress, models=chosen, workers=workers)
        models = len(chosen)
    what = f"{models} read models" if models != 1 else f"the {chosen[0]} read model"
    print(
        f"rebuilt {what} from {done.events:,} events "
        f"in {done.seconds:.2f} s; views at position {done.position}"
        + (f", {done.parked} events parked" if done.parked else ""),
        file=human_output(args),
    )
    write_json(
        args.json,
        {
            "models": models,
            "rebuilt": chosen,
            "events": done.events,
            "seconds": round(done.seconds, 3),
            "position": done.position,
            "parked": done.parked,
        },
    )
    return 0
