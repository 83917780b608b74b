"""Issue a bearer token for the example service; prints it on standard output.

    export SCHEDCORE_SERVICE_SECRET=...          # the same secret the service runs with
    cd examples && python -m service.token --actor minh --role planner
    cd examples && python -m service.token --actor an --role province_coordinator --scope 01

Whoever holds the secret can issue any token: run this where the secret is kept.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from service.auth import ROLES, SECRET_ENV, ConfigurationError, issue_token, service_secret


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m service.token",
        description=f"Print a bearer token for the example service, signed with ${SECRET_ENV}.",
    )
    parser.add_argument("--actor", required=True, help="who calls: recorded on every event")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument(
        "--scope", help="the cluster number (cluster coordinator) or province code (province one)"
    )
    parser.add_argument("--hours", type=float, default=12.0, help="validity (default 12)")
    args = parser.parse_args(argv)
    try:
        secret = service_secret()
        token = issue_token(
            secret, actor=args.actor, role=args.role, scope=args.scope, hours=args.hours
        )
    except (ConfigurationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
