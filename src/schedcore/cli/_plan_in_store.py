"""The plan in force in a store, as plain cluster records (for export and re-planning)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from schedcore.cli._common import require_programme_store
from schedcore.errors import NotFoundError

if TYPE_CHECKING:
    from schedcore.domain.programme_spec import ProgrammeSpec
    from schedcore.exports import ClusterRecord

__all__ = ["StoredPlan", "plan_in_store", "stored_programme_and_plan"]


@attrs.frozen
class StoredPlan:
    """A store's programme as its events recorded it (``spec``, with its name now), the name
    it was created under (``name_as_created``), and its plan in force (``clusters``)."""

    spec: ProgrammeSpec
    name_as_created: str
    clusters: tuple[ClusterRecord, ...]


def plan_in_store(store: str, programme: str | None) -> tuple[ClusterRecord, ...]:
    """The plan in force in ``store``: each cluster with its session's day, if it has one."""
    return stored_programme_and_plan(store, programme).clusters


def stored_programme_and_plan(store: str, programme: str | None) -> StoredPlan:
    """The programme ``store`` holds (``programme``: its name; ``None``: the only one), as
    its events recorded it, and its plan in force."""
    require_programme_store(store)

    from schedcore.application import Scheduler
    from schedcore.exports import ClusterRecord

    app = Scheduler.open(store, programme=programme)
    try:
        found = app.programme()
        spec = found.spec()
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
    return StoredPlan(spec=spec, name_as_created=found.name_as_created, clusters=tuple(records))
