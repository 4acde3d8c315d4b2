"""Illustrative townships and villages: tiling without gaps or overlaps, codes, names, determinism."""
import numpy as np
import pytest
import shapely

from geo.hierarchy import build_real_hierarchy
from geo.subdivide import subdivide_county

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
