"""A runner process for the crash test: catches up slowly, in small batches, until killed.

    python -m tests.projections.crash_child STORE_URL

Prints ``ready`` once its runner is open, then ``caught up`` when the views reach the head.
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
        app, [*default_models(), CountsApplications(slow=0.05)], batch_size=5, page_size=3
    )
    print("ready", flush=True)
    while runner.lag().lag:
        runner.catch_up()
    print("caught up", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
