"""Illustrative townships and villages: tiling without gaps or overlaps, codes, names, determinism."""
import numpy as np
import pytest
import shapely

from geo.hierarchy import build_real_hierarchy
from geo.subdivide import Given, cells_for_units, subdivide_county

COUNTY = "522725000000"  # 瓮安县


@pytest.fixture(scope="module")
def outline():
    return build_real_hierarchy()[COUNTY].outlines["county"][0]


def _tiles(parts, whole, tolerance=1e-4):
    union = shapely.union_all(parts)
    overlap = sum(p.area for p in parts) - union.area
    gap = whole.symmetric_difference(union).area
    return overlap / whole.area < tolerance and gap / whole.area < tolerance


def test_townships_and_villages_tile_their_parent(outline):
    towns, villages = subdivide_county(COUNTY, outline, np.random.default_rng(1))
    assert _tiles([t.geometry for t in towns], outline)
    for town in towns:
        assert _tiles([v.geometry for v in villages[town.code]], town.geometry)
    assert all(u.geometry.is_valid and not u.geometry.is_empty
               for u in towns + [v for vs in villages.values() for v in vs])


def test_codes_follow_the_statistical_pattern_and_names_are_chinese(outline):
    towns, villages = subdivide_county(COUNTY, outline, np.random.default_rng(2), (5, 5), (5, 5))
    assert len(towns) == 5 and all(len(v) == 5 for v in villages.values())
    all_units = towns + [v for vs in villages.values() for v in vs]
    assert len({u.code for u in all_units}) == len(all_units)
    for town in towns:
        assert town.code.startswith("522725") and town.code.endswith("000") and town.code[6] in "12"
        assert town.name[-1] in "镇乡"
        for village in villages[town.code]:
            assert village.code[:9] == town.code[:9] and village.code[9] == "2"
    assert all("\u4e00" <= u.name[0] <= "\u9fff" for u in all_units)


def test_same_seed_same_units(outline):
    first = subdivide_county(COUNTY, outline, np.random.default_rng(5))
    again = subdivide_county(COUNTY, outline, np.random.default_rng(5))
    assert [(u.code, u.name, u.geometry.wkt) for u in first[0]] == [(u.code, u.name, u.geometry.wkt) for u in again[0]]


def test_given_units_get_one_cell_each_and_keep_their_codes_and_names(outline):
    towns = [Given(f"522725{100 + i:03d}000", f"第{i}镇") for i in range(1, 9)]
    villages = {t.code: [Given(f"{t.code[:9]}{200 + j:03d}", f"{t.name}{j}村", "220") for j in range(1, 4 + i)]
                for i, t in enumerate(towns)}
    villages[towns[0].code] = []  # a township listed without villages keeps its cell alone
    placed, placed_villages = cells_for_units(outline, towns, villages, np.random.default_rng(7))
    assert [(u.code, u.name) for u in placed] == [(t.code, t.name) for t in towns]
    assert _tiles([t.geometry for t in placed], outline)
    for town in placed:
        given = villages[town.code]
        assert [(v.code, v.name, v.urban_rural) for v in placed_villages[town.code]] == [
            (v.code, v.name, v.urban_rural) for v in given]
        if given:
            assert _tiles([v.geometry for v in placed_villages[town.code]], town.geometry)


def test_many_given_units_in_a_small_cell_still_get_a_cell_each(outline):
    small = shapely.box(*outline.centroid.buffer(0.01).bounds)
    towns = [Given("522725100000", "一镇")]
    villages = {"522725100000": [Given(f"522725100{200 + j:03d}", f"{j}村") for j in range(60)]}
    _, placed = cells_for_units(small, towns, villages, np.random.default_rng(1))
    assert len(placed["522725100000"]) == 60
    assert all(not v.geometry.is_empty for v in placed["522725100000"])
