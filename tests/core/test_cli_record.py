"""``schedcore record``: prints what it recorded; one-line errors with the documented codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from tests.core.conftest import planned_programme

HEADER = "member,team,province,commune,activity,date\n"


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    return url, planned_programme(url)


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def _count(url: str, programme: str) -> int:
    app = Scheduler.open(url, programme=programme)
    try:
        return app.max_notification_id()
    finally:
        app.close()


def test_record_prints_how_many_rows_were_recorded(
    store: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, programme = store
    path = _write(
        tmp_path,
        "Nguyễn Văn An,T1,01,Ba Đình,hall,2022-09-12\n"
        "Trần Thị Bình,T1,01,Ba Đình,bridge,2022-09-12\n"
        "Lê Chi,T2,2,Hà Giang,course,2022-09-20\n",
    )
    assert main(["record", "--store", url, "--programme", programme, path]) == 0
    assert "recorded 3 rows (0 already recorded)" in capsys.readouterr().out
    assert main(["record", "--store", url, "--programme", programme, path]) == 0
    assert "recorded 0 rows (3 already recorded)" in capsys.readouterr().out


def test_a_hall_row_off_the_session_day_exits_2_naming_file_and_row_and_writes_nothing(
    store: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, programme = store
    before = _count(url, programme)
    path = _write(
        tmp_path,
        "An,T1,01,Ba Đình,hall,2022-09-12\nBình,T1,01,Ba Đình,hall,2022-09-13\n",
    )
    assert main(["record", "--store", url, "--programme", programme, path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}, row 3: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert _count(url, programme) == before


def test_an_unknown_province_code_exits_2(
    store: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, programme = store
    path = _write(tmp_path, "An,T1,99,Ba Đình,course,2022-09-20\n")
    assert main(["record", "--store", url, "--programme", programme, path]) == 2
    assert "row 2, column 'province'" in capsys.readouterr().err


def test_a_store_that_does_not_hold_the_programme_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "An,T1,01,Ba Đình,course,2022-09-20\n")
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert main(["record", "--store", url, path]) == 2
    assert "holds no programme yet" in capsys.readouterr().err
    assert not (tmp_path / "empty.sqlite").exists()


def test_a_bad_store_url_exits_6(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "An,T1,01,Ba Đình,course,2022-09-20\n")
    assert main(["record", "--store", "mongodb://x", path]) == 6
    assert capsys.readouterr().err.startswith("error: unknown store URL")
