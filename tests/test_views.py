"""The map's view model: which layer a region shows, and three-valued flag values."""
import json

import pytest

from data.views import map_values, map_view


@pytest.fixture(scope="module")
def storage(tiny_storage):
    return tiny_storage


def test_national_view_is_every_county(storage):
    view = map_view(storage, None)
    assert view.layer == "county" and len(view.units) == 2891 and "parent" not in view.geojson_url


def test_drilling_down_the_layers(storage):
    county = json.loads(storage.facts()["counties_in_scope"])[0]
    guizhou = map_view(storage, "52")
    assert guizhou.layer == "county" and len(guizhou.units) == 88  # a province shows its counties
    county_view = map_view(storage, county)
    assert county_view.layer == "township" and county_view.parent == county
    town = county_view.units[0]["code"]
    village_view = map_view(storage, town)
    assert village_view.layer == "village" and all(u["parent_code"] == town for u in village_view.units)
    one_village = map_view(storage, village_view.units[0]["code"])  # a village shows its siblings
    assert one_village.codes == village_view.codes and one_village.parent == town


def test_regions_without_lower_units(storage):
    macau = map_view(storage, "82")
    assert macau.codes == ["820000000000"] and macau.geojson_url.startswith("/geo/county.geojson?parent=820000000000")
    plain_county = map_view(storage, "520102")  # no township detail: shown among its prefecture's counties
    assert plain_county.layer == "county" and "520102000000" in plain_county.codes


def test_map_values(storage):
    view = map_view(storage, "5227")
    values = dict(zip(view.codes, map_values(storage, view.units, "national_key_county")))
    assert values["522728000000"] == 1.0 and values["522725000000"] == 0.0  # Guizhou's list is complete
    in_scope = dict(zip(view.codes, map_values(storage, view.units, "in_scope")))
    assert sum(in_scope.values()) == 3.0
    national = map_values(storage, map_view(storage, None).units, "former_poverty_county")
    assert set(national) == {0.0, 0.5, 1.0}


def test_record_counts_by_region_add_up(storage):
    from data import contract, records
    from data.views import region_prefix

    national = records.count_rows(storage.engine, None)
    for table in contract.LOAD_ORDER:
        assert national[table] == len(records.read_table(storage.engine, table)) > 0
    counties = json.loads(storage.facts()["counties_in_scope"])
    by_county = [records.count_rows(storage.engine, region_prefix(storage, c)) for c in counties]
    for table in contract.LOAD_ORDER:
        assert sum(c[table] for c in by_county) == national[table], table
    preview = records.preview(storage.engine, "households", region_prefix(storage, counties[0]), limit=5)
    assert len(preview) == 5 and preview["village_code"].str.startswith(counties[0][:6]).all()
    assert "head_id_hash" not in preview
