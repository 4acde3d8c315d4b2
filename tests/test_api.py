"""The figures API (/api/v1/metrics, values, series, regions/<code>, openapi.json) on the tiny database."""
from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from data.definitions import metrics


def test_metrics_list_the_catalog_with_periods(client):
    answer = client.get("/api/v1/metrics").get_json()
    assert answer["count"] == len(metrics.CATALOG) >= 30
    assert answer["periods"]["month"][0] == "2023-11" and answer["periods"]["month"][-1] == "2026-10"
    assert answer["periods"]["year"][-1] == "2026"
    funds = client.get("/api/v1/metrics?theme=funds").get_json()["metrics"]
    share = next(m for m in funds if m["code"] == "funds_industry_share")
    assert share["kind"] == "ratio" and share["target"] == 60 and share["numerator"] == ["funds_industry_allocated"]


def test_values_rank_children_and_carry_numerator_and_change(client):
    answer = client.get("/api/v1/values?metric=risk_eliminated_share&parent=5227&period=2026-10").get_json()
    assert answer["level"] == "county" and answer["count"] == 12 and answer["with_data"] == 3
    assert answer["previous_period"] == "2026-09"
    with_data = sorted((v for v in answer["values"] if v["value"] is not None), key=lambda v: v["rank"])
    assert [v["rank"] for v in with_data] == [1, 2, 3]
    assert with_data[0]["value"] >= with_data[-1]["value"]
    for value in with_data:
        assert value["value"] == round(100 * value["numerator"] / value["denominator"], 2)
        assert value["change"] == round(value["value"] - value["previous"], 2)
    empty = [v for v in answer["values"] if v["value"] is None]
    assert all("rank" not in v for v in empty)


def test_a_parent_figure_is_the_sum_of_the_values_below_it(client):
    counties = client.get("/api/v1/values?metric=monitored_households&parent=5227").get_json()
    prefecture = client.get("/api/v1/values?metric=monitored_households&parent=52&level=city").get_json()
    qiannan = next(v for v in prefecture["values"] if v["code"] == "522700000000")
    assert qiannan["value"] == sum(v["value"] for v in counties["values"] if v["value"] is not None) > 0


def test_villages_of_a_township_are_served(client):
    township = client.get("/api/v1/regions?level=township&parent=5227").get_json()["regions"][0]
    answer = client.get(f"/api/v1/values?metric=labourers_employed&parent={township['code']}").get_json()
    assert answer["level"] == "village" and answer["with_data"] == answer["count"] > 0


def _county_in_scope(app) -> str:
    return json.loads(app.storage.facts()["counties_in_scope"])[0]


def test_series_cover_every_period_of_the_grain(app, client):
    monthly = client.get(f"/api/v1/series?metric=employment_rate&region={_county_in_scope(app)}").get_json()
    assert len(monthly["series"]) == 36 and all(p["value"] > 0 for p in monthly["series"])
    national = client.get("/api/v1/series?metric=funds_spend_rate").get_json()
    assert national["region"]["code"] == "000000000000"
    assert [p["period"] for p in national["series"]] == ["2023", "2024", "2025", "2026"]
    assert national["series"][0]["value"] is None and national["series"][-1]["value"] > 0  # funds start in 2024


def test_csv_downloads_open_in_excel(client):
    response = client.get("/api/v1/values?metric=funds_industry_share&parent=5227&period=2025&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode()) and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 12 and rows[0]["metric_zh"] == "衔接资金用于产业发展比重"
    series = client.get("/api/v1/series?metric=labourers_employed&region=5227&format=csv")
    assert len(list(csv.DictReader(io.StringIO(series.data.decode("utf-8-sig"))))) == 36


def test_region_profile_has_key_figures(app, client):
    profile = client.get(f"/api/v1/regions/{_county_in_scope(app)}").get_json()
    figures = {f["metric"]: f for f in profile["key_figures"]}
    assert figures["monitored_households"]["period"] == "2026-10" and figures["monitored_households"]["value"] > 0
    assert figures["funds_industry_share"]["period"] == "2026" and figures["funds_industry_share"]["target"] == 60


@pytest.mark.parametrize("query, status", [
    ("values", 400), ("values?metric=nonsense", 400), ("values?metric=funds_spend_rate&period=2025-01", 400),
    ("values?metric=employment_rate&period=2025", 400), ("values?metric=employment_rate&period=1999-01", 404),
    ("values?metric=employment_rate&period=2025-13", 400), ("values?metric=employment_rate&parent=99", 404),
    ("values?metric=employment_rate&level=galaxy", 400), ("values?metric=employment_rate&format=xml", 400),
    ("values?metric=employment_rate&colour=red", 400), ("series?metric=employment_rate&region=999999", 404),
    ("series?region=52", 400), ("metrics?theme=weather", 400),
])
def test_bad_parameters_get_a_clear_error(client, query, status):
    response = client.get(f"/api/v1/{query}")
    assert response.status_code == status, response.data
    assert response.get_json()["error"]["message"]


def test_openapi_describes_every_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = {rule.rule.replace("<", "{").replace(">", "}").replace("{path:anything}", "")
              for rule in app.server.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    routes = {r for r in routes if r not in ("/api/v1/", "/api/v1/{path:anything}")}
    assert routes == set(spec["paths"])
    values = spec["paths"]["/api/v1/values"]["get"]
    assert {p["name"] for p in values["parameters"]} == {"metric", "level", "parent", "period", "format"}


CODES = ["52", "5227", "522725", "522725100", "000000", "99", "5", "520000000000"]
PERIODS = ["2026-10", "2025", "2024-02", "1999", "2025-13", "", "latest"]


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(metric=st.one_of(st.sampled_from(list(metrics.CATALOG)), st.text(max_size=20)),
       level=st.one_of(st.none(), st.sampled_from(["province", "city", "county", "township", "village", "x"])),
       parent=st.one_of(st.none(), st.sampled_from(CODES), st.text(max_size=13)),
       period=st.one_of(st.none(), st.sampled_from(PERIODS), st.text(max_size=8)),
       output=st.sampled_from([None, "json", "csv", "pdf"]))
def test_no_parameter_makes_a_server_error(client, metric, level, parent, period, output):
    params = {k: v for k, v in {"metric": metric, "level": level, "parent": parent, "period": period,
                                "format": output}.items() if v is not None}
    for response in (client.get("/api/v1/values", query_string=params),
                     client.get("/api/v1/series", query_string={"metric": metric, "region": parent or "",
                                                                 "format": output or ""})):
        assert response.status_code < 500, (params, response.data[:300])
        if response.status_code >= 400:
            assert response.get_json()["error"]["message"]
