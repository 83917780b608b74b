"""Values inside events are written with named fields and a version, and read from any older
shape: the positional lists written before named fields, a value that has since gained a field,
and never (silently) a value a newer schedcore wrote."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

import attrs
import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.receipt import AppliedPlan, Recorded, RecordedAttendance
from schedcore.domain.values import MemberBatch, Venue
from schedcore.errors import UnknownEventError
from schedcore.transcodings import (
    SAME,
    TRANSCODINGS,
    VERSION_KEY,
    Codec,
    NamedFields,
    register_transcodings,
)
from tests.core.conftest import spec_2022


def _transcoder(*extra: NamedFields) -> JSONTranscoder:
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    for transcoding in extra:
        transcoder.register(transcoding)
    return transcoder


def _read(transcoder: JSONTranscoder, name: str, data: Any) -> Any:
    document = {"value": {"_type_": name, "_data_": data}}
    return transcoder.decode(json.dumps(document).encode())["value"]


#: Each value as stores written before named fields hold it (see tests/fixtures/events_v1.json).
OLD_SHAPES: list[tuple[str, Any, object]] = [
    (
        "schedcore_holiday",
        ["2022-09-02", "National Day"],
        Holiday(date(2022, 9, 2), "National Day"),
    ),
    (
        "schedcore_calendar",
        {
            "start": "2022-09-12",
            "end": "2022-09-30",
            "weekdays": [0, 1, 2, 3, 4],
            "holidays": [["2022-09-02", "National Day"]],
            "blackouts": {"01": ["2022-09-13"]},
        },
        WorkingCalendar(
            date(2022, 9, 12),
            date(2022, 9, 30),
            holidays=[Holiday(date(2022, 9, 2), "National Day")],
            blackouts={"01": [date(2022, 9, 13)]},
        ),
    ),
    (
        "schedcore_target",
        ["members_online_course", 0.9, "2022-11-30"],
        Target(Measure.MEMBERS_ONLINE_COURSE, 0.9, date(2022, 11, 30)),
    ),
    ("schedcore_venue", ["01", "Ba Đình"], Venue("01", "Ba Đình")),
    (
        "schedcore_members",
        [["An", "Bình"], ["T1", "T2"], ["Ba Đình", "Hà Giang city"]],
        MemberBatch(("An", "Bình"), ("T1", "T2"), ("Ba Đình", "Hà Giang city")),
    ),
    ("schedcore_recorded", 3, Recorded(3)),
    ("schedcore_applied_plan", [2, 11, [1, 2]], AppliedPlan(2, 11, (1, 2))),
    ("schedcore_recorded_attendance", [10, 8, 2, 1, 3], RecordedAttendance(10, 8, 2, 1, 3)),
]


@pytest.mark.parametrize(("name", "data", "value"), OLD_SHAPES, ids=[s[0] for s in OLD_SHAPES])
def test_a_value_in_its_old_positional_shape_reads_as_the_same_value(
    name: str, data: Any, value: object
) -> None:
    decoded = _read(_transcoder(), name, data)
    assert decoded == value
    assert type(decoded) is type(value)


def test_every_value_but_a_date_is_now_written_with_its_version_and_named_fields() -> None:
    transcoder = _transcoder()
    for _, _, value in OLD_SHAPES:
        written = json.loads(transcoder.encode({"value": value}))["value"]["_data_"]
        transcoding = next(t for t in TRANSCODINGS if t.type is type(value))
        assert isinstance(transcoding, NamedFields)
        assert written == {VERSION_KEY: 1, **{f: written[f] for f in transcoding.fields}}
    assert {t.name for t in TRANSCODINGS if not isinstance(t, NamedFields)} == {"date_iso"}


def test_a_programme_created_now_stores_its_calendar_and_targets_by_name() -> None:
    app = Scheduler.open("memory://")
    app.create_programme(spec_2022(), actor="ministry")
    state = json.loads(app.recorder.select_notifications(start=None, limit=1)[0].state)
    calendar = state["calendar"]["_data_"]
    assert calendar[VERSION_KEY] == 1
    assert calendar["holidays"][0].keys() == {"day", "name"}
    target = state["targets"][0]["_data_"]
    assert target.keys() == {VERSION_KEY, "measure", "share", "deadline"}


@given(
    province=st.text(min_size=1, max_size=6),
    name=st.text(max_size=20),
    numbers=st.lists(st.integers(0, 10**6), min_size=5, max_size=5),
)
def test_old_and_new_shapes_of_a_value_read_the_same(
    province: str, name: str, numbers: list[int]
) -> None:
    transcoder = _transcoder()
    for value, old in (
        (Venue(province, name), [province, name]),
        (RecordedAttendance(*numbers), numbers),
        (AppliedPlan(numbers[0], numbers[1], tuple(numbers[2:])), [*numbers[:2], numbers[2:]]),
    ):
        new = transcoder.decode(transcoder.encode({"value": value}))["value"]
        transcoding = next(t for t in TRANSCODINGS if t.type is type(value))
        assert new == _read(transcoder, transcoding.name, old) == value


# -- a value that gained a field ---------------------------------------------------------------


@attrs.frozen
class Badge:
    """A value as a later release might have it: ``colour`` was added after ``level``."""

    holder: str
    level: int
    colour: str = "green"


class BadgeAsDict(NamedFields):
    type = Badge
    name = "test_badge"
    fields: ClassVar[Mapping[str, Codec]] = {"holder": SAME, "level": SAME, "colour": SAME}


class RankedBadge(NamedFields):
    """Version 2 of the badge: ``level`` counted from 0 before, from 1 now."""

    type = Badge
    name = "test_badge"
    version = 2
    fields: ClassVar[Mapping[str, Codec]] = {"holder": SAME, "level": SAME, "colour": SAME}

    def upcast_v1_v2(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {**fields, "level": fields["level"] + 1}


def test_a_value_that_gained_a_field_reads_old_data_with_the_fields_default() -> None:
    transcoder = _transcoder(BadgeAsDict())
    assert _read(transcoder, "test_badge", ["An", 2]) == Badge("An", 2, "green")
    assert _read(transcoder, "test_badge", {"v": 1, "holder": "An", "level": 2}) == Badge("An", 2)
    new = {"v": 1, "holder": "An", "level": 2, "colour": "red"}
    assert _read(transcoder, "test_badge", new) == Badge("An", 2, "red")
    assert json.loads(transcoder.encode({"b": Badge("An", 2, "red")}))["b"]["_data_"] == new


def test_a_value_of_an_older_version_is_upcast_step_by_step() -> None:
    transcoder = _transcoder(RankedBadge())
    assert _read(transcoder, "test_badge", ["An", 0]) == Badge("An", 1)
    assert _read(transcoder, "test_badge", {"v": 1, "holder": "An", "level": 0}) == Badge("An", 1)
    assert _read(transcoder, "test_badge", {"v": 2, "holder": "An", "level": 1}) == Badge("An", 1)


@pytest.mark.parametrize(
    "data",
    [
        {"v": 2, "province": "01", "name": "Ba Đình"},
        {"v": 1, "province": "01", "name": "Ba Đình", "room": "A"},
    ],
    ids=["newer version", "unknown field"],
)
def test_a_value_written_by_a_newer_schedcore_is_refused_naming_it(data: dict[str, Any]) -> None:
    with pytest.raises(UnknownEventError, match=r"'schedcore_venue'.*newer schedcore"):
        _read(_transcoder(), "schedcore_venue", data)


def test_a_store_holding_a_newer_value_is_refused_with_a_typed_error_not_half_read() -> None:
    app = Scheduler.open("memory://")
    app.create_programme(spec_2022(), actor="ministry")
    first = app.recorder.select_notifications(start=None, limit=1)[0]
    state = json.loads(first.state)
    state["targets"][0]["_data_"]["v"] = 9
    other = Scheduler.open("memory://")
    other.recorder.insert_events(
        [
            StoredEvent(
                originator_id=first.originator_id,
                originator_version=1,
                topic=first.topic,
                state=json.dumps(state).encode(),
            )
        ]
    )
    with pytest.raises(UnknownEventError, match=r"schedcore_target.*version 9"):
        other.programme(first.originator_id)  # its name's index entry was not copied
