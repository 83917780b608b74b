"""A rebuild of the coverage model split by province across processes.

Coverage keeps each province's members apart: what an attendance event changes depends only on
the earlier events of its province.  So a rebuild can give each of N worker processes the
provinces whose name hashes to its number: each reads the attendance events (and every
aggregate's creation, which names its programme) up to the same position, folds those of its
provinces in log order, and writes its provinces' rows into the coverage model's shadow tables
in one transaction.  The tables are those of a rebuild in one process, row for row: a
province's rows depend on its own events only, and each is folded by exactly one worker.

The runner (:meth:`~schedcore.projections.runner.ProjectionRunner.rebuild` with N ``workers``)
forks N - 1 workers and folds the first share itself, in the same pass as the other models
(whose events it reads and decodes anyway), then swaps every model in as usual.  Workers are
forked: they need a store and views other processes can reach (a file or a server, not
memory), and a platform that forks.
"""

from __future__ import annotations

import multiprocessing
import zlib
from collections.abc import Mapping
from typing import Any

from schedcore._topics import topics_of
from schedcore.projections._database import ViewDatabase, reopen
from schedcore.projections.catalogue import CREATION_EVENTS, ProgrammeCatalogue
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.model import Envelope
from schedcore.stores import disable_prepared_statements

__all__ = ["can_fork", "fold_partition", "partition_of", "start_workers"]


def partition_of(province: str, parts: int) -> int:
    """The worker (``0 .. parts - 1``) that folds ``province``: stable across processes."""
    return zlib.crc32(province.encode()) % parts


def can_fork() -> bool:
    """Whether this platform starts processes by forking."""
    return "fork" in multiprocessing.get_all_start_methods()


def fold_partition(
    app: Any,
    database: ViewDatabase,
    tables: Mapping[str, str],
    part: int,
    parts: int,
    until: int,
    page_size: int,
) -> None:
    """Fold the attendance events of the provinces of worker ``part`` (of ``parts``) up to
    position ``until`` into a fresh coverage model and write its rows into ``tables`` (the
    model's shadow tables), in one transaction of ``database``."""
    coverage = CoverageModel()
    coverage.only = lambda province: partition_of(province, parts) == part
    catalogue = ProgrammeCatalogue()
    handled = coverage.handled() or frozenset()
    topics = tuple(sorted(topics_of(handled | CREATION_EVENTS)))
    coverage.begin(database, tables)
    after = 0
    to_domain_event = app.mapper.to_domain_event
    while after < until:
        page = app.recorder.select_notifications(after + 1, page_size, stop=until, topics=topics)
        if not page:
            break
        mine = []
        for notification in page:
            event = to_domain_event(notification)
            programme = catalogue.resolve(event)
            if type(event) in handled:
                mine.append(Envelope(notification.id, notification.topic, event, programme))
        coverage.fold(mine)
        after = page[-1].id
    with database.transaction() as cursor:
        coverage.flush(cursor, tables)


def _work(
    app: Any,
    database: ViewDatabase,
    tables: Mapping[str, str],
    part: int,
    parts: int,
    until: int,
    page_size: int,
) -> None:
    """A worker process: its own connections to the store and the views, then its part."""
    # the store's tables exist: workers creating them at once would race in PostgreSQL's
    # catalogue ("tuple concurrently updated"); connections prepare no statements, as the
    # application's own do (see schedcore.stores.disable_prepared_statements)
    own_app = type(app)(env={**app.env, "CREATE_TABLE": "n"})
    if "postgres" in type(getattr(own_app.recorder, "datastore", None)).__name__.lower():
        disable_prepared_statements(own_app)
    views = reopen(database)
    assert views is not None
    try:
        fold_partition(own_app, views, tables, part, parts, until, page_size)
    finally:
        views.close()
        own_app.close()


def start_workers(
    app: Any,
    database: ViewDatabase,
    tables: Mapping[str, str],
    parts: int,
    until: int,
    page_size: int,
) -> list[Any]:
    """Fork a worker for each part but the first (``1 .. parts - 1``), folding coverage up to
    ``until`` into ``tables``; the caller folds part 0 itself, then joins them and checks
    their exit codes."""
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(
            target=_work,
            args=(app, database, dict(tables), part, parts, until, page_size),
            name=f"schedcore-coverage-{part}",
        )
        for part in range(1, parts)
    ]
    for worker in workers:
        worker.start()
    return workers
