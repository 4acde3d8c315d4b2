"""The figures API (/api/v1/metrics, values, series, regions/<code>, openapi.json) on the tiny database."""
from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from data.definitions import metrics
from tests.test_collaboration_api import REQUIRED as COLLABORATION_REQUIRED, VALID as COLLABORATION_VALID
from tests.test_assessment_api import REQUIRED as ASSESSMENT_REQUIRED, VALID as ASSESSMENT_VALID


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
    answer = client.get(f"/api/v1/values?metric=labourers_employed&parent={TOWNSHIP}").get_json()
    rural = [v for v in answer["values"] if 200 <= int(v["code"][9:]) < 400]  # 村民委员会; 社区 hold no households
    assert answer["level"] == "village" and answer["with_data"] == len(rural) > 0


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


# -- the description is true to the routes (issue 15) --------------------------------------------------
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTY = "522728"  # the demo's county with data (tests/conftest.py: demo_county's region)
TOWNSHIP = "522728107000"  # 龙坪镇 (斛兴街道 522728001 holds only communities, no households)


def _operations(spec: dict):
    return [(path, operation) for path, item in spec["paths"].items() for operation in item.values()]


def _valid() -> dict[str, tuple[str, dict]]:
    """Each described path → a URL and a query that the route answers with 200 on the tiny database."""
    return {
        "/api/v1/regions": ("/api/v1/regions", {"level": "county", "parent": "5227"}),
        "/api/v1/regions/{code}": (f"/api/v1/regions/{COUNTY}", {}),
        "/api/v1/metrics": ("/api/v1/metrics", {"theme": "funds"}),
        "/api/v1/values": ("/api/v1/values", {"metric": "employment_rate", "level": "county", "parent": "5227",
                                              "period": "2026-10", "format": "json"}),
        "/api/v1/series": ("/api/v1/series", {"metric": "employment_rate", "region": COUNTY, "format": "json"}),
        "/api/v1/openapi.json": ("/api/v1/openapi.json", {}),
        "/api/v1/templates/{table}.xlsx": ("/api/v1/templates/households.xlsx", {}),
        "/api/v1/monitoring/warnings": ("/api/v1/monitoring/warnings", {
            "region": COUNTY, "min_score": "30", "period": "2026-10", "risk_type": "income",
            "category": "marginal", "township": TOWNSHIP}),
        "/api/v1/monitoring/board": ("/api/v1/monitoring/board", {"region": COUNTY}),
        "/api/v1/monitoring/checks": ("/api/v1/monitoring/checks", {"region": COUNTY}),
        "/api/v1/monitoring/whatif": ("/api/v1/monitoring/whatif", {"region": COUNTY, "threshold": "9000",
                                                                    "year": "2025"}),
        "/api/v1/monitoring/sample": ("/api/v1/monitoring/sample", {"region": COUNTY, "size": "20", "seed": "3",
                                                                    "format": "json"}),
        "/api/v1/brief": ("/api/v1/brief", {"region": COUNTY, "period": "2026-10", "lang": "en"}),
        **COLLABORATION_VALID,  # issue 18 (tests/test_collaboration_api.py)
        **ASSESSMENT_VALID,  # issue 19 (tests/test_assessment_api.py)
    }


def test_the_description_names_sign_in_files_and_every_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    assert {"in": schemes["session"]["in"], "name": schemes["session"]["name"]} == {"in": "cookie", "name": "session"}
    assert schemes["bearerToken"]["scheme"] == "bearer" and spec["security"]
    for path, operation in _operations(spec):
        responses = operation["responses"]
        assert {"400", "414"} <= set(responses), path
        public = path == "/api/v1/openapi.json"
        assert ("401" in responses) is not public and (operation.get("security") == []) is public, path
        for status, answer in responses.items():
            if status != "200":
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if "{" in path or "region" in {p["name"] for p in operation["parameters"]} or path == "/api/v1/regions":
            assert "403" in responses or path.startswith("/api/v1/templates"), path
    ok = {path: set(operation["responses"]["200"]["content"]) for path, operation in _operations(spec)}
    assert ok["/api/v1/monitoring/sample"] == {"application/json", XLSX, "application/pdf"}
    assert ok["/api/v1/templates/{table}.xlsx"] == {XLSX}
    assert ok["/api/v1/values"] == ok["/api/v1/series"] == {"application/json", "text/csv"}
    for path in ("/api/v1/monitoring/warnings", "/api/v1/monitoring/board", "/api/v1/regions", "/api/v1/metrics"):
        assert spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]


