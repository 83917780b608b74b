"""A runner process for the kill-mid-build test: builds a new read model, slowly, in shadow
tables, until killed.

    python -m tests.projections.build_child STORE_URL

Prints ``ready`` once its runner is open, then ``caught up`` when every model is built.
"""

from __future__ import annotations

import sys

from schedcore.application import Scheduler
from schedcore.projections import ProjectionRunner, default_models
from tests.projections.conftest import small_spec
from tests.projections.models import CountsApplications


def main(url: str) -> int:
    app = Scheduler.open(url, programme=small_spec().name)
    runner = ProjectionRunner(
        app,
        [*default_models(), CountsApplications(slow=0.1)],
        rebuild_batch_size=2,
        page_size=2,
    )
    print("ready", flush=True)
    runner.catch_up()
    print("caught up", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
