"""Record a realistic national attendance set in bulk and report coverage against the targets.

The built-in 2022 programme has 46,105 teams and 212,761 members in 10,599 communes of 63
provinces.  This example makes one member record per person (made-up identifiers, no personal
data), records, for each member:

* the in-person session on the cluster's day: the province's delegates in the hall, most
  others at their commune's bridge point (a few miss it);
* following the official channel (most, during September);
* completing the online course (many, by the end of November);

then catches the projections up and prints coverage by region and the national totals against
the programme's targets.  The event store is ``--out``/national.sqlite (default ``out/``,
replaced on each run); ``coverage.png`` is drawn beside it.

    python examples/national_attendance.py --plan out/plan_2022/plan.json
    python examples/national_attendance.py --plan PLAN.json --scale 0.01   # 1% of the people
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

from schedcore import (
    Activity,
    AttendanceRow,
    ProgrammeSpec,
    SchedcoreError,
    Scheduler,
    coverage_bars,
    programme_2022,
    read_plan_json,
    vietnam_2022,
)
from schedcore.exports import save_png

#: Shares of members doing each activity (made up, plausible for a mobilised youth programme).
BRIDGE_SHARE = 0.93
CHANNEL_SHARE = 0.96
COURSE_SHARE = 0.88


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plan", required=True, metavar="PLAN.json", help="the plan (plan_2022.py writes one)"
    )
    parser.add_argument("--out", default="out", help="directory for the store and the picture")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the people to generate (default all)"
    )
    parser.add_argument("--seed", type=int, default=2022, help="random seed")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "national.sqlite"
    for stale in out.glob("national.sqlite*"):
        stale.unlink()

    spec = programme_2022()
    app = Scheduler.open(f"sqlite:///{store}")
    try:
        actor = "example:national"
        app.create_programme(spec, actor=actor)
        applied = app.apply_plan(read_plan_json(args.plan), actor=actor)
        print(f"plan applied: {applied}")
        days = {p: app.session(c.number).day for c in app.clusters() for p in c.members}

        started = time.perf_counter()
        rows = list(generate_rows(spec, days, scale=args.scale, seed=args.seed))
        people = len({(r.province, r.member) for r in rows})
        print(
            f"generated {len(rows):,} rows for {people:,} members "
            f"in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        result = app.record_attendance(rows, actor=actor, batch_size=20_000)
        seconds = time.perf_counter() - started
        print(
            f"recorded {result.recorded:,} rows in {result.batches} batches "
            f"({result.events:,} events) in {seconds:.1f} s, "
            f"{result.recorded / seconds:,.0f} rows/s"
        )
        report_coverage(app, spec, out)
    finally:
        app.close()
    return 0


def generate_rows(
    spec: ProgrammeSpec, days: Mapping[str, date], *, scale: float, seed: int
) -> Iterator[AttendanceRow]:
    """Members spread over teams, teams over communes; each member's activities drawn at random."""
    rng = random.Random(seed)
    end = max(t.deadline for t in spec.targets)
    for province in sorted(spec.members):
        members = max(1, round(spec.members[province] * scale))
        teams = max(1, min(members, round(spec.teams[province] * scale)))
        communes = max(1, min(teams, round(spec.bridge_points[province] * scale)))
        hall_seats = spec.delegates.get(province, 0)
        session_day = days.get(province)
        for number in range(members):
            team_number = number % teams
            member = f"{province}-M{number:06d}"
            team = f"{province}-T{team_number:05d}"
            commune = f"{province}-C{team_number % communes:04d}"

            def row(activity: Activity, day: date) -> AttendanceRow:
                return AttendanceRow(member, team, province, commune, activity, day)  # noqa: B023

            if session_day is not None:
                if number < hall_seats:
                    yield row(Activity.HALL, session_day)
                elif rng.random() < BRIDGE_SHARE:
                    yield row(Activity.BRIDGE, session_day)
            if rng.random() < CHANNEL_SHARE:
                yield row(Activity.CHANNEL, spec.start + timedelta(days=rng.randrange(18)))
            if rng.random() < COURSE_SHARE:
                span = (end - spec.start).days
                yield row(Activity.COURSE, spec.start + timedelta(days=rng.randrange(span)))


def report_coverage(app: Scheduler, spec: ProgrammeSpec, out: Path) -> None:
    """Coverage by region and nationally, from the projections, against the targets."""
    from schedcore.projections import Grouping, ProjectionRunner

    started = time.perf_counter()
    with ProjectionRunner(app) as runner:
        caught = runner.catch_up()
        views = runner.views(today=max(t.deadline for t in spec.targets))
        print(f"projections caught up in {time.perf_counter() - started:.1f} s ({caught})")
        print(
            "targets: "
            + "; ".join(f"{t.measure} {t.share:.0%} by {t.deadline}" for t in spec.targets)
        )
        print(f"{'':<28} {'teams trained':>15} {'channel':>9} {'course':>9}")
        regions = views.coverage(Grouping.REGION)
        country = views.coverage(Grouping.COUNTRY)
        for row in [*regions, *country]:
            name = "whole country" if row.grouping is Grouping.COUNTRY else row.name
            teams = row.teams_expected or 0
            members = row.members_expected or 0
            channel = _share(row.members_channel, members)
            course = _share(row.members_course, members)
            print(
                f"{name[:28]:<28} {row.teams_trained:>7,} {_share(row.teams_trained, teams)} "
                f"{channel:>9} {course:>9}"
            )
        provinces = views.coverage(Grouping.PROVINCE)
    figure = coverage_bars(provinces, units=vietnam_2022(), targets=spec.targets)
    print(f"wrote {save_png(figure, out / 'coverage.png')}")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:7.1%}" if whole else "      -"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SchedcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
