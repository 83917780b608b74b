"""The plan in force in a store, as plain cluster records (for export and re-planning)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schedcore.cli._common import require_programme_store
from schedcore.errors import NotFoundError

if TYPE_CHECKING:
    from schedcore.exports import ClusterRecord

__all__ = ["plan_in_store"]


def plan_in_store(store: str, programme: str | None) -> tuple[ClusterRecord, ...]:
    """The plan in force in ``store``: each cluster with its session's day, if it has one."""
    require_programme_store(store)

    from schedcore.application import Scheduler
    from schedcore.exports import ClusterRecord

    app = Scheduler.open(store, programme=programme)
    try:
        records = []
        for cluster in app.clusters():
            if cluster.dissolved or cluster.host is None or not cluster.members:
                continue
            try:
                day = app.session(cluster.number).day
            except NotFoundError:
                day = None
            records.append(
                ClusterRecord(
                    id=cluster.number,
                    host=cluster.host,
                    members=cluster.members,
                    date=day,
                    trainer_team=cluster.trainer_team,
                )
            )
    finally:
        app.close()
    if not records:
        raise NotFoundError(f"the store {store} holds no plan yet: apply one first")
    return tuple(records)