def test_required_values_closed_sets_and_bounds_come_from_the_catalogs(client):
    from data.compute import risk
    from data.definitions import contract
    from data.definitions.codes import LEVELS
    from data.definitions.policy import WARNING_CUT
    from data.read.monitoring import SAMPLE_MAX, WHATIF_RANGE

    spec = client.get("/api/v1/openapi.json").get_json()
    params = {(path, p["name"]): p for path, operation in _operations(spec) for p in operation["parameters"]}
    required = {key for key, p in params.items() if p["required"]}
    monitoring = [path for path in spec["paths"] if path.startswith("/api/v1/monitoring/")]
    assert required == {*((path, "region") for path in monitoring), ("/api/v1/values", "metric"),
                        ("/api/v1/series", "metric"), ("/api/v1/monitoring/whatif", "threshold"),
                        ("/api/v1/regions/{code}", "code"), ("/api/v1/templates/{table}.xlsx", "table"),
                        ("/api/v1/brief", "region"), *COLLABORATION_REQUIRED, *ASSESSMENT_REQUIRED}
    enum = {key: p["schema"].get("enum") for key, p in params.items()}
    assert enum["/api/v1/monitoring/warnings", "risk_type"] == [*contract.RISK_TYPES, *risk.RISK_LABELS]
    assert enum["/api/v1/monitoring/warnings", "category"] == list(metrics.CATEGORIES)
    assert enum["/api/v1/templates/{table}.xlsx", "table"] == list(contract.INTERCHANGE)
    assert enum["/api/v1/metrics", "theme"] == list(metrics.THEMES)
    assert enum["/api/v1/values", "metric"] == enum["/api/v1/series", "metric"] == list(metrics.CATALOG)
    assert enum["/api/v1/values", "level"] == enum["/api/v1/regions", "level"] == list(LEVELS)
    assert enum["/api/v1/monitoring/sample", "format"] == ["json", "xlsx", "pdf"]
    threshold = params["/api/v1/monitoring/whatif", "threshold"]["schema"]
    assert (threshold["type"], threshold["minimum"], threshold["maximum"]) == ("number", *WHATIF_RANGE)
    assert params["/api/v1/monitoring/sample", "size"]["schema"]["maximum"] == SAMPLE_MAX
    assert params["/api/v1/monitoring/warnings", "min_score"]["schema"]["default"] == WARNING_CUT


def test_routes_accept_exactly_the_described_parameters(client):
    """An unknown parameter is refused with a message naming the described ones, on every route."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operation in _operations(spec):
        url, query = _valid()[path]
        assert client.get(url, query_string=query).status_code == 200, path
        answer = client.get(url, query_string={**query, "colour": "red"})
        assert answer.status_code == 400, path
        described = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
        assert answer.get_json()["error"]["message"].endswith(f"allowed: {', '.join(described) or 'none'}"), path


def test_required_empty_and_repeated_parameters_are_refused(client):
    """A required parameter left out or empty, any parameter sent empty or twice: 400 with a message (an
    optional parameter is left out, not sent empty)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operation in _operations(spec):
        url, query = _valid()[path]
        for parameter in (p for p in operation["parameters"] if p["in"] == "query"):
            name = parameter["name"]
            if parameter["required"]:
                missing = client.get(url, query_string={k: v for k, v in query.items() if k != name})
                assert missing.status_code == 400 and name in missing.get_json()["error"]["message"], (path, name)
            empty = client.get(url, query_string={**query, name: ""})
            assert empty.status_code == 400 and name in empty.get_json()["error"]["message"], (path, name)
            if name in query:
                twice = client.get(url, query_string=[*query.items(), (name, query[name])])
                assert twice.status_code == 400 and name in twice.get_json()["error"]["message"], (path, name)


