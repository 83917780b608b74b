"""Rules only reachable on the aggregates themselves (the application never asks for them)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from schedcore.domain import Cluster, Placement
from schedcore.errors import RuleViolationError


def test_a_cluster_with_provinces_cannot_be_dissolved() -> None:
    cluster = Cluster.form(uuid4(), 1, actor="planner")
    cluster.assign_province("01", actor="planner")
    with pytest.raises(RuleViolationError) as raised:
        cluster.dissolve(reason="merged", actor="planner")
    assert raised.value.rule == "dissolve_empty_cluster"
    assert not cluster.dissolved


def test_only_a_dissolved_cluster_can_be_reformed() -> None:
    cluster = Cluster.form(uuid4(), 1, actor="planner")
    with pytest.raises(RuleViolationError) as raised:
        cluster.reform(actor="planner")
    assert raised.value.rule == "cluster_dissolved"


def test_a_placed_province_cannot_be_placed_again_without_leaving() -> None:
    placement = Placement.assign(uuid4(), "01", 1, actor="planner")
    with pytest.raises(RuleViolationError) as raised:
        placement.reassign(2, actor="planner")
    assert raised.value.rule == "province_in_one_cluster"
    assert placement.cluster == 1


def test_the_last_province_of_a_cluster_may_leave_and_takes_the_host_with_it() -> None:
    cluster = Cluster.form(uuid4(), 1, actor="planner")
    cluster.assign_province("01", actor="planner")
    cluster.set_host("01", actor="planner")
    cluster.withdraw_province("01", reason="merged", actor="planner")
    assert (cluster.members, cluster.host) == ((), None)
