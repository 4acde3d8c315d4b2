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
        if table == "thresholds":  # a province's lines are in force in each of its counties
            assert all(c[table] == national[table] for c in by_county)  # (the tiny scale's counties: one province)
            continue
        if table == "pairings":  # a province's or prefecture's pair (the whole pairs file) lies in no one county
            stored = records.read_table(storage.engine, ADMIN, table)
            assert sum(c[table] for c in by_county) == stored["west_code"].isin(counties).sum() > 0
            continue
        assert sum(c[table] for c in by_county) == national[table], table
    preview = records.preview(storage.engine, ADMIN, "households", region_prefix(storage, ADMIN, counties[0]), limit=5)
    assert len(preview) == 5 and preview["village_code"].str.startswith(counties[0][:6]).all()
    assert "head_id_hash" not in preview


# -- comparisons that read (issue 17 part 2): ranks by direction, the ranking's controls, a year under way --
def test_ranks_follow_the_metric_direction_on_the_map_and_in_the_api(storage):
    from data.definitions import metrics
    from data.read import cube

    view = map_view(storage, ADMIN, "52")  # (the tiny scale: three counties of Guizhou with records)
    for code in ("risk_not_eliminated_households", "employment_rate"):  # fewer at risk is better; more employed is
        data = map_data(storage, ADMIN, view, code, None, "all")
        ranked = sorted((r for r in data.rows if r["value"] is not None), key=lambda r: r["rank"])
        assert len(ranked) >= 2 and ranked[0]["rank"] == 1
        values = [r["value"] for r in ranked]
        assert values == sorted(values, reverse=metrics.get(code).direction == "higher_better"), code
        api = {v["code"]: v.get("rank") for v in cube.values(storage, ADMIN, code, "county", "52")["values"]}
        assert all(api[r["code"]] == r["rank"] for r in ranked)


def test_a_year_under_way_is_not_set_against_the_whole_of_last_year(storage):
    from data.read import cube

    info = cube.info(storage)
    last = max(info.periods["month"])
    assert last[5:] != "12"  # the demo data end in October
    to_date = {f["metric"]: f for f in cube.key_figures_to_date(storage, ADMIN, "52")}
    plain = {f["metric"]: f for f in cube.key_figures(storage, ADMIN, "52")}
    spend = to_date["funds_spend_rate"]
    assert spend["period"] == last[:4] and spend["months"] == int(last[5:]) and spend["basis"] == "same_months"
    assert spend["change"] is None and plain["funds_spend_rate"]["change"] is not None  # 10 months vs 12 before
    assert spend["previous"] == plain["funds_spend_rate"]["previous"]  # kept for the label only
    monthly = to_date["newly_identified_households"]
    assert monthly["months"] is None and monthly["change"] == plain["newly_identified_households"]["change"]
    closed = {f["metric"]: f for f in cube.key_figures_to_date(storage, ADMIN, "52", at=str(int(last[:4]) - 1))}
    assert closed["funds_spend_rate"]["months"] is None and closed["funds_spend_rate"]["change"] is not None


def test_the_spend_rate_card_says_months_one_to_ten_and_is_not_painted(storage):
    from layouts import map_page

    view = map_view(storage, ADMIN, "52")
    for lang, said in (("zh", "1–10月 vs 去年同期"), ("en", "Months 1–10 vs the same months last year")):
        card = next(c for c in map_page.kpi_cards(storage, ADMIN, view, None, lang) if c.id == "kpi-funds_spend_rate")
        change = card.children[2]
        assert said in change.children and "worse" not in change.className and "better" not in change.className
        assert card.children[3].children == ("2026年1–10月" if lang == "zh" else "2026, months 1–10")


