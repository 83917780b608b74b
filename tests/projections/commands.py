"""Run a command drawn by ``tests.strategies.projection_commands`` against the application.

Commands that break a rule are refused by the application and record nothing; that is part
of the test (the views must not see them either).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint
from schedcore.errors import SchedcoreError
from schedcore.reference import calendar_2022

DAYS = calendar_2022().working_days()


def member(province: str, number: int) -> tuple[str, str, str]:
    return f"{province}-m{number}", f"{province}-t{number // 2}", f"{province}-c{number // 4}"


def _session_day(app: Scheduler, province: str) -> date | None:
    cluster = app.province_cluster(province)
    if cluster is None:
        return None
    try:
        return app.session(cluster).day
    except SchedcoreError:
        return None


def run(app: Scheduler, command: tuple[Any, ...]) -> bool:
    """Run ``command``; False if the application refused it."""
    kind, *args = command
    actor = f"tester:{kind}"
    try:
        if kind == "enrol":
            province, numbers = args
            app.enrol_members(province, [member(province, n) for n in numbers], actor=actor)
        elif kind in ("attend", "online"):
            if kind == "attend":
                province, activity, numbers = args
                day = _session_day(app, province)
                if day is None:
                    return False
            else:
                province, activity, offset, numbers = args
                day = date(2022, 9, 12) + timedelta(days=offset)
            rows = [
                AttendanceRow(
                    *member(province, n)[:2],
                    province,
                    member(province, n)[2],
                    Activity(activity),
                    day,
                )
                for n in numbers
            ]
            app.record_attendance(rows, actor=actor, batch_size=2)
        elif kind == "void":
            province, activity, numbers = args
            book = app.attendance(province)
            # void some of what is recorded (voiding nothing is refused, and tests nothing):
            # the activity drawn, else the next one with records
            kinds = list(Activity)
            start = kinds.index(Activity(activity))
            for kind_ in kinds[start:] + kinds[:start]:
                recorded = sorted(m for m in book.members if book.done(m, kind_))
                if recorded:
                    activity = kind_
                    break
            else:
                return False
            names = sorted({recorded[n % len(recorded)] for n in numbers})
            app.void_records(province, Activity(activity), names, reason="wrong row", actor=actor)
        elif kind == "move":
            app.move_province(args[0], args[1], reason="asked to", actor=actor)
        elif kind == "withdraw":
            app.withdraw_province(args[0], reason="asked to", actor=actor)
        elif kind == "assign":
            app.assign_province(args[0], args[1], actor=actor)
        elif kind == "host":
            app.set_host(args[0], args[1], actor=actor)
        elif kind == "trainer":
            app.assign_trainer_team(args[0], args[1], actor=actor)
        elif kind == "reschedule":
            app.reschedule_session(args[0], DAYS[args[1]], actor=actor)
        elif kind == "cancel":
            app.cancel_session(args[0], reason="storm", actor=actor)
        elif kind == "reinstate":
            app.reinstate_session(args[0], DAYS[args[1]], actor=actor)
        elif kind == "held":
            app.mark_session_held(args[0], on=date(2022, 9, 30), actor=actor)
        elif kind in ("connect", "disconnect"):
            cluster, points = args
            # the communes of the cluster's own provinces (others are refused)
            provinces = sorted(app.cluster(cluster).members) or ["01"]
            chosen = [(provinces[int(p) % len(provinces)], k) for p, k in points]
            wanted = {BridgePoint(p, f"{p}-c{k}") for p, k in chosen}
            if kind == "disconnect":
                connected = sorted(app.session(cluster).bridge_points)
                if not connected:
                    return False
                wanted = {connected[k % len(connected)] for _, k in points}
            method = (
                app.connect_bridge_points if kind == "connect" else (app.disconnect_bridge_points)
            )
            method(cluster, sorted(wanted), actor=actor)
        elif kind == "target":
            measure, share = args
            deadline = date(2022, 9, 30) if share < 1 else date(2022, 11, 30)
            app.change_target(Target(Measure(measure), share, deadline), actor=actor)
        else:  # pragma: no cover - a strategy drew an unknown command
            raise AssertionError(command)
    except SchedcoreError:
        return False
    return True
