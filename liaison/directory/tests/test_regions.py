"""The UN M49 regions: every country of the reference data lies in exactly one sub-region (but
the documented exceptions), and a macro-region holds exactly its sub-regions' countries."""

from __future__ import annotations

from collections import Counter

import pycountry
import pytest

from liaison.directory import regions
from liaison.directory.models import Country


def test_there_are_five_macro_regions_each_with_its_sub_regions():
    macros = regions.macro_regions()
    assert [r.key for r in macros] == ["africa", "americas", "asia", "europe", "oceania"]
    assert len(regions.sub_regions()) == 22
    for macro in macros:
        subs = regions.sub_regions(macro)
        assert subs and all(sub.parent == macro.key for sub in subs)
        assert macro.codes == frozenset().union(*(sub.codes for sub in subs))
    # the sub-regions of one macro-region share no country
    for macro in macros:
        assert sum(len(s.codes) for s in regions.sub_regions(macro)) == len(macro.codes)


def test_every_region_has_a_unique_key_and_m49_code_and_three_names():
    found = list(regions.regions().values())
    assert len({r.key for r in found}) == len(found)
    assert len({r.m49 for r in found}) == len(found)
    for r in found:
        assert len(r.m49) == 3 and r.m49.isdigit()
        assert r.name_en and r.name_vi and r.name_ar, r.key


@pytest.mark.django_db
def test_every_loaded_country_lies_in_exactly_one_sub_region_but_the_documented_exceptions():
    loaded = set(Country.objects.values_list("code", flat=True))
    assert len(loaded) == len(pycountry.countries)  # the reference data the migrations load
    counts = Counter(code for sub in regions.sub_regions() for code in sub.codes)
    assert [code for code, n in counts.items() if n > 1] == []
    assert set(regions.unplaced()) == {"AQ"}  # Antarctica: in no M49 region
    assert loaded - set(counts) == set(regions.unplaced())
    assert set(counts) - loaded == set()  # and no code outside ISO 3166-1
    assert not set(regions.unplaced()) & set(counts)


def test_the_m49_sizes_and_some_placements():
    sizes = {r.key: len(r.codes) for r in regions.macro_regions()}
    # M49 counts Taiwan with China; here it is its own row in Eastern Asia (50 + 1)
    assert sizes == {"africa": 60, "americas": 57, "asia": 51, "europe": 51, "oceania": 29}
    placed = {
        "VN": "south_eastern_asia",
        "TL": "south_eastern_asia",
        "CN": "eastern_asia",
        "TW": "eastern_asia",
        "IR": "southern_asia",
        "CY": "western_asia",
        "GE": "western_asia",
        "TR": "western_asia",
        "PS": "western_asia",
        "EG": "northern_africa",
        "SD": "northern_africa",
        "SS": "eastern_africa",
        "CM": "middle_africa",
        "ZA": "southern_africa",
        "MR": "western_africa",
        "MX": "central_america",
        "CU": "caribbean",
        "US": "northern_america",
        "FR": "western_europe",
        "GB": "northern_europe",
        "RU": "eastern_europe",
        "RS": "southern_europe",
        "AU": "australia_new_zealand",
        "PG": "melanesia",
        "FM": "micronesia",
        "WS": "polynesia",
    }
    assert {code: regions.sub_region_of(code).key for code in placed} == placed
    assert regions.sub_region_of("AQ") is None


def test_names_follow_the_reader_language():
    sea = regions.region("south_eastern_asia")
    assert sea is not None
    assert sea.name("en") == "South-eastern Asia"
    assert sea.name("vi") == "Đông Nam Á"
    assert sea.name("ar") == "جنوب شرق آسيا"
    assert sea.name("fr") == sea.name(None) == "South-eastern Asia"
    assert regions.region("atlantis") is None