def _callback(client, output: str, values: dict, changed: str) -> dict:
    """Post the callback whose output starts with ``output`` as the browser would (``values`` by id)."""
    dependency = next(d for d in client.get("/_dash-dependencies").get_json()
                      if d["output"].lstrip(".").startswith(output))
    outputs = dependency["output"].strip(".").split("...")
    def spec(item):
        return {"id": item["id"], "property": item["property"], "value": values.get(item["id"])}
    body = {"output": dependency["output"],
            "outputs": [{"id": o.rsplit(".", 1)[0].split("@")[0], "property": o.rsplit(".", 1)[1].split("@")[0]}
                        for o in outputs] if len(outputs) > 1 else
            {"id": outputs[0].rsplit(".", 1)[0], "property": outputs[0].rsplit(".", 1)[1]},
            "inputs": [spec(i) for i in dependency["inputs"]], "state": [spec(s) for s in dependency["state"]],
            "changedPropIds": [changed]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_the_ranking_controls_redraw_the_ranking_and_go_into_the_links(client):
    from layouts import ids

    values = {ids.RANK_ORDER: "worst", ids.RANK_SHOW: "bottom10", ids.METRIC: "risk_not_eliminated_households",
              ids.PERIOD: None, ids.TIER: "all", ids.MAP_STATE: {"region": "52", "lang": "zh"}}
    api = client.get("/api/v1/values?metric=risk_not_eliminated_households&level=county&parent=52").get_json()
    answer = _callback(client, f"{ids.RANKING}.figure", values, f"{ids.RANK_SHOW}.value")
    bars = answer[ids.RANKING]["figure"]["data"][0]
    ranks = [int(label.split(".")[0]) for label in bars["y"]]
    worst = max(v["rank"] for v in api["values"] if v["value"] is not None)
    assert len(ranks) == min(10, api["with_data"]) and ranks == sorted(ranks, reverse=True) and ranks[0] == worst
    assert bars["customdata"][0] == next(v["code"] for v in api["values"] if v.get("rank") == worst)
    assert f"后 {len(ranks)} / 共 {api['with_data']} 个" in answer[ids.RANKING]["figure"]["layout"]["title"]["text"]
    assert "order=worst" in answer[ids.LANGUAGE_LINK]["href"] and "show=bottom10" in answer[ids.LANGUAGE_LINK]["href"]
    for crafted in (None, 5, ["x"], {"x": 1}, "../etc"):  # anything else: best first, all
        answer = _callback(client, f"{ids.RANKING}.figure", {**values, ids.RANK_ORDER: crafted, ids.RANK_SHOW: crafted},
                           f"{ids.RANK_ORDER}.value")
        ranks = [int(label.split(".")[0]) for label in answer[ids.RANKING]["figure"]["data"][0]["y"]]
        assert ranks[0] == 1 and ranks == sorted(ranks) and "order=" not in answer[ids.LANGUAGE_LINK]["href"]


def test_the_full_ranking_downloads_as_csv_and_xlsx(client):
    import base64
    import io

    import openpyxl
    import pandas as pd

    from layouts import ids

    values = {ids.METRIC: "risk_not_eliminated_households", ids.PERIOD: None, ids.TIER: "all",
              ids.MAP_STATE: {"region": "52", "lang": "en"}, ids.RANKING_CSV: 1}
    api = client.get("/api/v1/values?metric=risk_not_eliminated_households&level=county&parent=52").get_json()
    sent = _callback(client, f"{ids.RANKING_DOWNLOAD}.data", values, f"{ids.RANKING_CSV}.n_clicks")[ids.RANKING_DOWNLOAD]["data"]
    assert sent["filename"] == f"520000000000-risk_not_eliminated_households-{api['period']}-ranking.csv"
    frame = pd.read_csv(io.BytesIO(base64.b64decode(sent["content"])), dtype={"Region code": str})
    assert len(frame) == api["with_data"] >= 2 and list(frame["Rank"]) == sorted(frame["Rank"])  # all, best first
    by_code = {v["code"]: v for v in api["values"]}
    assert all(by_code[c]["rank"] == r and by_code[c]["value"] == v
               for c, r, v in zip(frame["Region code"], frame["Rank"], frame["Value"]))
    assert frame["Value"].is_monotonic_increasing  # fewer households at risk first
    xlsx = _callback(client, f"{ids.RANKING_DOWNLOAD}.data", {**values, ids.RANKING_XLSX: 1},
                     f"{ids.RANKING_XLSX}.n_clicks")[ids.RANKING_DOWNLOAD]["data"]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert sheet.title == "ranking" and sheet.max_row == api["with_data"] + 1
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in sheet.iter_rows() for c in row)


def test_the_ranking_state_comes_from_the_link(app, as_user):
    from dashboard.auth import reading
    from layouts import map_page

    with as_user():
        page = str(map_page.layout(*reading(app.storage), region="52", metric="risk_not_eliminated_households",
                                   order="worst", show="bottom10"))
        plain = str(map_page.layout(*reading(app.storage), region="52", order=["x"], show=5))
    assert "value='worst'" in page and "value='bottom10'" in page and "（后 " in page
    assert "value='best'" in plain and "value='all'" in plain


def test_a_map_of_villages_can_show_rural_villages_only(tiny_storage):
    """Communities (社区) hold no household records; the rural filter greys them and leaves them out of the
    ranking, by the urban-rural code where known, else by the statistical code rule (issue 16)."""
    from data.definitions import codes, tiers
    from layouts import map_page

    view = map_view(tiny_storage, ADMIN, "522728107000")  # 龙坪镇: two 社区 and its 村
    assert view.layer == "village" and view.tiered
    communities = {u["code"] for u in view.units if not codes.rural_village(u["code"], u.get("urban_rural"))}
    assert communities and len(communities) < len(view.units)
    everything = map_data(tiny_storage, ADMIN, view, "monitored_households", None, tiers.ALL)
    assert all(r["in_tier"] for r in everything.rows)
    rural = map_data(tiny_storage, ADMIN, view, "monitored_households", None, tiers.RURAL)
    assert {r["code"] for r in rural.rows if not r["in_tier"]} == communities
    assert all(r["value"] is None for r in rural.rows if r["code"] in communities)
    assert map_page.chosen_tier(view, "rural") == tiers.RURAL and map_page.chosen_tier(view, "national_key") == tiers.ALL
    county = map_view(tiny_storage, ADMIN, "522728")
    assert map_page.chosen_tier(county, "rural") == tiers.ALL
    assert [o["value"] for o in map_page.tier_options(tiny_storage, ADMIN, "en", view)] == [tiers.ALL, tiers.RURAL]
    assert codes.rural_village("522728107200") and not codes.rural_village("522728107001")
    assert codes.rural_village("522728107001", "220") and not codes.rural_village("522728107200", "111")
