"""Recording a solved plan in the event store (``schedcore plan --apply``).

Kept apart from the planning CLI so that planning itself never needs a store: applying is a
command on the application, and the plan becomes history like every other change.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from schedcore.cli._plan_in_store import plan_in_store
from schedcore.errors import InvalidInputError, NotFoundError, ProgrammeRenamedError

if TYPE_CHECKING:
    from schedcore.domain.programme import Programme
    from schedcore.domain.programme_spec import ProgrammeSpec
    from schedcore.planning.plan import Plan
    from schedcore.planning.problem import Problem
    from schedcore.programmes.file import ProgrammeFile

__all__ = [
    "add_apply_options",
    "apply_to_store",
    "check_recorded_programme",
    "plan_in_force",
    "stored_plan",
    "with_recorded_calendar",
]


def add_apply_options(parser: argparse.ArgumentParser, *, fresh: bool = True) -> None:
    """``--apply``, ``--actor``, ``--idempotency-key`` and (for ``plan``) ``--fresh``."""
    group = parser.add_argument_group("recording the plan")
    group.add_argument(
        "--apply",
        action="store_true",
        help="record the plan in --store as events (only the changes to the plan in force)",
    )
    group.add_argument(
        "--actor", default="planner", help="who applies the plan, recorded on every event"
    )
    if fresh:
        group.add_argument(
            "--fresh",
            action="store_true",
            help="with --apply: plan from scratch instead of re-planning the plan in force "
            "with the least disruption",
        )
    group.add_argument(
        "--idempotency-key", metavar="KEY", help="apply at most once for this key (safe retries)"
    )


def with_recorded_calendar(args: argparse.Namespace, programme: ProgrammeFile) -> ProgrammeFile:
    """For ``--apply``: the programme to plan, with the store's calendar when the store's
    programme of this name had its calendar changed by events (``schedcore calendar``) since
    it was created from this very file.  The store's calendar then wins (the planner plans on
    it, and :func:`check_recorded_programme` finds no difference); a file whose calendar was
    edited otherwise is left as it is, and refused there."""
    import attrs

    recorded = _recorded_programme(args, programme.name)
    if recorded is None:
        return programme
    if (
        recorded.calendar != recorded.calendar_as_created
        and programme.calendar == recorded.calendar_as_created
    ):
        return attrs.evolve(programme, calendar=recorded.calendar)
    return programme


def _recorded_programme(args: argparse.Namespace, name: str) -> Programme | None:
    """The store's programme named ``name`` for ``--apply`` (``None``: no ``--apply``, or no
    such programme yet).  A name the programme gave up by a rename is refused: applying
    would otherwise create a second programme under its old name."""
    if not getattr(args, "apply", False):
        return None
    from schedcore.application import Scheduler
    from schedcore.stores import parse_store_url, resolve_store_url, store_holds_events

    if not store_holds_events(parse_store_url(resolve_store_url(args.store)).url)[0]:
        return None
    app = Scheduler.open(args.store, programme=name)
    try:
        try:
            return app.programme()
        except ProgrammeRenamedError as exc:
            raise InvalidInputError(
                f"the store {args.store} holds programme {name!r} under its new name "
                f"{exc.new_name!r}: set name = {exc.new_name!r} in the programme file"
            ) from None
        except NotFoundError:
            return None
    finally:
        app.close()


def check_recorded_programme(args: argparse.Namespace, programme: ProgrammeFile) -> None:
    """Before solving for ``--apply``: a store that already holds a programme of this name must
    hold this very programme (its time zone, calendar, units, counts and targets); a programme
    file edited since it was recorded is refused, naming what differs, rather than ignored.
    The calendar compared is the store's as changed by its calendar events (see
    :func:`with_recorded_calendar`)."""
    found = _recorded_programme(args, programme.name)
    if found is None:
        return
    recorded = found.spec()
    wanted = programme.spec()
    differ = [
        what
        for what, mine, theirs in (
            ("time_zone", wanted.time_zone, recorded.time_zone),
            ("country", wanted.country, recorded.country),
            ("session_hours", wanted.session_hours, recorded.session_hours),
            ("calendar", wanted.calendar, recorded.calendar),
            ("units", _records(wanted), _records(recorded)),
            ("teams", dict(wanted.teams), dict(recorded.teams)),
            ("members", dict(wanted.members), dict(recorded.members)),
            ("delegates", dict(wanted.delegates), dict(recorded.delegates)),
            ("bridge_points", dict(wanted.bridge_points), dict(recorded.bridge_points)),
            ("targets", tuple(wanted.targets), tuple(recorded.targets)),
        )
        if mine != theirs
    ]
    if differ:
        changed = found.calendar != found.calendar_as_created
        raise InvalidInputError(
            f"the store {args.store} holds programme {programme.name!r} with another "
            f"{', '.join(differ)} than {programme.path or 'this programme'}: a recorded "
            "programme is not changed by applying a plan; give the edited programme another "
            "name, or use another store"
            + (
                " (its calendar was changed in the store since it was created: change it "
                "there with schedcore calendar, and plan from the file it was created from)"
                if changed and "calendar" in differ
                else ""
            )
        )


def _records(spec: ProgrammeSpec) -> list[dict[str, object]] | None:
    return spec.units.to_records() if spec.units is not None else None


def plan_in_force(
    args: argparse.Namespace, programme: ProgrammeFile, problem: Problem
) -> Plan | None:
    """The store's plan in force, when ``--apply`` should re-plan it rather than start afresh.

    Re-planning from the published plan means an unchanged problem records nothing, and a
    changed one moves as little as it must.  ``None`` when there is no plan yet, or when it
    covers other units than the problem (then the plan is made from scratch).
    """
    if not args.apply or args.fresh:
        return None
    try:
        return stored_plan(args.store, programme.name, problem)
    except (NotFoundError, InvalidInputError):
        return None


def stored_plan(store: str, programme: str | None, problem: Problem) -> Plan:
    """The plan in force in ``store`` for ``programme`` (``None``: the store's only one), to
    re-plan from.

    :class:`NotFoundError` when the store holds no plan yet; :class:`InvalidInputError` when the
    plan covers other units than the problem.
    """
    from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus

    records = plan_in_store(store, programme)
    clusters = tuple(
        PlannedCluster(
            id=r.id, host=r.host, members=r.members, date=r.date, trainer_team=r.trainer_team
        )
        for r in records
    )
    planned = {code for c in clusters for code in c.members}
    # a plan of what fits may have left units out, never added others
    fits = problem.place_what_fits and planned <= set(problem.codes)
    if planned != set(problem.codes) and not fits:
        raise InvalidInputError(
            f"the plan in force in {store} covers other units than this problem "
            f"(missing: {sorted(set(problem.codes) - planned)}, "
            f"unknown: {sorted(planned - set(problem.codes))})"
            + (
                "; a plan of what fits? add --place-what-fits"
                if planned < set(problem.codes)
                else ""
            )
        )
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters)


def apply_to_store(
    args: argparse.Namespace, programme: ProgrammeFile, problem: Problem, plan: Plan, out: TextIO
) -> None:
    """Record the programme (when the store does not hold it yet) and the plan."""
    from schedcore.application import Scheduler

    spec = programme.spec()
    scheduler = Scheduler.open(args.store, programme=spec.name)
    try:
        scheduler.programme()
    except NotFoundError:
        scheduler.create_programme(spec, actor=args.actor)
        print(f"created programme {spec.name!r} in {args.store}", file=out)
    capacity = {unit.code: unit.capacity for unit in problem.units}
    halls = {
        cluster.id: hall
        for cluster in plan.clusters
        if (hall := capacity.get(cluster.host)) is not None
    }
    applied = scheduler.apply_plan(
        plan.clusters,
        actor=args.actor,
        idempotency_key=args.idempotency_key,
        hall_capacity=halls or None,
        reason=f"schedcore {getattr(args, 'command', 'plan')} ({plan.status.value})",
    )
    if applied.events:
        print(
            f"applied to {args.store}: revision {applied.revision}, {applied.events} events, "
            f"{len(applied.clusters_changed)} clusters changed",
            file=out,
        )
    else:
        print(f"{args.store} already holds this plan: nothing recorded", file=out)
