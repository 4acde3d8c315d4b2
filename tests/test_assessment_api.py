"""The assessment workbench's API (/api/v1/assessment/, issue 19), its figures and its evidence pack: scope,
validation, CSV, what-if weights, robustness from a seed, evidence down to the records (an evaluator sees
the fixed sample only), the field-verification design, frozen runs; the pure figure builders on hand-made
answers (layouts/figures_assessment.py)."""
from __future__ import annotations

import csv
import io
import subprocess

import plotly.graph_objects as go
import pytest

from data.definitions import policy
from data.definitions.access import sampled
from data.definitions.schemes import GRADES, get_shipped
from layouts import figures_assessment as charts
from tests.conftest import sign_in

NATIONAL_KEY = ("522728000000", "522732000000")  # 罗甸县, 三都水族自治县 (tiny scale)
COUNTY = "522728"
API = "/api/v1/assessment"
# For tests/test_api.py: each path of the workbench → a URL and a query answered 200 on the tiny database,
# and the required parameters.
VALID = {f"{API}/{path}": (f"{API}/{path}", query) for path, query in (
    ("schemes", {}), ("scores", {"scheme": "default", "year": "2025", "class": "national_key", "format": "json"}),
    ("robustness", {"year": "2025", "samples": "50", "seed": "3"}),
    ("evidence", {"county": COUNTY, "year": "2025", "indicator": "idle_projects"}),
    ("samples", {"county": COUNTY, "seed": "5"}), ("results", {"county": COUNTY}),
    ("runs", {"year": "2025"}), ("run", {}), ("compare", {}))}
REQUIRED = {(f"{API}/{path}", "county") for path in ("evidence", "samples", "results")}


@pytest.fixture(scope="module")
def evaluator(app):
    return sign_in(app.server.test_client(), "demo_evaluator")


@pytest.fixture(scope="module")
def leader(app):
    return sign_in(app.server.test_client(), "demo_county")  # 罗甸县's leader


def _get(client, path, **query):
    answer = client.get(API + path, query_string=query)
    assert answer.status_code == 200, (path, query, answer.get_data(as_text=True)[:300])
    return answer.get_json()


# -- scores ----------------------------------------------------------------------------------------------
def test_every_county_of_the_class_is_ranked_with_grade_progress_and_coverage(evaluator):
    found = _get(evaluator, "/scores", **{"class": "national_key", "year": "2025"})
    assert found["scheme"] == {**found["scheme"], "id": "default", "version": 1} and found["year"] == "2025"
    assert [c["code"] for c in found["counties"]] and {c["code"] for c in found["counties"]} == set(NATIONAL_KEY)
    composites = [c["composite"] for c in found["counties"]]
    assert composites == sorted(composites, reverse=True) and [c["rank"] for c in found["counties"]] == [1, 2]
    for county in found["counties"]:
        assert county["grade"] in GRADES and county["progress_rank"] in (1, 2) and county["coverage"] == 1.0
        assert county["progress"] == pytest.approx(county["composite"] - county["previous"], abs=1e-3)
        assert set(county["dimensions"]) == {d["code"] for d in found["dimensions"]}
    assert not found["what_if"] and found["data_version"]
    every = _get(evaluator, "/scores", **{"class": "all", "year": "2025"})
    assert every["count"] == 3 and sorted(c["rank"] for c in every["counties"]) == [1, 2, 3]


def test_what_if_weights_re_rank_without_saving_and_say_so(evaluator):
    """Only income growth left (every other weight 0): the composite is that indicator's normalised score."""
    zero = {"dimension_weights": "responsibility:0,policy:0,work:0",
            "indicator_weights": "risk_eliminated:0,employment:0", "year": "2025"}
    found = _get(evaluator, "/scores", **zero)
    assert found["what_if"] and found["weights"]["dimensions"]["work"] == 0
    for county in found["counties"]:
        evidence = _get(evaluator, "/evidence", county=county["code"], year="2025")
        growth = next(i for d in evidence["dimensions"] for i in d["indicators"] if i["code"] == "income_growth")
        assert county["composite"] == pytest.approx(growth["normalised"], abs=1e-3)
    order = [c["code"] for c in found["counties"]]
    assert order == [c["code"] for c in sorted(found["counties"], key=lambda c: -c["composite"])]
    assert not _get(evaluator, "/scores", year="2025")["what_if"]  # nothing was saved