def test_a_long_query_string_is_answered_414_in_json(client, anonymous):
    from dashboard.openapi import QUERY_LIMIT

    for path in ("/api/v1/metrics", "/api/v1/openapi.json", f"/api/v1/regions/{COUNTY}"):
        padding = "x" * (QUERY_LIMIT - len("theme=") + 1)
        answer = client.get(f"{path}?theme={padding}")
        assert answer.status_code == 414 and answer.get_json()["error"]["status"] == 414, path
        assert str(QUERY_LIMIT) in answer.get_json()["error"]["message"]
    at_limit = client.get("/api/v1/metrics?theme=" + "x" * (QUERY_LIMIT - len("theme=")))
    assert at_limit.status_code == 400  # checked as usual: an unknown theme
    assert anonymous.get("/api/v1/metrics?theme=" + "x" * QUERY_LIMIT).status_code == 401  # sign-in comes first


def test_files_are_served_as_described(client, monkeypatch):
    from data.ingest import checklist

    monkeypatch.setattr(checklist, "to_pdf", lambda sample, lang="zh": b"%PDF-1.4 stub")  # the real one: tests/test_monitoring.py
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, query, media_type in (
            ("/api/v1/monitoring/sample", {"format": "xlsx"}, XLSX),
            ("/api/v1/monitoring/sample", {"format": "pdf"}, "application/pdf"),
            ("/api/v1/templates/{table}.xlsx", {}, XLSX),
            ("/api/v1/values", {"format": "csv"}, "text/csv"),
            ("/api/v1/series", {"format": "csv"}, "text/csv")):
        url, valid = _valid()[path]
        answer = client.get(url, query_string={**valid, **query})
        assert answer.status_code == 200 and answer.mimetype == media_type, (path, query)
        assert answer.headers["Content-Disposition"].startswith("attachment"), (path, query)
        documented = spec["paths"][path]["get"]["responses"]["200"]
        assert media_type in documented["content"] and "Content-Disposition" in documented["headers"], path


def test_every_route_but_the_description_needs_a_sign_in(anonymous):
    spec = anonymous.get("/api/v1/openapi.json").get_json()
    for path, operation in _operations(spec):
        url, query = _valid()[path]
        answer = anonymous.get(url, query_string=query)
        assert answer.status_code == (200 if path == "/api/v1/openapi.json" else 401), path
        assert str(answer.status_code) in operation["responses"], path


def test_warning_filters_are_checked_and_a_township_prefix_is_a_township(client):
    url, query = "/api/v1/monitoring/warnings", {"region": COUNTY, "min_score": "30"}
    for bad in ({"risk_type": "weather"}, {"category": "rich"}, {"township": "5227"}, {"township": "522728"},
                {"min_score": "nan"}, {"min_score": " 30"}, {"region": " 522728"}):
        answer = client.get(url, query_string={**query, **bad})
        assert answer.status_code == 400, (bad, answer.status_code)
    full = client.get(url, query_string={**query, "township": TOWNSHIP}).get_json()
    prefix = client.get(url, query_string={**query, "township": TOWNSHIP[:9]}).get_json()
    assert prefix["count"] == full["count"] > 0
    assert client.get(url, query_string={**query, "township": "522727101000"}).status_code == 400  # not in the region


def test_a_method_the_api_does_not_take_is_answered_405_in_json(client):
    for method in ("post", "put", "delete", "patch"):
        for path in ("/api/v1/metrics", "/geo/province.geojson"):
            answer = getattr(client, method)(path)
            assert answer.status_code == 405 and answer.is_json, (method, path)
            assert answer.get_json()["error"]["status"] == 405 and "GET" in answer.headers["Allow"]
