"""The demo's townships and villages are the official NBS units (codes and names, edition 2023) with
illustrative cells; households live in rural villages only."""
import json

import numpy as np
import pytest

from data.demo import regions as demo_regions
from data.demo.scales import SCALES
from data.store import records
from geo.hierarchy import build_real_hierarchy
from tests.conftest import ADMIN

LUODIAN = "522728000000"  # 罗甸县, a national key county of the tiny scale
LUODIAN_TOWNSHIPS = [  # 2023 edition, as published
    ("522728001000", "斛兴街道"), ("522728107000", "龙坪镇"), ("522728108000", "边阳镇"),
    ("522728109000", "沫阳镇"), ("522728110000", "逢亭镇"), ("522728111000", "罗悃镇"),
    ("522728112000", "茂井镇"), ("522728113000", "红水河镇"), ("522728114000", "木引镇"),
    ("522728219000", "凤亭乡"),
]


def test_the_code_list_holds_luodians_official_townships():
    towns, villages = demo_regions.code_list()[LUODIAN]
    assert [(t.code, t.name) for t in towns] == LUODIAN_TOWNSHIPS
    assert ("522728107200", "马草村村民委员会") in [(v.code, v.name) for v in villages["522728107000"]]
    assert sum(len(v) for v in villages.values()) == 186  # 2023 edition: 15 居委会 and 171 村委会


def test_every_village_code_starts_with_its_townships_nine_digits():
    for county, (towns, villages) in demo_regions.code_list().items():
        for town in towns:
            assert town.code[:6] == county[:6] and town.code.endswith("000") and len(town.code) == 12
            assert all(v.code[:9] == town.code[:9] and len(v.code) == 12 and v.code.isdigit()
                       for v in villages[town.code]), town.code


def test_rural_village_by_classification_or_by_code():
    assert demo_regions.rural_village("522728107200") and not demo_regions.rural_village("522728001001")
    assert not demo_regions.rural_village("150102400498")  # a 虚拟社区 of a development zone
    assert demo_regions.rural_village("522728001001", "220") and not demo_regions.rural_village("522728107200", "121")


def test_tiny_keeps_every_township_and_caps_its_villages():
    settings = SCALES["tiny"]
    towns, villages = demo_regions.units_of(LUODIAN, settings)
    assert [t.code for t in towns] == [c for c, _ in LUODIAN_TOWNSHIPS]
    full = demo_regions.code_list()[LUODIAN][1]
    for town in towns:
        rural = [v for v in full[town.code] if demo_regions.rural_village(v.code)][:settings.real_villages]
        other = [v for v in full[town.code] if not demo_regions.rural_village(v.code)]
        expected = sorted(rural + other[:settings.real_units - len(rural)], key=lambda v: v.code)
        assert villages[town.code] == expected and 0 < len(expected) <= settings.real_units


def test_a_county_missing_from_the_code_list_gets_invented_units():
    regions = dict(build_real_hierarchy())
    beijing = "110101000000"  # 东城区: Beijing is outside the slice (no key counties)
    assert demo_regions.code_list().get(beijing) is None
    invented = demo_regions.add_units(regions, [beijing, LUODIAN], "tiny", np.random.default_rng(3))
    assert invented == [beijing]
    assert [regions[c].name for c, _ in LUODIAN_TOWNSHIPS] == [n for _, n in LUODIAN_TOWNSHIPS]
    assert any(r.level == "township" and r.code.startswith("110101") for r in regions.values())


def test_the_tiny_database_carries_the_official_units(tiny_storage):
    towns = tiny_storage.units(ADMIN, "township", LUODIAN)
    assert [(code, name) for code, name, *_ in towns] == LUODIAN_TOWNSHIPS
    facts = tiny_storage.facts()
    assert json.loads(facts["units_invented_counties"]) == [] and "2023" in facts["units_source"]
    listed = demo_regions.code_list()[LUODIAN][1]
    official = {v.code: v.name for vs in listed.values() for v in vs}
    for town_code, _ in LUODIAN_TOWNSHIPS:
        for code, name, *_ in tiny_storage.units(ADMIN, "village", town_code):
            assert code[:9] == town_code[:9] and official[code] == name


def test_households_live_in_rural_villages_only(tiny_storage):
    households = records.read_table(tiny_storage.engine, ADMIN, "households")
    assert len(households) and households["village_code"].map(demo_regions.rural_village).all()
    assert households["village_code"].str.startswith("522728").any()


def test_the_map_api_names_the_official_townships(client):
    listed = client.get("/api/v1/regions?parent=522728").get_json()["regions"]
    assert [(r["code"], r["name"]) for r in listed] == LUODIAN_TOWNSHIPS
    assert {r["source"] for r in listed} == {"illustrative"}
    features = json.loads(client.get("/geo/township.geojson?parent=522728").data)["features"]
    assert sorted(f["id"] for f in features) == [c for c, _ in LUODIAN_TOWNSHIPS]


@pytest.mark.parametrize("scale", ["demo", "large"])
def test_larger_scales_keep_every_real_unit(scale):
    towns, villages = demo_regions.units_of(LUODIAN, SCALES[scale])
    assert sum(len(v) for v in villages.values()) == 186 and len(towns) == 10