@pytest.mark.parametrize("query, status", [
    ({"dimension_weights": "nowhere:10"}, 400), ({"dimension_weights": "responsibility:0,policy:0,work:0,results:0"}, 400),
    ({"dimension_weights": "responsibility=10"}, 400), ({"dimension_weights": "policy:1,policy:2"}, 400),
    ({"indicator_weights": "team_days:-1"}, 400), ({"class": "rich"}, 400), ({"year": "1999"}, 400),
    ({"year": "2030"}, 404), ({"scheme": "nothing"}, 404), ({"scheme": "Bad!"}, 400), ({"colour": "red"}, 400),
    ({"region": "99"}, 404), ({"region": "522728"}, 400), ({"samples": "0"}, 400)])
def test_parameters_are_checked_with_a_message_never_500(evaluator, query, status):
    path = "/robustness" if "samples" in query else "/scores"
    answer = evaluator.get(API + path, query_string=query)
    assert answer.status_code == status, (query, answer.get_data(as_text=True)[:200])
    assert answer.get_json()["error"]["message"]


def test_scores_and_robustness_download_as_csv(evaluator):
    answer = evaluator.get(f"{API}/scores", query_string={"format": "csv", "year": "2025"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["code"] for r in rows} == set(NATIONAL_KEY) and {"grade", "progress_rank", "dim_results"} <= set(rows[0])
    robust = evaluator.get(f"{API}/robustness", query_string={"format": "csv", "samples": "50", "seed": "4"})
    rows = list(csv.DictReader(io.StringIO(robust.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[0]["seed"] == "4" and "p_good" in rows[0]


# -- robustness ------------------------------------------------------------------------------------------
def test_robustness_is_reproducible_from_its_seed(evaluator):
    query = {"class": "all", "samples": "300", "seed": "11", "year": "2025",
             "dimension_weights": "responsibility:25,policy:25,work:25,results:25"}
    first, again = _get(evaluator, "/robustness", **query), _get(evaluator, "/robustness", **query)
    assert first["counties"] == again["counties"] and (first["samples"], first["seed"]) == (300, 11)
    for county in first["counties"]:
        assert county["rank_min"] <= county["rank_p05"] <= county["rank_median"] <= county["rank_p95"] <= county["rank_max"]
        assert sum(county["grade_probabilities"].values()) == pytest.approx(1.0)
        assert county["solid"] == (county["grade_probabilities"][county["grade"]] >= first["solid_cut"])


# -- evidence --------------------------------------------------------------------------------------------
def test_evidence_goes_from_the_score_to_the_records_and_an_evaluator_sees_the_sample_only(evaluator, client):
    query = {"county": COUNTY, "indicator": "days_to_assistance", "year": "2025"}
    seen = _get(evaluator, "/evidence", **query)
    full = _get(client, "/evidence", **query)
    assert seen["county"]["code"] == "522728000000" and [d["code"] for d in seen["dimensions"]] == \
        [d.code for d in get_shipped("default").dimensions]
    item = next(i for d in seen["dimensions"] for i in d["indicators"] if i["code"] == "days_to_assistance")
    assert item["metric"] == "median_days_to_assistance" and item["target"] == 30 and item["value"] is not None
    assert [p["period"] for p in item["trend"]] == ["2024", "2025"] and item["peers"]["n"] == 2
    records, everything = item["records"], next(
        i for d in full["dimensions"] for i in d["indicators"] if i["code"] == "days_to_assistance")["records"]
    assert (records["kind"], records["mode"], everything["mode"]) == ("overdue_cases", "sample", "full")
    assert records["count"] == everything["count"] > 0  # counts are of every household
    shown = [r["household_id"] for r in records["rows"]]
    assert all(sampled(shown)) and set(shown) <= {r["household_id"] for r in everything["rows"]}
    assert len(shown) < len(everything["rows"])
    projects = _get(evaluator, "/evidence", county=COUNTY, indicator="idle_projects", year="2025")
    idle = next(i for d in projects["dimensions"] for i in d["indicators"] if i["code"] == "idle_projects")["records"]
    assert idle["kind"] == "idle_projects" and all(r["status"] in ("idle", "failed") for r in idle["rows"])
    assert evaluator.get(f"{API}/evidence", query_string={"county": COUNTY, "indicator": "nothing"}).status_code == 400


def test_a_county_leader_reads_her_provinces_scores_but_no_other_countys_records(leader):
    found = _get(leader, "/scores", **{"class": "all"})
    assert {c["code"][:2] for c in found["counties"]} == {"52"}
    neighbour = _get(leader, "/evidence", county="522731", indicator="idle_projects")
    idle = next(i for d in neighbour["dimensions"] for i in d["indicators"] if i["code"] == "idle_projects")
    assert idle["records"]["mode"] == "outside" and idle["records"]["rows"] == []
    assert leader.get(f"{API}/samples", query_string={"county": "522731"}).status_code == 403
    assert leader.get(f"{API}/scores", query_string={"region": "11"}).status_code == 403
    assert leader.post(f"{API}/runs").status_code == 403  # saving is for evaluators and administrators


# -- field verification ----------------------------------------------------------------------------------
def test_the_field_verification_design_is_seeded_and_shows_an_evaluator_the_sample_only(evaluator, client):
    one, again = _get(evaluator, "/samples", county=COUNTY, seed="7"), _get(evaluator, "/samples", county=COUNTY, seed="7")
    assert one == again and one["design"]["method"] == "two_stage" and one["villages"]
    full = _get(client, "/samples", county=COUNTY, seed="7")
    assert full["size"] == one["size"] == len(full["households"]) and one["mode"] == "sample"
    assert all(sampled([h["household_id"] for h in one["households"]]))
    assert _get(client, "/samples", county=COUNTY, seed="8")["households"] != full["households"]
    answer = client.get(f"{API}/samples", query_string={"county": COUNTY, "seed": "7", "format": "csv"})
    assert answer.get_data(as_text=True).startswith("\ufeffhousehold_id,head_name,village_code")
    results = _get(evaluator, "/results", county=COUNTY)  # the demo's visit results, of this round's sample
    assert results["visited"] == results["matched"] > 0 and results["unmatched"] == 0 and results["formula"]["zh"]
    rates = {r["code"]: r for r in results["rates"]}
    assert set(rates) == {"wrongly_exited", "missed", "approval", "identified"}
    assert (rates["wrongly_exited"]["threshold"], rates["missed"]["threshold"], rates["approval"]["threshold"]) == (
        policy.FIELD_WRONG_EXIT_MAX, policy.FIELD_MISSED_MAX, policy.FIELD_APPROVAL_MIN)
    for rate in rates.values():
        assert rate["low"] <= rate["estimate"] <= rate["high"] and rate["n"] > 0
    other_round = _get(evaluator, "/results", county=COUNTY, seed="7")
    assert other_round["matched"] < results["matched"]  # another round's design does not weigh these visits


# -- frozen runs -----------------------------------------------------------------------------------------
def test_a_saved_run_is_listed_read_back_and_compared(evaluator):
    saved = evaluator.post(f"{API}/runs", query_string={"year": "2025", "label": "初评"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    run = saved.get_json()
    assert run["label"] == "初评" and run["scheme"]["id"] == "default" and run["versions"]["data_version"]
    assert run["id"] in [r["id"] for r in _get(evaluator, "/runs")["runs"]]
    assert _get(evaluator, "/run", id=str(run["id"]))["run"]["digest"] == run["digest"]
    assert _get(evaluator, "/run")["run"]["id"] == run["id"]  # the latest
    assert [r["id"] for r in _get(evaluator, "/runs", label="初", year="2025")["runs"]][:1] == [run["id"]]
    assert _get(evaluator, "/runs", year="2024")["runs"] == []
    compared = _get(evaluator, "/compare", first=str(run["id"]), second=str(run["id"]))
    assert compared["rows"] and {r["reason"] for r in compared["rows"]} == {"none"}
    assert compared["rows"][0]["name"] in ("罗甸县", "惠水县", "三都水族自治县")
    assert evaluator.get(f"{API}/run", query_string={"id": "0"}).status_code == 400
    assert evaluator.get(f"{API}/run", query_string={"id": "99999"}).status_code == 404


# -- the evidence pack -----------------------------------------------------------------------------------
def test_the_evidence_pack_names_every_dimension_and_versions(evaluator):
    answer = evaluator.get("/assessment/522728/pack.pdf?year=2025")
    assert answer.status_code == 200 and answer.data[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-", "-"], input=answer.data, capture_output=True, check=True).stdout.decode()
    for dimension in get_shipped("default").dimensions:
        assert dimension.zh in text
    assert "罗甸县" in text and "default v1" in text
    workbook = evaluator.get("/assessment/522728/pack.xlsx?lang=en")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert evaluator.get("/assessment/52/pack.pdf").status_code == 404
    assert evaluator.get("/assessment/522728/pack.doc").status_code == 404


# -- figures on hand-made answers ------------------------------------------------------------------------
GRADE_LIST = [{"code": g, "zh": g, "en": g} for g in GRADES]
SCORES = {"year": "2025", "grades": GRADE_LIST, "dimensions": [{"code": "a", "zh": "甲", "en": "A"}],
          "counties": [
              {"code": "2", "name": "乙县", "composite": 40.0, "rank": 2, "grade": "poor", "progress": -1.5,
               "progress_rank": 1, "coverage": 1.0, "dimensions": {"a": {"score": 40.0, "coverage": 1.0}}},
              {"code": "1", "name": "甲县", "composite": 70.0, "rank": 1, "grade": "good", "progress": None,
               "progress_rank": None, "coverage": 0.8, "dimensions": {"a": {"score": None, "coverage": 0.0}}},
              {"code": "3", "name": "丙县", "composite": None, "rank": None, "grade": None, "progress": None,
               "progress_rank": None, "coverage": 0.2, "dimensions": {}}]}


def test_the_ranking_lists_rank_order_and_shows_missing_as_missing_never_zero():
    rows = charts.ranking_rows(SCORES, "zh")
    assert [r["code"] for r in rows] == ["1", "2", "3"] and rows[0]["id"] == "1"
    assert (rows[0]["grade"], rows[0]["progress"], rows[0]["dim:a"], rows[0]["coverage"]) == ("good", "—", "—", "80%")
    assert rows[1]["progress"] == "-1.5" and rows[2]["composite"] == "—"
    figure = charts.ranking_figure(SCORES, "en")
    go.Figure(figure)
    bar = figure["data"][0]
    assert bar["y"] == ["1. 甲县", "2. 乙县"] and bar["x"] == [70.0, 40.0] and bar["customdata"] == ["1", "2"]
    assert bar["marker"]["color"] == [charts.GRADE_COLOURS["good"], charts.GRADE_COLOURS["poor"]]
    assert "1 counties without a score" in figure["layout"]["title"]["text"]
    assert [c["id"] for c in charts.ranking_columns(SCORES, "zh")][-1] == "dim:a"


def test_robustness_figures_draw_rank_ranges_and_stacked_grade_probabilities():
    robust = {"samples": 1000, "seed": 9, "counties": [
        {"code": "1", "name": "甲县", "rank": 1, "rank_min": 1, "rank_p05": 1, "rank_p95": 2, "rank_max": 3,
         "grade_probabilities": {"good": 0.7, "fairly_good": 0.3}},
        {"code": "2", "name": "乙县", "rank": 2, "rank_min": 1, "rank_p05": 1, "rank_p95": 2, "rank_max": 2,
         "grade_probabilities": {"poor": 1.0}}]}
    figure = charts.robustness_figure(robust, "zh")
    go.Figure(figure)
    extremes, spread = figure["data"]
    assert spread["x"] == [1, 2] and spread["error_x"]["array"] == [1, 0] and spread["error_x"]["arrayminus"] == [0, 1]
    assert extremes["x"] == [1, 1, 3, 2] and "1000" in figure["layout"]["title"]["text"] and "9" in figure["layout"]["title"]["text"]
    bars = charts.grade_probability_figure(robust, GRADE_LIST, "en")
    go.Figure(bars)
    assert [trace["x"] for trace in bars["data"][:4]] == [[70.0, 0], [30.0, 0], [0, 0], [0, 100.0]]
    assert charts.solid_grades(robust) == ["2"]


def test_evidence_and_verification_figures():
    evidence = {"county": {"name": "甲县"}, "dimensions": [
        {"code": "a", "zh": "甲", "en": "A", "score": 80.0, "peers_median": 60.0},
        {"code": "b", "zh": "乙", "en": "B", "score": None, "peers_median": 50.0}]}
    figure = charts.dimension_figure(evidence, "zh")
    go.Figure(figure)
    assert figure["data"][0]["y"] == [80.0, None] and figure["data"][1]["y"] == [60.0, 50.0]
    indicator = {"zh": "识别到帮扶天数", "en": "Days", "unit": "天", "target": 30.0,
                 "trend": [{"period": "2024", "value": 20.0}, {"period": "2025", "value": 25.0}],
                 "peers_trend": [{"period": "2024", "value": 22.0}]}
    trend = charts.indicator_trend_figure(indicator, "zh")
    go.Figure(trend)
    assert trend["data"][0]["x"] == ["2024-01-01", "2025-01-01"] and trend["layout"]["shapes"][0]["y0"] == 30.0
    results = {"rates": [
        {"code": "wrongly_exited", "estimate": 1.0, "low": 0.3, "high": 3.1, "threshold": 2.0, "verdict": "undecided", "n": 80},
        {"code": "approval", "estimate": 96.0, "low": 92.5, "high": 98.0, "threshold": 90.0, "verdict": "meets", "n": 90},
        {"code": "identified", "estimate": 97.0, "low": 93.0, "high": 99.0, "threshold": None, "verdict": None, "n": 50}]}
    verification = charts.verification_figure(results, "zh")
    go.Figure(verification)
    points = verification["data"][0]
    assert points["y"] == ["错退率", "群众认可度"] and points["error_x"]["array"] == pytest.approx([2.1, 2.0])
    assert points["marker"]["color"] == ["#f0ad4e", "#1d7a36"]


# -- the field-verification checklist --------------------------------------------------------------------
def test_the_checklist_states_the_design_then_villages_then_households_inside_and_outside(evaluator, app):
    import openpyxl

    from data.compute import verification

    design = _get(evaluator, "/samples", county=COUNTY, seed="5")
    answer = evaluator.get(f"/assessment/{COUNTY}/checklist.pdf?seed=5")
    assert answer.status_code == 200 and answer.data[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-", "-"], input=answer.data, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())
    sample_id = verification.sample_id(5, design["county"]["code"])
    for words in ("两阶段抽样", "随机种子5", sample_id, "抽样设计", "抽中的村", "监测对象名单内的户", "监测对象名单外的户",
                  "入样概率", "设计权数", "识别准确", "应纳未纳", "错误退出", "群众认可"):
        assert words in flat, words
    order = [flat.index(w) for w in ("抽样设计", "抽中的村", "监测对象名单内的户", "监测对象名单外的户")]
    assert order == sorted(order)
    for village in design["villages"]:
        assert village["village_code"] in flat
    for household in design["households"]:  # the evaluator's: those of the fixed sample
        assert household["household_id"] in flat
    assert "monitored_many" not in flat and "outside_other" not in flat  # strata by their names, not codes

    book = openpyxl.load_workbook(io.BytesIO(evaluator.get(
        f"/assessment/{COUNTY}/checklist.xlsx?seed=5&lang=en").data))
    cells = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "Two-stage sample" in cells and sample_id in cells and "Design weight" in cells
    assert len(book.sheetnames) >= 4
    assert evaluator.get(f"/assessment/{COUNTY}/checklist.pdf?seed=x").status_code == 400
    assert evaluator.get("/assessment/52/checklist.pdf").status_code == 404
    assert evaluator.get(f"/assessment/{COUNTY}/checklist.doc").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_records_behind_an_indicator_have_the_headers_of_the_pages_that_list_them(lang):
    from layouts import assessment_page

    item = {"zh": "闲置项目", "en": "Idle projects", "definition_zh": "", "definition_en": "", "description_zh": "",
            "description_en": "", "trend": [], "peers_trend": [], "records": {
        "kind": "idle_projects", "count": 1, "mode": "full",
        "rows": [{"project_id": "p1", "name": "蔬菜基地", "funds_total": 10, "status": "idle", "flagged": True}]}}
    table = next(c for c in _walk(assessment_page.indicator_detail(item, lang)) if getattr(c, "id", None)
                 == assessment_page.RECORDS)
    from data.definitions.messages import t

    columns = ["project_id", "name", "funds_total", "status", "flagged"]
    assert [c["name"] for c in table.columns] == [t(f"col_project_{c}", lang) for c in columns]  # as on the profile
    assert [c["name"] for c in table.columns] != columns


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "children") or hasattr(child, "id"):
            yield from _walk(child)
