"""Defects the stateful test found, each pinned by the shortest story that showed it."""

from __future__ import annotations

from datetime import date

from schedcore.application import Scheduler
from schedcore.domain.values import SessionStatus
from tests.core.conftest import Planned, spec_2022, standard_plan


def test_a_reinstated_session_seats_its_clusters_current_members() -> None:
    """A plan applied while a session was cancelled (no date for it) changed its cluster; the
    session, reinstated, still seated the old members (one of them now in another cluster)."""
    spec = spec_2022()
    app = Scheduler.open("memory://", programme=spec.name)
    app.create_programme(spec, actor="ministry")
    plan = standard_plan()
    app.apply_plan(plan, actor="ministry")
    app.cancel_session(2, reason="storm", actor="ministry")
    second, third = plan[1], plan[2]
    moved = second.members[-1]
    changed = [
        *plan[:1],
        Planned(2, second.host, (*second.members[:-1], third.members[-1])),
        Planned(3, third.host, (*third.members[:-1], moved), third.date, third.trainer_team),
        *plan[3:],
    ]
    app.apply_plan(changed, actor="ministry", hall_capacity=5000)
    app.reinstate_session(2, date(2022, 9, 27), actor="ministry")
    session, cluster = app.session(2), app.cluster(2)
    assert session.status is SessionStatus.SCHEDULED
    assert set(session.seats) == set(cluster.members)
    assert moved not in session.seats and moved in app.session(3).seats
    assert session.venue.province in cluster.members
