"""A programme of four units for the CLI tests: its files, store and problem options."""

from __future__ import annotations

from pathlib import Path

UNITS = """code,name,lat,lon,demand,capacity,communes
A,Alpha,10.0,105.0,30,100,3
B,Beta,10.1,105.1,20,100,2
C,Gamma,12.0,108.0,25,100,4
D,Delta,12.1,108.2,15,100,1
"""
ROWS = """member,team,province,commune,activity,date
m1,t1,A,c1,course,2025-03-04
m2,t1,A,c1,course,2025-03-04
m3,t2,B,c2,channel,2025-03-05
"""


class Programme:
    """The files and store of the small programme, and the problem options that describe it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.units = root / "units.csv"
        self.units.write_text(UNITS, encoding="utf-8")
        self.rows = root / "rows.csv"
        self.rows.write_text(ROWS, encoding="utf-8")
        self.store = f"sqlite:///{root / 'store.sqlite'}"
        self.name = self.units.stem  # a programme planned from --units is named after the file

    def problem(self) -> list[str]:
        return [
            "--units", str(self.units), "--clusters", "2", "--start", "2025-03-03",
            "--end", "2025-03-07", "--trainer-teams", "1", "--time-limit", "20", "--workers", "1",
        ]  # fmt: skip

    def in_store(self) -> list[str]:
        return ["--store", self.store, "--programme", self.name]
