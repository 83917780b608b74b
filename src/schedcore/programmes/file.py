"""A programme file: one TOML file that says everything about a programme.

The built-in 2022 programme is such a file shipped in the package
(``schedcore/programmes/data/vietnam_2022/programme.toml``); ``schedcore init DIR`` writes a
commented template.  The format, section by section (``docs/reference/programme-file.md``):

``[programme]`` ``name``, ``time_zone`` (IANA, e.g. ``Europe/Berlin``), optional ``country``
(ISO 3166-1 alpha-3, for the map's outline) and ``notes``.
``[calendar]`` ``start``, ``end``, optional ``weekdays`` (default Monday to Friday) and
``holidays`` (``{ date = ..., name = ... }`` or ``{ from = ..., to = ..., name = ... }``).
``[units]`` ``table`` (the units CSV, relative to this file) and optional ``distances``.
``[plan]`` ``clusters``, optional ``trainer_teams``, ``hall_seats`` or ``hall_margin``,
``daily_bridge_capacity`` or ``bridge_margin``, ``travel_day_km``, ``min_size``, ``max_size``,
``objective``, ``max_travel_km``, ``place_what_fits``.
``[plan.weights]`` the objective's weights by term name (``delegate_travel = 1``, ...).
``[[targets]]`` ``measure``, ``share``, ``deadline``.

Every mistake is a :class:`~schedcore.errors.ReferenceDataError` naming the file and the key; a
misspelt key is refused with the nearest known one, never ignored.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import attrs

from schedcore.calendar import Holiday, WorkingCalendar, check_time_zone
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.domain.rules import MAX_COUNT
from schedcore.domain.units import UnitTable
from schedcore.errors import ReferenceDataError, SchedcoreError

__all__ = ["ProgrammeFile", "load_programme_file"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OBJECTIVES = ("person-km", "distance")
_SECTIONS: dict[str, tuple[str, ...]] = {
    "programme": ("name", "time_zone", "country", "notes"),
    "calendar": ("start", "end", "weekdays", "holidays", "session_hours"),
    "units": ("table", "distances"),
    "plan": (
        "clusters",
        "trainer_teams",
        "hall_seats",
        "hall_margin",
        "daily_bridge_capacity",
        "bridge_margin",
        "travel_day_km",
        "min_size",
        "max_size",
        "objective",
        "max_travel_km",
        "place_what_fits",
        "weights",
    ),
    "targets": ("measure", "share", "deadline"),
}


@attrs.frozen
class ProgrammeFile:
    """Everything a programme file says, checked: the programme and how to plan it.

    ``hall_seats`` is the hall of a unit whose table row gives none; when it is ``None`` the
    planner sizes halls at ``hall_margin`` x the average cluster load.  Likewise
    ``daily_bridge_capacity`` and ``bridge_margin`` for the bridge points connected a day.
    """

    name: str
    time_zone: str
    calendar: WorkingCalendar
    units: UnitTable
    clusters: int
    targets: tuple[Target, ...] = ()
    country: str | None = None
    notes: str = ""
    trainer_teams: int = 2
    hall_seats: int | None = None
    hall_margin: float = 1.2
    daily_bridge_capacity: int | None = None
    bridge_margin: float = 1.5
    travel_day_km: int = 300
    min_size: int = 1
    max_size: int | None = None
    objective: str = "person-km"
    #: The objective's weights the file sets, by term name (the others keep their defaults).
    weights: Mapping[str, int] = attrs.field(factory=dict)
    #: The farthest a unit may travel to its host, in the distances' unit (``None``: no cap).
    max_travel_km: int | None = None
    #: Plan what fits and list what does not, instead of refusing an over-full programme.
    place_what_fits: bool = False
    distances: tuple[tuple[int, ...], ...] | None = None
    #: Local start and end of every session (``None``: sessions are whole days).
    session_hours: tuple[time, time] | None = None
    #: Units that may host but whose table row gives no seats: their halls are ``hall_seats``,
    #: else sized by ``hall_margin`` when the problem is built.
    open_halls: frozenset[str] = frozenset()
    #: Where the file was read from (for messages); ``None`` for a programme built in code.
    path: str | None = None

    def spec(self) -> ProgrammeSpec:
        """The programme as the event store records it."""
        units = self.units
        return ProgrammeSpec(
            name=self.name,
            calendar=self.calendar,
            clusters=self.clusters,
            teams={u.code: u.teams for u in units if u.teams},
            members={u.code: u.members for u in units if u.members},
            delegates={u.code: u.demand for u in units},
            bridge_points={u.code: u.communes for u in units},
            targets=self.targets,
            notes=self.notes,
            daily_bridge_capacity=self.daily_bridge_capacity,
            time_zone=self.time_zone,
            units=units,
            country=self.country,
            session_hours=self.session_hours,
        )


def load_programme_file(path: str | Path) -> ProgrammeFile:
    """Read and check a programme file (see the module docstring for the format)."""
    file = Path(path)
    display = str(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ReferenceDataError(
            f"cannot read the programme file: {exc.strerror}", path=display
        ) from None
    try:
        document = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReferenceDataError("not valid UTF-8; save the file as UTF-8", path=display) from None
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"not valid TOML: {exc}", path=display) from None
    return _Reader(display, file.parent).read(document)


class _Reader:
    def __init__(self, display: str, folder: Path) -> None:
        self.display = display
        self.folder = folder

    def error(self, key: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(message, path=self.display, column=key)

    def read(self, document: Mapping[str, Any]) -> ProgrammeFile:
        self._check_keys(document, "", tuple(_SECTIONS))
        programme = self._section(document, "programme")
        calendar_section = self._section(document, "calendar")
        units_section = self._section(document, "units")
        plan = self._section(document, "plan")
        name = self._text(programme, "programme.name")
        time_zone = self._text(programme, "programme.time_zone")
        try:
            check_time_zone(time_zone)
        except SchedcoreError as exc:
            raise self.error("programme.time_zone", str(exc)) from None
        country = programme.get("country")
        if country is not None and (
            not isinstance(country, str) or len(country) != 3 or not country.isalpha()
        ):
            raise self.error(
                "programme.country", f"{country!r} is not an ISO 3166-1 alpha-3 code (e.g. DEU)"
            )
        units, open_halls = self._units(units_section)
        calendar = self._calendar(calendar_section, units)
        clusters = self._whole(plan, "plan.clusters", minimum=1)
        if clusters is None:
            raise self.error("plan.clusters", "is missing: how many clusters to form")
        if clusters > len(units):
            raise self.error(
                "plan.clusters",
                f"{clusters} clusters cannot be formed from {len(units)} units: every cluster "
                "needs at least one",
            )
        distances = None
        if "distances" in units_section:
            from schedcore.programmes.units_csv import load_distances

            distances = tuple(
                tuple(row)
                for row in load_distances(
                    self._path(units_section, "units.distances"), list(units.codes)
                )
            )
        min_size = self._whole(plan, "plan.min_size", minimum=1) or 1
        max_size = self._whole(plan, "plan.max_size", minimum=1)
        if max_size is not None and max_size < min_size:
            raise self.error("plan.max_size", f"{max_size} is smaller than min_size {min_size}")
        objective = plan.get("objective", "person-km")
        if objective not in _OBJECTIVES:
            raise self.error("plan.objective", f"{objective!r} is not one of {_OBJECTIVES}")
        try:
            return ProgrammeFile(
                name=name,
                time_zone=time_zone,
                calendar=calendar,
                units=units,
                clusters=clusters,
                targets=self._targets(document.get("targets", []), calendar),
                country=country.upper() if country else None,
                notes=str(programme.get("notes", "")),
                trainer_teams=self._whole(plan, "plan.trainer_teams", minimum=1) or 2,
                hall_seats=self._whole(plan, "plan.hall_seats", minimum=1),
                hall_margin=self._margin(plan, "plan.hall_margin", 1.2),
                daily_bridge_capacity=self._whole(plan, "plan.daily_bridge_capacity", minimum=1),
                bridge_margin=self._margin(plan, "plan.bridge_margin", 1.5),
                travel_day_km=_or(self._whole(plan, "plan.travel_day_km", minimum=0), 300),
                min_size=min_size,
                max_size=max_size,
                objective=objective,
                weights=self._weights(plan),
                max_travel_km=self._whole(plan, "plan.max_travel_km", minimum=0),
                place_what_fits=self._flag(plan, "plan.place_what_fits"),
                distances=distances,
                open_halls=open_halls,
                session_hours=self._hours(calendar_section),
                path=self.display,
            )
        except ReferenceDataError:
            raise
        except SchedcoreError as exc:
            raise ReferenceDataError(str(exc), path=self.display) from None

    # -- sections ----------------------------------------------------------------------------

    def _check_keys(self, table: Mapping[str, Any], prefix: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(known)})"
                raise self.error(f"{prefix}{key}", f"unknown key{hint}")

    def _section(self, document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        section = document.get(name)
        if not isinstance(section, dict):
            raise self.error(
                f"[{name}]", "the section is missing" if section is None else "is not a table"
            )
        self._check_keys(section, f"{name}.", _SECTIONS[name])
        return section

    def _path(self, section: Mapping[str, Any], key: str) -> Path:
        value = section.get(key.split(".")[-1])
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "needs a file name (relative to the programme file)")
        return (self.folder / value).resolve()

    def _units(self, section: Mapping[str, Any]) -> tuple[UnitTable, frozenset[str]]:
        from schedcore.programmes.units_csv import read_unit_table

        path = self._path(section, "units.table")
        if not path.is_file():
            raise self.error("units.table", f"{path} is not a file")
        return read_unit_table(path, name=str(path))

    def _calendar(self, section: Mapping[str, Any], units: UnitTable) -> WorkingCalendar:
        start = self._date(section, "calendar.start")
        end = self._date(section, "calendar.end")
        if end < start:
            raise self.error("calendar.end", f"{end} is before the start {start}")
        weekdays = section.get("weekdays", list(_WEEKDAYS[:5]))
        if not isinstance(weekdays, list) or not weekdays:
            raise self.error("calendar.weekdays", 'must be a list such as ["Mon", "Tue"]')
        numbers = []
        for day in weekdays:
            text = str(day).strip().lower()[:3]
            if text not in _WEEKDAYS:
                raise self.error("calendar.weekdays", f"{day!r} is not a weekday (Mon..Sun)")
            numbers.append(_WEEKDAYS.index(text))
        holidays = self._holidays(section.get("holidays", []))
        blackouts = {unit.code: unit.blackout for unit in units if unit.blackout}
        return WorkingCalendar(start, end, weekdays=numbers, holidays=holidays, blackouts=blackouts)

    def _holidays(self, entries: Any) -> list[Holiday]:
        key = "calendar.holidays"
        if not isinstance(entries, list):
            raise self.error(key, "must be a list of { date = ..., name = ... }")
        holidays: list[Holiday] = []
        for number, entry in enumerate(entries, start=1):
            where = f"{key}[{number}]"
            if not isinstance(entry, dict):
                raise self.error(where, "must be { date = ..., name = ... }")
            self._check_keys(entry, f"{where}.", ("date", "from", "to", "name"))
            name = self._text(entry, f"{where}.name")
            if "date" in entry:
                holidays.append(Holiday(self._date(entry, f"{where}.date"), name))
                continue
            first = self._date(entry, f"{where}.from")
            last = self._date(entry, f"{where}.to")
            if last < first:
                raise self.error(f"{where}.to", f"{last} is before {first}")
            days = (last - first).days + 1
            holidays.extend(Holiday(first + timedelta(days=i), name) for i in range(days))
        return holidays

    def _targets(self, entries: Any, calendar: WorkingCalendar) -> tuple[Target, ...]:
        if not isinstance(entries, list):
            raise self.error("targets", "must be a list of [[targets]] tables")
        targets = []
        for number, entry in enumerate(entries, start=1):
            where = f"targets[{number}]"
            if not isinstance(entry, dict):
                raise self.error(where, "must be a table")
            self._check_keys(entry, f"{where}.", _SECTIONS["targets"])
            measure = self._text(entry, f"{where}.measure")
            if measure not in {m.value for m in Measure}:
                known = ", ".join(m.value for m in Measure)
                raise self.error(f"{where}.measure", f"{measure!r} is not one of {known}")
            share = entry.get("share", 1.0)
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
                raise self.error(f"{where}.share", f"{share!r} is not a share in (0, 1]")
            deadline = self._date(entry, f"{where}.deadline")
            if deadline < calendar.start:
                raise self.error(
                    f"{where}.deadline",
                    f"{deadline} is before the window starts ({calendar.start})",
                )
            targets.append(Target(Measure(measure), float(share), deadline))
        if len({t.measure for t in targets}) != len(targets):
            raise self.error("targets", "a measure has more than one target")
        return tuple(targets)

    # -- values ------------------------------------------------------------------------------

    def _hours(self, section: Mapping[str, Any]) -> tuple[time, time] | None:
        key = "calendar.session_hours"
        value = section.get("session_hours")
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(key, 'must be two times, e.g. ["08:00", "17:00"]')
        hours = []
        for item in value:
            if isinstance(item, time):
                hours.append(item)
                continue
            try:
                hours.append(time.fromisoformat(str(item).strip()))
            except ValueError:
                raise self.error(key, f"{item!r} is not a time (HH:MM)") from None
        if not hours[0] < hours[1]:
            raise self.error(key, f"the sessions end ({hours[1]}) before they start ({hours[0]})")
        return hours[0], hours[1]

    def _weights(self, plan: Mapping[str, Any]) -> dict[str, int]:
        """``[plan.weights]``: whole numbers by term name, checked as the planner checks them."""
        from schedcore.planning.problem import Weights

        table = plan.get("weights", {})
        if not isinstance(table, Mapping):
            raise self.error("plan.weights", "must be a table of term = weight")
        self._check_keys(table, "plan.weights.", tuple(attrs.fields_dict(Weights)))
        weights = {name: self._whole(table, f"plan.weights.{name}", minimum=0) for name in table}
        chosen = {name: value for name, value in weights.items() if value is not None}
        try:
            Weights(**chosen)
        except SchedcoreError as exc:
            raise self.error("plan.weights", str(exc)) from None
        return chosen

    def _flag(self, table: Mapping[str, Any], key: str) -> bool:
        value = table.get(key.rpartition(".")[2], False)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {value!r}")
        return value

    def _text(self, table: Mapping[str, Any], key: str) -> str:
        value = table.get(key.split(".")[-1])
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "is missing" if value is None else f"{value!r} is not text")
        return value.strip()

    def _date(self, table: Mapping[str, Any], key: str) -> date:
        value = table.get(key.split(".")[-1])
        if isinstance(value, datetime):
            raise self.error(key, f"{value} is a moment: give a date (YYYY-MM-DD)")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise self.error(key, f"{value} is not a date (YYYY-MM-DD)") from None
        raise self.error(key, "is missing" if value is None else f"{value!r} is not a date")

    def _whole(self, table: Mapping[str, Any], key: str, *, minimum: int) -> int | None:
        value = table.get(key.split(".")[-1])
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"{value!r} is not a whole number")
        if not minimum <= value <= MAX_COUNT:
            raise self.error(key, f"must be from {minimum} to {MAX_COUNT:,}, not {value}")
        return value

    def _margin(self, table: Mapping[str, Any], key: str, default: float) -> float:
        value = table.get(key.split(".")[-1], default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 1 <= value <= 10
        ):
            raise self.error(key, f"{value!r} is not a margin from 1 to 10 (1.2 = 20% spare seats)")
        return float(value)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value
