"""The one check every export makes before it writes: is this a plan it can show truthfully?"""

from __future__ import annotations

from collections.abc import Iterable

from schedcore.errors import InvalidInputError
from schedcore.exports._types import ClusterLike
from schedcore.exports._units import UnitDirectory

__all__ = ["check_clusters"]


def check_clusters(clusters: Iterable[ClusterLike], units: UnitDirectory) -> list[ClusterLike]:
    """The clusters sorted by id, after checking they form a plan the exports can show.

    Refuses duplicate ids, empty clusters, a host that is not a member, a unit in two
    clusters, and codes the units do not know: an export of such a plan would mislead.
    """
    ordered = sorted(clusters, key=lambda cluster: cluster.id)
    seen_ids: set[int] = set()
    cluster_of: dict[str, int] = {}
    for cluster in ordered:
        if cluster.id in seen_ids:
            raise InvalidInputError(f"two clusters have the id {cluster.id}")
        seen_ids.add(cluster.id)
        if not cluster.members:
            raise InvalidInputError(f"cluster {cluster.id} has no members")
        if cluster.host not in cluster.members:
            raise InvalidInputError(
                f"cluster {cluster.id}: host {cluster.host!r} is not one of its members"
            )
        for code in cluster.members:
            if cluster_of.get(code) == cluster.id:
                raise InvalidInputError(f"cluster {cluster.id} lists unit {code!r} twice")
            if code in cluster_of:
                raise InvalidInputError(
                    f"unit {code!r} is in cluster {cluster_of[code]} and in cluster {cluster.id}"
                )
            cluster_of[code] = cluster.id
            units.name(code)  # an unknown code raises here, before anything is written
    return ordered
