"""The iCalendar export: one all-day event per session, and UIDs that let a re-export update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import icalendar
import pytest

from schedcore.errors import InvalidInputError
from schedcore.exports import Unit, plan_to_ics, session_uid, write_plan_ics
from tests.exports.plans import FakeCluster, plausible_2022_plan

PROGRAMME = "Community Digital Technology Teams training, September 2022"
STAMP = dt.datetime(2022, 9, 5, 8, 0, tzinfo=dt.UTC)


def events(data: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return [component for component in calendar.walk("VEVENT")]


def export(
    clusters: Sequence[FakeCluster],
    *,
    stamp: dt.datetime = STAMP,
    sequence: int = 0,
    units: Mapping[str, Unit] | None = None,
) -> bytes:
    return plan_to_ics(clusters, programme=PROGRAMME, stamp=stamp, sequence=sequence, units=units)


def test_the_file_parses_back_with_one_event_per_dated_cluster() -> None:
    plan = plausible_2022_plan()
    assert len(events(export(plan))) == len(plan) == 10


def test_clusters_without_a_date_have_no_event() -> None:
    plan = list(plausible_2022_plan())
    plan[0] = FakeCluster(plan[0].id, plan[0].host, plan[0].members)
    assert len(events(export(plan))) == 9


def test_a_plan_without_any_date_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no cluster of the plan has a date"):
        export(plausible_2022_plan(dated=False))


def test_the_calendar_names_its_producer_and_version() -> None:
    calendar = icalendar.Calendar.from_ical(export(plausible_2022_plan()))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//schedcore//")


def test_an_event_is_all_day_on_the_session_date() -> None:
    cluster = FakeCluster(4, "46", ("46", "48"), dt.date(2022, 9, 21), "Team South")
    (event,) = events(export([cluster]))
    assert event.decoded("DTSTART") == dt.date(2022, 9, 21)
    assert event.decoded("DTEND") == dt.date(2022, 9, 22)
    assert event.decoded("DTSTAMP") == STAMP


def test_an_event_names_cluster_host_venue_and_member_provinces() -> None:
    cluster = FakeCluster(4, "46", ("46", "48"), dt.date(2022, 9, 21), "Team South")
    (event,) = events(export([cluster]))
    assert str(event["SUMMARY"]) == "Cluster 4 training, hosted by Thừa Thiên Huế"
    assert str(event["LOCATION"]) == "Thành phố Huế, Thừa Thiên Huế"
    description = str(event["DESCRIPTION"])
    assert "Đà Nẵng (48)" in description
    assert "Trainer team: Team South" in description


def test_uids_are_the_same_in_two_exports_of_the_same_plan() -> None:
    plan = plausible_2022_plan()
    later = STAMP + dt.timedelta(days=3)
    first = [str(e["UID"]) for e in events(export(plan))]
    second = [str(e["UID"]) for e in events(export(plan, stamp=later))]
    assert first == second


def test_uids_differ_between_clusters() -> None:
    uids = [str(e["UID"]) for e in events(export(plausible_2022_plan()))]
    assert len(set(uids)) == len(uids)


def test_a_moved_session_keeps_its_uid_so_calendar_apps_update_it() -> None:
    before = FakeCluster(1, "01", ("01",), dt.date(2022, 9, 12))
    after = FakeCluster(1, "01", ("01",), dt.date(2022, 9, 14))
    (old,) = events(export([before]))
    (new,) = events(export([after], sequence=1))
    assert str(old["UID"]) == str(new["UID"]) == session_uid(PROGRAMME, 1)
    assert (old.decoded("SEQUENCE"), new.decoded("SEQUENCE")) == (0, 1)


def test_another_programme_gets_other_uids() -> None:
    assert session_uid(PROGRAMME, 1) != session_uid("Another programme", 1)


def test_uid_name_seeds_the_uids_and_the_programme_name_only_labels() -> None:
    cluster = FakeCluster(1, "01", ("01",), dt.date(2022, 9, 12))
    stamp = dt.datetime(2022, 9, 1, tzinfo=dt.UTC)
    renamed = plan_to_ics([cluster], programme="New title", uid_name=PROGRAMME, stamp=stamp)
    (event,) = events(renamed)
    assert str(event["UID"]) == session_uid(PROGRAMME, 1)
    assert "New title" in str(event["DESCRIPTION"])
    (plain,) = events(plan_to_ics([cluster], programme="New title", stamp=stamp))
    assert str(plain["UID"]) == session_uid("New title", 1)  # no uid_name: the name seeds


@pytest.mark.parametrize("seed", ["", "  ", 7])
def test_a_blank_uid_name_is_refused(seed: object) -> None:
    cluster = FakeCluster(1, "01", ("01",), dt.date(2022, 9, 12))
    with pytest.raises(InvalidInputError, match="UIDs derive from"):
        plan_to_ics([cluster], programme=PROGRAMME, uid_name=seed)  # type: ignore[arg-type]


def test_a_unit_of_ones_own_gives_its_venue_and_coordinates() -> None:
    units = {"H": Unit("H", "Harbour", lat=10.5, lon=106.5, venue="Town hall, Harbour")}
    (event,) = events(export([FakeCluster(1, "H", ("H",), dt.date(2023, 3, 1))], units=units))
    assert str(event["LOCATION"]) == "Town hall, Harbour"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (10.5, 106.5)


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no time zone"):
        export(plausible_2022_plan(), stamp=dt.datetime(2022, 9, 5, 8, 0))


def test_a_negative_sequence_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="sequence"):
        export(plausible_2022_plan(), sequence=-1)


def test_a_refused_export_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        write_plan_ics(plausible_2022_plan(dated=False), tmp_path / "plan.ics", programme="P")
    assert list(tmp_path.iterdir()) == []


def test_the_written_file_uses_crlf_line_endings(tmp_path: Path) -> None:
    path = write_plan_ics(plausible_2022_plan(), tmp_path / "plan.ics", programme=PROGRAMME)
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
