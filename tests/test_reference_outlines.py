"""Country outlines: Natural Earth's countries, shipped small, looked up by ISO alpha-3 code."""

from __future__ import annotations

from importlib import resources

from schedcore.reference.outlines import country_codes, country_outline


def bounds(iso3: str) -> tuple[float, float, float, float]:
    rings = country_outline(iso3)
    assert rings is not None
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    return min(lons), max(lons), min(lats), max(lats)


def test_vietnam_spans_its_known_extremes() -> None:
    west, east, south, north = bounds("VNM")
    # Extreme points of the mainland: about 102.14 E, 109.46 E, 8.56 N (Cà Mau), 23.39 N.
    assert 102.0 < west < 102.3 and 109.3 < east < 109.6
    assert 8.4 < south < 8.7 and 23.2 < north < 23.5


def test_vietnam_keeps_phu_quoc_island() -> None:
    rings = country_outline("VNM")
    assert rings is not None
    assert any(all(103.8 < lon < 104.2 and 9.9 < lat < 10.5 for lon, lat in ring) for ring in rings)


def test_germany_spans_its_known_extremes() -> None:
    west, east, south, north = bounds("DEU")
    assert 5.8 < west < 6.0 and 15.0 < east < 15.1
    assert 47.2 < south < 47.4 and 54.9 < north < 55.1


def test_codes_are_any_case_and_an_unknown_code_is_none() -> None:
    assert country_outline("vnm") == country_outline("VNM")
    assert country_outline("XYZ") is None
    assert country_outline("") is None


def test_every_country_of_the_world_is_there_with_closed_usable_rings() -> None:
    codes = country_codes()
    assert {"VNM", "DEU", "FRA", "NOR", "USA", "IDN", "KEN", "BRA", "LSO"} <= codes
    assert len(codes) > 230
    for code in codes:
        rings = country_outline(code)
        assert rings, code
        assert all(len(ring) >= 4 for ring in rings), code
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for r in rings for lon, lat in r)


def test_the_shipped_file_is_small_and_attributed() -> None:
    data = resources.files("schedcore.reference").joinpath("data")
    assert len(data.joinpath("country_outlines.json").read_bytes()) < 1_000_000
    sources = data.joinpath("SOURCES.md").read_text(encoding="utf-8")
    assert "Natural Earth" in sources and "public domain" in sources
