"""Programme files, the one units table, names in any spelling, and the store's programme.

Each test fails if its feature is wrong: a misspelt key silently ignored, a unit found by the
wrong name, a built-in figure drifting from the reference data, a store's programme guessed.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.names import name_key
from schedcore.domain.units import Unit, UnitTable
from schedcore.errors import (
    AmbiguousProgrammeError,
    InvalidInputError,
    ReferenceDataError,
    UnknownProvinceError,
)
from schedcore.programmes import builtin_programme, load_programme_file, load_unit_table
from schedcore.programmes.problem import problem_for
from schedcore.programmes.template import write_template
from schedcore.reference import vietnam_2022
from schedcore.reference.apportion import apportion
from schedcore.reference.programme_2022 import MEMBERS_2022, TEAMS_2022


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return write_template(tmp_path / "prog")[0]


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# -- the programme file ----------------------------------------------------------------------


def test_the_template_reads_back_with_every_value_it_states(template: Path) -> None:
    programme = load_programme_file(template)
    assert programme.name == "Example programme"
    assert programme.time_zone == "UTC"
    assert (programme.calendar.start, programme.calendar.end) == (
        date(2027, 3, 1),
        date(2027, 3, 12),
    )
    assert date(2027, 3, 8) in programme.calendar.holiday_dates
    assert date(2027, 3, 8) not in programme.calendar.working_days()
    assert len(programme.units) == 9 and programme.clusters == 3
    assert programme.units["D5"].blackout == frozenset({date(2027, 3, 2)})
    assert programme.calendar.blackouts["D5"] == frozenset({date(2027, 3, 2)})
    spec = programme.spec()
    assert spec.total_teams == sum(unit.teams for unit in programme.units) == 359


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('name = "Example programme"', 'nmae = "x"', "unknown key (did you mean 'name'?)"),
        ('time_zone = "UTC"', 'time_zone = "Europe/Berln"', "did you mean Europe/Berlin"),
        ("clusters = 3 ", "clusters = 30 ", "30 clusters cannot be formed from 9 units"),
        ("clusters = 3 ", "clusters = 0 ", "must be from 1"),
        ("end = 2027-03-12", "end = 2027-02-12", "is before the start"),
        ("start = 2027-03-01", 'start = "2027-02-30"', "2027-02-30 is not a date"),
        ('table = "units.csv"', 'table = "nowhere.csv"', "is not a file"),
        ('measure = "teams_trained_in_person"', 'measure = "teams"', "'teams' is not one of"),
        ("share = 1.0", "share = 1.5", "is not a share in (0, 1]"),
        ("deadline = 2027-03-12", "deadline = 2027-01-12", "is before the window starts"),
        ("hall_margin = 1.2", "hall_margin = 0.5", "is not a margin from 1 to 10"),
        ('"Wed", "Thu", "Fri"]', '"Wed", "Thu", "Fry"]', "'Fry' is not a weekday"),
        ("[plan]", "[plans]", "unknown key (did you mean 'plan'?)"),
    ],
)
def test_each_mistake_is_one_message_naming_the_file_and_the_key(
    template: Path, old: str, new: str, expected: str
) -> None:
    edit(template, old, new)
    with pytest.raises(ReferenceDataError) as caught:
        load_programme_file(template)
    assert expected in str(caught.value)
    assert str(template) in str(caught.value)


def test_a_holiday_range_and_session_hours_are_read(template: Path) -> None:
    edit(
        template,
        '# { from = 2027-12-24, to = 2027-12-26, name = "Christmas" },',
        '{ from = 2027-03-10, to = 2027-03-11, name = "Two days off" },',
    )
    edit(template, "weekdays = [", 'session_hours = ["08:30", "12:00"]\nweekdays = [')
    programme = load_programme_file(template)
    assert {date(2027, 3, 10), date(2027, 3, 11)} <= programme.calendar.holiday_dates
    assert programme.session_hours == (time(8, 30), time(12, 0))
    assert programme.spec().session_hours == (time(8, 30), time(12, 0))


def test_halls_follow_the_margin_unless_a_row_or_the_command_says_otherwise(
    template: Path,
) -> None:
    (template.parent / "units.csv").write_text(
        "code,name,x,y,delegates,hall_seats,can_host\n"
        "A,Alpha,0,0,40,500,\n"
        "B,Beta,10,0,30,,\n"
        "C,Gamma,50,0,20,,no\n"
        "D,Delta,60,0,35,,\n",
        encoding="utf-8",
    )
    edit(template, "clusters = 3 ", "clusters = 2 ")
    edit(template, '{ date = 2027-03-08, name = "A public holiday" },', "")
    programme = load_programme_file(template)
    halls = {unit.code: unit.capacity for unit in problem_for(programme).units}
    assert halls == {"A": 500, "B": 75, "C": None, "D": 75}  # ceil(1.2 x 125 / 2) = 75
    forced = {unit.code: unit.capacity for unit in problem_for(programme, capacity=99).units}
    assert forced == {"A": 99, "B": 99, "C": None, "D": 99}


def test_the_built_in_programme_is_the_reference_data_apportioned() -> None:
    programme = builtin_programme()
    table = vietnam_2022()
    communes = {p.code: p.communes for p in table}
    teams = apportion(TEAMS_2022, communes)
    members = apportion(MEMBERS_2022, communes)
    assert programme.units.codes == table.codes
    for province in table:
        unit = programme.units[province.code]
        assert (unit.name, unit.region, unit.lat, unit.lon) == (
            province.name,
            province.region,
            province.lat,
            province.lon,
        )
        assert unit.demand == unit.communes == province.communes
        assert (unit.teams, unit.members) == (teams[province.code], members[province.code])
    assert programme.time_zone == "Asia/Ho_Chi_Minh" and programme.country == "VNM"
    assert len(programme.calendar.working_days()) == 15
    problem = problem_for(programme)
    assert {unit.capacity for unit in problem.units} == {1272}
    assert problem.bridge_capacity == 1590


# -- the units table -------------------------------------------------------------------------


def test_older_headers_and_extra_columns_are_read_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text(
        "code,name_vi,name_en,capital_lat,capital_lon,demand,capacity,population,notes\n"
        "01,Hà Nội,Ha Noi,21.0,105.8,579,1272,8000000,capital\n",
        encoding="utf-8",
    )
    unit = load_unit_table(path)["01"]
    assert (unit.name, unit.lat, unit.demand, unit.capacity) == ("Hà Nội", 21.0, 579, 1272)
    assert dict(unit.extra) == {"name_en": "Ha Noi", "population": "8000000", "notes": "capital"}
    assert load_unit_table(path).find("hanoi") == unit


def test_a_near_miss_column_is_refused_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("code,name,x,y,delegates,hall_seat\nA,Alpha,0,0,5,10\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="did you mean 'hall_seats'"):
        load_unit_table(path)


def test_two_columns_saying_the_same_thing_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("code,name,demand,delegates\nA,Alpha,5,6\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="say the same thing"):
        load_unit_table(path)


TABLE = UnitTable(
    (
        Unit("01", "Hà Nội", aliases=("Hanoi",)),
        Unit("46", "Thừa Thiên Huế", aliases=("Hue",)),
        Unit("NW", "Nordrhein-Westfalen", extra=(("name_en", "North Rhine-Westphalia"),)),
    )
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("01", "01"),
        ("1", "01"),
        ("Hà Nội", "01"),
        ("ha noi", "01"),
        ("HANOI", "01"),
        ("Thành phố Hà Nội", "01"),
        ("hue", "46"),
        ("Thua Thien-Hue", "46"),
        ("north rhine westphalia", "NW"),
        ("nordrhein westfalen", "NW"),
    ],
)
def test_a_unit_is_found_by_code_or_any_spelling(text: str, code: str) -> None:
    assert TABLE.find(text).code == code


def test_a_near_miss_names_the_nearest_unit_with_code_and_name() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        TABLE.find("Hanio")
    assert "did you mean 01 Hà Nội?" in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_find_returns_a_unit_whose_code_or_spelling_matches_or_raises(text: str) -> None:
    try:
        unit = TABLE.find(text)
    except UnknownProvinceError:
        return
    keys = {name_key(s) for s in UnitTable.spellings(unit)}
    assert (
        text.strip() == unit.code
        or text.strip().lstrip("0") == unit.code.lstrip("0")
        or name_key(text) in keys
    )


# -- the store's programme -------------------------------------------------------------------


def test_a_store_with_one_programme_needs_no_name_and_one_with_two_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_template(tmp_path / "a")[0]
    second = edit(write_template(tmp_path / "b")[0], 'name = "Example programme"', 'name = "Other"')
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    assert (
        main(["plan", "--programme-file", str(first), "--apply", "--store", store, "--quiet"]) == 0
    )
    app = Scheduler.open(store)
    try:
        assert app.programme().name == "Example programme"
        assert app.programme().time_zone == "UTC"
        assert app.programme().unit_table.find("stone bridge").code == "D5"
    finally:
        app.close()
    assert (
        main(["plan", "--programme-file", str(second), "--apply", "--store", store, "--quiet"]) == 0
    )
    capsys.readouterr()
    assert main(["report", "--store", store]) == 2
    error = capsys.readouterr().err
    assert "holds 2 programmes" in error and "'Example programme'" in error and "'Other'" in error
    assert main(["report", "--store", store, "--programme-file", str(second), "--json", "-"]) == 0
    app = Scheduler.open(store)
    try:
        with pytest.raises(AmbiguousProgrammeError):
            app.programme()
        assert app.programme_names() == ["Example programme", "Other"]
    finally:
        app.close()


def test_units_without_a_window_are_refused_rather_than_given_another_programmes_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = write_template(tmp_path / "p")[1]
    assert main(["plan", "--units", str(units), "--clusters", "3"]) == 2
    assert "give the window with --start and --end" in capsys.readouterr().err


def test_a_name_in_a_pin_is_read_through_the_units_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = write_template(tmp_path / "p")[0]
    argv = ["plan", "--programme-file", str(programme), "--no-dates", "--workers", "1"]
    assert main([*argv, "--pin", "unit=lakeside,host=Stonebridge"]) == 0
    assert main([*argv, "--pin", "unit=Lakesid,host=D5"]) == 2
    assert "did you mean D4 Lakeside?" in capsys.readouterr().err


def test_a_time_zone_must_be_an_iana_name() -> None:
    from schedcore.calendar import check_time_zone

    check_time_zone("America/Mexico_City")
    for wrong in ("+07:00", "ICT", "Asia/Hanoi ", "", "Mars/Olympus"):
        with pytest.raises(InvalidInputError, match="is not an IANA time zone"):
            check_time_zone(wrong)


def test_a_plan_of_ones_own_units_exports_with_their_names_and_no_other_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported path: plan a units CSV to JSON, then export that JSON to CSV, and apply it
    and report: the German states' names throughout, no --units or --programme again."""
    units = Path(__file__).resolve().parent.parent / "examples" / "data" / "states_example.csv"
    plan = tmp_path / "de.json"
    window = ["--clusters", "4", "--start", "2025-03-03", "--end", "2025-03-14"]
    argv = ["plan", "--units", str(units), *window, "--time-limit", "10", "--quiet"]
    assert main([*argv, "--json", str(plan)]) == 0
    capsys.readouterr()
    assert main(["export", "--plan", str(plan), "--format", "csv", "--out", "-"]) == 0
    exported = capsys.readouterr().out
    assert "Nordrhein-Westfalen" in exported and exported.count("\n") == 17  # header + 16
    store = f"sqlite:///{tmp_path / 'de.sqlite'}"
    assert main([*argv, "--apply", "--store", store]) == 0
    assert "created programme 'states_example'" in capsys.readouterr().out
    assert main(["report", "--store", store]) == 0
    assert "Baden-Württemberg" in capsys.readouterr().out


