"""The map's view model: which layer a region shows, the metric over its units, tiers and trend lines."""
import json

import pytest

from data.read.views import map_data, map_view, trend_lines
from data.store import membership
from layouts.figures import trend_label
from tests.conftest import ADMIN


@pytest.fixture(scope="module")
def storage(tiny_storage):
    return tiny_storage


def test_national_view_is_every_county(storage):
    view = map_view(storage, ADMIN, None)
    assert view.layer == "county" and len(view.units) == 2891 and "parent" not in view.geojson_url


def test_drilling_down_the_layers(storage):
    county = json.loads(storage.facts()["counties_in_scope"])[0]
    guizhou = map_view(storage, ADMIN, "52")
    assert guizhou.layer == "county" and len(guizhou.units) == 88  # a province shows its counties
    county_view = map_view(storage, ADMIN, county)
    assert county_view.layer == "township" and county_view.parent == county
    town = county_view.units[0]["code"]
    village_view = map_view(storage, ADMIN, town)
    assert village_view.layer == "village" and all(u["parent_code"] == town for u in village_view.units)
    one_village = map_view(storage, ADMIN, village_view.units[0]["code"])  # a village shows its siblings
    assert one_village.codes == village_view.codes and one_village.parent == town


def test_regions_without_lower_units(storage):
    macau = map_view(storage, ADMIN, "82")
    assert macau.codes == ["820000000000"] and macau.geojson_url.startswith("/geo/county.geojson?parent=820000000000")
    plain_county = map_view(storage, ADMIN, "520102")  # no township detail: shown among its prefecture's counties
    assert plain_county.layer == "county" and "520102000000" in plain_county.codes


def test_map_data_is_what_the_api_answers(storage):
    from data.read import cube

    view = map_view(storage, ADMIN, "5227")
    data = map_data(storage, ADMIN, view, "risk_not_eliminated_households", None, "all")
    api = {v["code"]: v for v in cube.values(storage, ADMIN, "risk_not_eliminated_households", "county", "5227")["values"]}
    assert [r["code"] for r in data.rows] == view.codes and data.period == cube.info(storage).latest["monitoring"]
    for row in data.rows:
        assert row["value"] == api[row["code"]]["value"] and row["change"] == api[row["code"]]["change"]
        assert row.get("rank") == api[row["code"]].get("rank")
    assert data.with_data == 3 and sorted(r["rank"] for r in data.rows if r["value"] is not None)[0] == 1


def test_a_tier_greys_out_other_counties_and_ranks_only_its_members(storage):
    from data.definitions import tiers

    view = map_view(storage, ADMIN, "5227")
    everything = map_data(storage, ADMIN, view, "monitored_households", "2026-10", "all")
    key = map_data(storage, ADMIN, view, "monitored_households", "2026-10", "national_key")
    members = membership.counties(storage, ADMIN, "national_key")
    for full, tiered in zip(everything.rows, key.rows):
        assert tiered["in_tier"] == (full["code"] in members)
        assert tiered["value"] == (full["value"] if tiered["in_tier"] else None)
    ranked = sorted(r["rank"] for r in key.rows if r["value"] is not None)
    assert ranked and ranked[0] == 1 and key.with_data == len(ranked) < everything.with_data + 1
    # Below the county layer the tier does not filter the drawn units.
    county = map_view(storage, ADMIN, json.loads(storage.facts()["counties_in_scope"])[0])
    assert all(r["in_tier"] for r in map_data(storage, ADMIN, county, "monitored_households", None, "national_key").rows)


def test_tiers(storage):
    from data.definitions import tiers

    key = membership.counties(storage, ADMIN, "national_key")
    assert "522728000000" in key and "522725000000" not in key  # 罗甸县 is one, 瓮安县 is not
    paired = membership.counties(storage, ADMIN, "paired_east")
    assert "522725000000" in paired and "110101000000" not in paired  # Guizhou pairs with Guangdong; Beijing gives
    assert membership.east_partners(storage, ADMIN, "522725") == ["广东省"]
    assert membership.counties(storage, ADMIN, "all") is None and tiers.get("nonsense").code == "all"


def test_trend_compares_region_parent_and_the_median_of_peers(storage):
    import statistics

    from data.read import cube
    from data.definitions import tiers

    county = json.loads(storage.facts()["counties_in_scope"])[0]
    view = map_view(storage, ADMIN, county)
    lines = trend_lines(storage, ADMIN, view, "employment_rate", "all")
    assert [line.key for line in lines] == ["region", "parent", "peers"]
    assert lines[0].points == cube.series(storage, ADMIN, "employment_rate", county)["series"]
    assert lines[1].points == cube.series(storage, ADMIN, "employment_rate", view.region["parent_code"])["series"]
    period = "2026-10"
    peers = [v["value"] for v in cube.values(storage, ADMIN, "employment_rate", "county", "52", period)["values"]
             if v["value"] is not None]
    median = next(p for p in lines[2].points if p["period"] == period)
    assert median["value"] == round(statistics.median(peers), 2) and median["count"] == len(peers)
    assert "省内全部县中位数（88个）" == trend_label(lines[2], "zh")
    key_peers = trend_lines(storage, ADMIN, view, "employment_rate", "national_key")[2]
    in_guizhou = [c for c in membership.counties(storage, ADMIN, "national_key") if c.startswith("52")]
    assert trend_label(key_peers, "zh") == f"省内国家乡村振兴重点帮扶县中位数（{len(in_guizhou)}个）"
    national = trend_lines(storage, ADMIN, map_view(storage, ADMIN, None), "employment_rate", "all")
    assert [line.key for line in national] == ["region"] and trend_label(national[0], "en") == "China"


def test_record_counts_by_region_add_up(storage):
    from data.definitions import contract
    from data.store import records
    from data.read.views import region_prefix

    national = records.count_rows(storage.engine, ADMIN, None)
    for table in contract.LOAD_ORDER:
        assert national[table] == len(records.read_table(storage.engine, ADMIN, table)) > 0
    counties = json.loads(storage.facts()["counties_in_scope"])
    by_county = [records.count_rows(storage.engine, ADMIN, region_prefix(storage, ADMIN, c)) for c in counties]
    for table in contract.LOAD_ORDER:
        assert sum(c[table] for c in by_county) == national[table], table
    preview = records.preview(storage.engine, ADMIN, "households", region_prefix(storage, ADMIN, counties[0]), limit=5)
    assert len(preview) == 5 and preview["village_code"].str.startswith(counties[0][:6]).all()
    assert "head_id_hash" not in preview
