"""``schedcore init DIR``: a programme file and a units table that plan as they are.

The template is the documentation a planner reads first, so every key carries a comment; the
units are nine made-up districts on a 200 km square (planar ``x``/``y`` in km), small enough to
solve in a second and large enough to show clusters, hosts, dates and trainer teams.
"""

from __future__ import annotations

from pathlib import Path

from schedcore.errors import InvalidInputError

__all__ = ["PROGRAMME_TEMPLATE", "UNITS_TEMPLATE", "write_template"]

PROGRAMME_TEMPLATE = """\
# A schedcore programme file.  Plan it with:
#     schedcore plan --programme-file programme.toml
# and record the plan (and, later, attendance) with --apply --store sqlite:///programme.sqlite.
# Dates are TOML dates (YYYY-MM-DD, no quotes).  Reference: docs/reference/programme-file.md.

[programme]
name = "Example programme"           # the name events are recorded under
time_zone = "UTC"                    # IANA name: "Europe/Berlin", "Africa/Nairobi", ...
# country = "DEU"                    # ISO 3166-1 alpha-3: the map draws the country's outline
notes = "Made by schedcore init: replace the units and the dates with your own."

[calendar]
start = 2027-03-01                   # first and last day sessions may be held
end = 2027-03-12
weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
holidays = [                         # days off for everyone
  { date = 2027-03-08, name = "A public holiday" },
  # { from = 2027-12-24, to = 2027-12-26, name = "Christmas" },
]

[units]
table = "units.csv"                  # relative to this file; columns: docs/how-to/own-programme.md
# distances = "distances.csv"        # a square matrix (km or minutes) instead of coordinates

[plan]
clusters = 3                         # sessions, each in one unit's hall
trainer_teams = 2                    # teams of trainers; each runs one session a day at most
hall_margin = 1.2                    # halls hold 1.2 x an average cluster (or: hall_seats = 120)
# daily_bridge_capacity = 200        # bridge points connected a day (or: bridge_margin = 1.5)
travel_day_km = 300                  # a trainer team rests a day before a longer hop
# min_size = 1                       # units per cluster
# max_size = 5
# objective = "person-km"            # or "distance"
# max_travel_km = 150                # no unit travels farther to its host (a hard rule)
# place_what_fits = true             # over-full? plan what fits and list what does not

# [plan.weights]                     # the objective's terms, whole numbers (docs: programme-file)
# delegate_travel = 1                # person-km (or km) from each unit to its host
# longest_travel = 100               # the farthest one unit travels: fairer to the farthest
# team_load_spread = 0               # busiest minus least busy trainer team

[[targets]]
measure = "teams_trained_in_person"  # or members_following_channel, members_online_course
share = 1.0                          # 100% of teams
deadline = 2027-03-12
"""

UNITS_TEMPLATE = """\
code,name,x,y,delegates,teams,members,communes,region,blackout
D1,Northbrook,20,180,40,40,180,40,North,
D2,Eastfield,180,170,35,35,160,35,North,
D3,Millford,100,190,30,30,140,30,North,
D4,Lakeside,30,100,45,45,200,45,Centre,
D5,Stonebridge,100,100,60,60,270,60,Centre,2027-03-02
D6,Riverton,170,90,38,38,170,38,Centre,
D7,Southgate,20,20,33,33,150,33,South,
D8,Harbourview,110,10,50,50,230,50,South,
D9,Greenhill,190,30,28,28,130,28,South,
"""


def write_template(folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write ``programme.toml`` and ``units.csv`` into ``folder`` (created if missing).

    Existing files are kept unless ``overwrite``: :class:`InvalidInputError` names them.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise InvalidInputError(f"{target} is a file, not a folder")
    files = {target / "programme.toml": PROGRAMME_TEMPLATE, target / "units.csv": UNITS_TEMPLATE}
    existing = [str(path) for path in files if path.exists()]
    if existing and not overwrite:
        raise InvalidInputError(
            f"{', '.join(existing)} already exist: choose another folder or pass --force"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot write into {target}: {exc.strerror}") from None
    return list(files)