def test_a_store_keeps_its_programme_and_says_what_an_edited_file_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review findings: an edited programme file is refused by plan --apply (before solving,
    nothing written); re-planning commands ask for the programme file before reading units;
    an abbreviated option is not taken for another; history speaks the programme's time."""
    programme = write_template(tmp_path / "p")[0]
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    apply = ["--apply", "--store", store, "--quiet", "--workers", "1"]
    assert main(["plan", "--programme-file", str(programme), *apply]) == 0
    edit(programme, 'time_zone = "UTC"', 'time_zone = "Pacific/Kiritimati"')
    before = _events(store)
    capsys.readouterr()
    assert main(["plan", "--programme-file", str(programme), *apply]) == 2
    error = capsys.readouterr().err
    assert "with another time_zone than" in error and len(error.strip().splitlines()) == 1
    assert _events(store) == before
    assert main(["recommend", "--unit", "lakeside", "--store", store]) == 2
    assert "give the programme file it was planned from" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["replan", "--programme", "Example programme", "--store", store])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --programme" in capsys.readouterr().err
    edit(programme, 'time_zone = "Pacific/Kiritimati"', 'time_zone = "UTC"')
    assert main(["history", "--store", store, "--limit", "1", "--json", "-"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["recorded_at"].endswith("+00:00")  # the programme's zone: UTC


def test_a_plan_file_carries_the_programmes_time_and_its_calendar_export_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = write_template(tmp_path / "p")[0]
    edit(programme, 'time_zone = "UTC"', 'time_zone = "Pacific/Kiritimati"')
    edit(programme, "weekdays = [", 'session_hours = ["09:00", "15:00"]\nweekdays = [')
    plan = tmp_path / "plan.json"
    assert main(["plan", "--programme-file", str(programme), "--json", str(plan), "--quiet"]) == 0
    said = json.loads(plan.read_text(encoding="utf-8"))["programme"]
    assert said == {
        "name": "Example programme",
        "time_zone": "Pacific/Kiritimati",
        "country": None,
        "session_hours": ["09:00", "15:00"],
    }
    capsys.readouterr()
    assert main(["export", "--plan", str(plan), "--format", "ics", "--out", "-"]) == 0
    text = capsys.readouterr().out
    assert "X-WR-TIMEZONE:Pacific/Kiritimati" in text
    assert text.count("DTSTART;TZID=Pacific/Kiritimati:") == 3
    assert "GEO:" not in text  # the template's units lie on a plane: no latitude to give


def _events(store: str) -> int:
    app = Scheduler.open(store)
    try:
        return app.max_notification_id()
    finally:
        app.close()


# -- planning settings in the file -----------------------------------------------------------

_SETTINGS = (
    "# max_travel_km = 150                # no unit travels farther to its host (a hard rule)"
)


def _with_plan_settings(template: Path, lines: str) -> Path:
    return edit(template, _SETTINGS, lines)


def test_weights_cap_and_place_what_fits_are_read_into_the_problem(template: Path) -> None:
    _with_plan_settings(
        template,
        "max_travel_km = 150\nplace_what_fits = true\n\n"
        "[plan.weights]\nlongest_travel = 40\ntrainer_travel = 3",
    )
    programme = load_programme_file(template)
    assert programme.weights == {"longest_travel": 40, "trainer_travel": 3}
    assert programme.max_travel_km == 150
    assert programme.place_what_fits is True
    problem = problem_for(programme)
    assert (problem.weights.longest_travel, problem.weights.trainer_travel) == (40, 3)
    assert problem.weights.delegate_travel == 1  # a weight the file does not set keeps its default
    assert problem.max_travel_km == 150 and problem.place_what_fits
    # an option overrides one weight and keeps the file's others; the cap likewise
    overridden = problem_for(programme, weights={"trainer_travel": 9}, max_travel_km=500)
    assert (overridden.weights.longest_travel, overridden.weights.trainer_travel) == (40, 9)
    assert overridden.max_travel_km == 500


def test_a_file_without_settings_plans_strictly_with_the_default_weights(template: Path) -> None:
    problem = problem_for(load_programme_file(template))
    assert problem.max_travel_km is None and not problem.place_what_fits
    assert problem.weights.longest_travel == 0 and problem.weights.delegate_travel == 1


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("[plan.weights]\nlongest_travl = 4", "'plan.weights.longest_travl': unknown key (did you"),
        ("[plan.weights]\nlongest_travel = -1", "'plan.weights.longest_travel': must be from 0"),
        ("[plan.weights]\nlongest_travel = 1.5", "'plan.weights.longest_travel': 1.5 is not"),
        ('[plan.weights]\ndelegate_travel = "x"', "'plan.weights.delegate_travel': 'x' is not"),
        ("weights = 3", "'plan.weights': must be a table"),
        ("max_travel_km = -5", "'plan.max_travel_km': must be from 0"),
        ('place_what_fits = "yes"', "'plan.place_what_fits': must be true or false, not 'yes'"),
    ],
)
def test_a_wrong_planning_setting_names_the_key(template: Path, lines: str, expected: str) -> None:
    _with_plan_settings(template, lines)
    with pytest.raises(ReferenceDataError) as caught:
        load_programme_file(template)
    assert expected in str(caught.value), str(caught.value)


def test_the_plan_command_uses_the_files_weights_and_cap_and_prints_them(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_plan_settings(template, "max_travel_km = 120\n\n[plan.weights]\nlongest_travel = 7")
    arguments = ["plan", "--programme-file", str(template), "--no-dates", "--time-limit", "20"]
    assert main([*arguments, "--json", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    programme = load_programme_file(template)
    units = {unit.code: unit for unit in programme.units}
    problem = problem_for(programme)
    for cluster in document["clusters"]:
        for member in cluster["members"]:
            assert problem.distance(member, cluster["host"]) <= 120
    assert "longest_travel" in document["breakdown"]
    # the objective is the breakdown weighted by the file's weights (delegate travel x 1)
    breakdown = document["breakdown"]
    assert document["objective"] == breakdown["delegate_travel"] + 7 * breakdown["longest_travel"]
    assert units  # the file's units were planned
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert "longest_travel" in printed and "x 7" in printed  # the weight is shown beside its term
