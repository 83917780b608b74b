"""``schedcore plan``: plan a programme (the built-in 2022 one by default)."""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import add_json_option, add_store_option
from schedcore.reference import programme_2022, vietnam_2022

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan", help="plan the programme", description=__doc__
    )
    add_store_option(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    table = vietnam_2022()
    programme = programme_2022(table)
    days = programme.calendar.working_days()
    print(programme.name)
    print(
        f"  window {programme.start} to {programme.end}: {len(days)} working days, "
        f"{programme.clusters} clusters"
    )
    print(
        f"  {len(table)} provinces in {len(table.regions)} regions, "
        f"{programme.total_bridge_points:,} communes, {programme.total_teams:,} teams, "
        f"{programme.total_members:,} members"
    )
    for region in table.regions:
        members = table.in_region(region)
        print(
            f"  {region}: {len(members)} provinces, {sum(p.communes for p in members):,} communes"
        )
    return 0
