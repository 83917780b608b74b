"""Where each read model stands: position, lag, fingerprint, build under way, parked events,
view snapshots kept for time travel.

Read-only: it reads the checkpoints a runner keeps and creates nothing, so ``schedcore status``
can look at a store without changing it.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from schedcore.projections._database import Reader
from schedcore.projections.model import ReadModel
from schedcore.projections.snapshots import snapshots
from schedcore.projections.tracking import (
    CHECKPOINTS_TABLE,
    PARKED_TABLE,
    Checkpoints,
    table_columns,
)

__all__ = ["ModelStatus", "model_status"]


@attrs.frozen
class ModelStatus:
    """One read model of a runner, now.

    ``state`` is ``current`` (built with this code's fingerprint), ``new`` (never built) or
    ``changed`` (built with another fingerprint: it will be rebuilt in shadow tables).
    ``building`` is the position of a build under way in shadow tables, if any.
    ``snapshots`` counts the view snapshots kept for time travel with this code's fingerprint,
    the latest at ``snapshot``.
    """

    name: str
    state: str
    fingerprint: str
    stored_fingerprint: str | None
    position: int
    generation: int
    head: int
    parked: int
    building: int | None
    snapshots: int = 0
    snapshot: int | None = None

    @property
    def lag(self) -> int:
        """Events the model's tables are behind the head of the log."""
        return max(0, self.head - self.position)

    def as_dict(self) -> dict[str, object]:
        """The status as plain values (``--json``)."""
        return {
            "model": self.name,
            "state": self.state,
            "position": self.position,
            "head": self.head,
            "lag": self.lag,
            "generation": self.generation,
            "version": self.fingerprint,
            "stored_version": self.stored_fingerprint,
            "parked": self.parked,
            "building": self.building,
            "snapshots": self.snapshots,
            "snapshot": self.snapshot,
        }


def model_status(
    reader: Reader | None, runner: str, models: Sequence[ReadModel], head: int
) -> list[ModelStatus]:
    """The status of each of ``models`` kept by the runner called ``runner`` in ``reader``'s
    views (``None``: there are no views: every model is new)."""
    checkpoints = Checkpoints(runner)
    kept = reader is not None and table_columns(reader, CHECKPOINTS_TABLE) is not None
    live = checkpoints.read(reader) if reader is not None and kept else {}
    shadow = checkpoints.read(reader, "shadow") if reader is not None and kept else {}
    parked: dict[tuple[str, int], int] = {}
    if reader is not None and table_columns(reader, PARKED_TABLE) is not None:
        for model, generation, count in reader.query(
            f"SELECT model, generation, COUNT(*) FROM {PARKED_TABLE} WHERE runner = ? "
            "GROUP BY model, generation",
            (runner,),
        ):
            parked[(model, int(generation))] = int(count)
    taken = snapshots(reader, runner) if reader is not None else []
    found = []
    for model in models:
        fingerprint = model.fingerprint()
        usable = [s.position for s in taken if s.model == model.name and s.version == fingerprint]
        mine = live.get(model.name)
        building = shadow.get(model.name)
        if mine is None:
            state = "new"
        elif mine.version != fingerprint:
            state = "changed"
        else:
            state = "current"
        found.append(
            ModelStatus(
                name=model.name,
                state=state,
                fingerprint=fingerprint,
                stored_fingerprint=mine.version if mine is not None else None,
                position=mine.position if mine is not None else 0,
                generation=mine.generation if mine is not None else 0,
                head=head,
                parked=parked.get((model.name, mine.generation), 0) if mine is not None else 0,
                building=building.position
                if building is not None and building.version == fingerprint
                else None,
                snapshots=len(usable),
                snapshot=max(usable, default=None),
            )
        )
    return found
