"""Monitoring and early warning: the score's monotonicity, the what-if, the board against hand-computed
cases, the field sample, the backtest, the flood in the demo history, the API and the page."""
from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from data.compute import risk
from data.definitions.access import ROLES, Access, Scope
from data.definitions.policy import WARNING_CUT
from data.read import cube, monitoring
from tests.conftest import sign_in
from tests.test_access import _page

COUNTY = "522728"
ADMIN = Access("test", ROLES["admin"], Scope())

household = st.fixed_dictionaries({
    "size": st.integers(1, 8), "labour_count": st.integers(0, 4),
    "income_pc": st.one_of(st.none(), st.floats(-2000, 40000)), "income_prev_pc": st.one_of(st.none(), st.floats(0, 40000)),
    "transfer": st.floats(0, 60000), "threshold": st.floats(6000, 12000), "expense_yuan": st.floats(0, 100000),
    "serious": st.integers(0, 3), "disabled": st.integers(0, 3), "chronic": st.integers(0, 3),
    "idle_share": st.one_of(st.none(), st.floats(0, 1)),
})


def _score(row: dict) -> float:
    return float(risk.points(pd.DataFrame([row]).astype(float))["score"].iloc[0])


@settings(max_examples=300, deadline=None)
@given(household, st.floats(1, 20000), st.sampled_from(["serious", "disabled", "chronic"]), st.floats(1, 50000),
       st.floats(0.01, 1))
def test_less_income_more_illness_more_expense_or_idleness_never_lower_the_score(row, cut, illness, expense, idle):
    score = _score(row)
    if row["income_pc"] is not None:
        assert _score({**row, "income_pc": row["income_pc"] - cut}) >= score
    assert _score({**row, illness: row[illness] + 1}) >= score
    assert _score({**row, "chronic": 0, "serious": row["serious"] + row["chronic"]}) >= score  # chronic → serious
    assert _score({**row, "expense_yuan": row["expense_yuan"] + expense}) >= score
    assert _score({**row, "idle_share": min(1.0, (row["idle_share"] or 0) + idle)}) >= score
    assert 0 <= score <= 100


def test_every_driver_is_said_in_words_with_its_risk_type():
    row = {"size": 4, "labour_count": 0, "income_pc": 7000.0, "income_prev_pc": 10000.0, "transfer": 20000.0,
           "threshold": 8000.0, "expense_yuan": 20000.0, "serious": 1, "disabled": 0, "chronic": 0,
           "idle_share": None, "expense_kind": "disaster_loss", "expense_period": "2025-07", "expense_amount": 20000.0,
           "idle_all_window": 0}
    points = risk.points(pd.DataFrame([row]).astype({k: float for k in risk.FEATURES})).iloc[0].to_dict()
    said = risk.drivers(row, points, limit=10)
    assert {d["component"] for d in said} >= {"income_gap", "income_drop", "expenses", "health", "labour"}
    words = {d["component"]: d["zh"] for d in said}
    assert words["income_gap"] == "人均纯收入7,000元，低于监测线12%"
    assert words["income_drop"] == "人均纯收入较上年下降30%"
    assert words["expenses"].startswith("因灾损失2.0万元（2025-07）")
    assert words["health"] == "家中有重病患者" and words["labour"] == "家中无劳动力"
    assert {d["component"]: d["risk"] for d in said}["expenses"] == "disaster"


def test_what_if_counts_never_fall_as_the_threshold_rises(tiny_storage):
    previous = None
    for threshold in range(4000, 20001, 1000):
        answer = monitoring.whatif(tiny_storage, ADMIN, COUNTY, threshold)
        assert answer["households"] == sum(c["households"] for c in answer["children"])
        if previous:
            assert answer["households"] >= previous["households"] and answer["people"] >= previous["people"]
            for now, before in zip(answer["children"], previous["children"]):
                assert now["households"] >= before["households"]
        previous = answer
    assert 0 < previous["households"] <= previous["households_with_income"]
    with pytest.raises(monitoring.BadRequest):
        monitoring.whatif(tiny_storage, ADMIN, COUNTY, 10)


def test_the_board_matches_hand_computed_cases():
    town_a, town_b = "522728101001", "522728102001"
    households = pd.DataFrame({"household_id": ["a1", "a2", "b1"], "village_code": [town_a, town_a, town_b],
                               "head_name": ["张*", "李*", "王*"], "labour_count": [1, 0, 2]})
    monitoring_rows = pd.DataFrame([
        # signal → identified 10 days, first measure 20 days later: on time
        ("a1", "marginal", "2025-03-01", "2025-03-05", "2025-03-11", "illness", "not_eliminated", None),
        # 20 days to identify (overdue), measure 40 days after (overdue)
        ("a2", "marginal", "2025-04-01", "2025-04-10", "2025-04-21", "lack_of_labour", "not_eliminated", None),
        # identified 5 days after the signal, no measure yet, 50 days before as-of (overdue)
        ("b1", "sudden_hardship", "2025-05-01", "2025-05-03", "2025-05-06", "disaster", "not_eliminated", None),
    ], columns=["household_id", "category", "signal_on", "verified_on", "identified_on", "risk_types", "risk_status",
                "eliminated_on"])
    assistance = pd.DataFrame([("a1", "health", "2025-03-31"), ("a1", "industry", "2025-05-01"),
                               ("a2", "dibao", "2025-05-31")], columns=["household_id", "measure", "started_on"])
    frame = monitoring.timeline(monitoring_rows, assistance, households, dt.date(2025, 6, 25))
    assert frame.set_index("household_id")["days_to_identify"].to_dict() == {"a1": 10, "a2": 20, "b1": 5}
    assert frame.set_index("household_id")["days_to_measure"].fillna(-1).to_dict() == {"a1": 20, "a2": 40, "b1": -1}
    assert frame.set_index("household_id")["overdue"].to_dict() == {"a1": False, "a2": True, "b1": True}
    board = {row["code"]: row for row in monitoring.township_board(frame, {})}
    a, b = board["522728101000"], board["522728102000"]
    assert (a["cases"], a["median_days_to_identify"], a["p90_days_to_identify"]) == (2, 10, 20)
    assert (a["median_days_to_measure"], a["p90_days_to_measure"]) == (20, 40)
    assert (a["overdue_identification"], a["overdue_measure"], b["overdue_identification"], b["overdue_measure"]) == (1, 1, 0, 1)
    assert monitoring.unmatched("lack_of_labour", ["dibao"], 0) == []
    assert monitoring.unmatched("illness", ["education"], 2) == ["illness", "labour_capacity"]


def test_the_field_sample_is_reproducible_and_covers_every_stratum(tiny_storage):
    first = monitoring.field_sample(tiny_storage, ADMIN, COUNTY, 30, 7)
    assert first == monitoring.field_sample(tiny_storage, ADMIN, COUNTY, 30, 7)
    other = monitoring.field_sample(tiny_storage, ADMIN, COUNTY, 30, 8)
    assert {h["household_id"] for h in other["households"]} != {h["household_id"] for h in first["households"]}
    assert first["size"] == len(first["households"]) == 30
    assert all(s["sampled"] >= 1 for s in first["strata"]) and sum(s["sampled"] for s in first["strata"]) == 30
    seen = {(h["township"], h["category_zh"]) for h in first["households"]}
    assert seen == {(s["township"], s["category_zh"]) for s in first["strata"]}
    fewer = monitoring.field_sample(tiny_storage, ADMIN, COUNTY, len(first["strata"]) - 1, 7)  # tests/test_field_sample.py
    assert fewer["size"] == len(first["strata"]) - 1 and fewer["design"]["method"] == "pps"


def test_the_backtest_finds_more_identifications_in_higher_bands(tiny_storage):
    result = monitoring.backtest(tiny_storage, ADMIN, "522700")
    bands = result["bands"]
    low = sum(b["identified"] for b in bands[:2]) / sum(b["households"] for b in bands[:2])
    high = sum(b["identified"] for b in bands[5:]) / max(sum(b["households"] for b in bands[5:]), 1)
    assert high > 5 * low
    cut = next(c for c in result["cuts"] if c["cut"] == WARNING_CUT)
    assert 0 < cut["precision"] < 100 and 0 < cut["recall"] < 100
    recalls = [c["recall"] for c in result["cuts"]]
    assert recalls == sorted(recalls, reverse=True)  # a higher cut never catches more


def test_flood_counties_light_up_in_the_flood_months(tiny_storage):
    flood = [e["region_code"] for e in monitoring.events(tiny_storage, ADMIN, None) if e["kind"] == "flood"]  # the demo's
    others = [c for c in json.loads(tiny_storage.facts()["counties_in_scope"]) if c not in flood]
    assert flood and others

    def share(code, period):
        return next(p["value"] for p in cube.series(tiny_storage, ADMIN, "warning_share", code)["series"] if p["period"] == period)

    for county in flood:
        assert max(share(county, "2025-07"), share(county, "2025-08")) > 1.5 * share(county, "2025-06")
    warned = monitoring.warnings(tiny_storage, ADMIN, flood[0][:6], period="2025-08", min_score=40)
    assert any(r["risk_types"].count("disaster") for r in warned["households"])


def test_the_api_answers_scoped_validated_and_audited(app, client, as_user):
    for route in ("warnings", "board", "checks"):
        answer = client.get(f"/api/v1/monitoring/{route}?region={COUNTY}")
        assert answer.status_code == 200, answer.get_json()
    warned = client.get(f"/api/v1/monitoring/warnings?region={COUNTY}&min_score=30").get_json()
    assert warned["count"] >= len(warned["households"]) > 0
    assert all(h["head_name"].endswith("*") and h["drivers"] for h in warned["households"])
    whatif = client.get(f"/api/v1/monitoring/whatif?region={COUNTY}&threshold=9000").get_json()
    assert whatif["households"] > 0 and whatif["children"]
    sample = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=20&seed=3").get_json()
    assert sample["size"] == 20
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=20&seed=3&format=xlsx").data))
    assert book.active.max_row == 3 + 20
    assert client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=20&seed=3&format=pdf").data[:4] == b"%PDF"
    for bad in ("warnings?region=522728&min_score=500", "whatif?region=522728&threshold=abc", "whatif?region=522728",
                "sample?region=522728&size=0", "sample?region=522728&format=doc", "board", "board?region=5227x",
                "warnings?region=522728&period=1999-01", "board?region=522728&bogus=1"):
        answer = client.get(f"/api/v1/monitoring/{bad}")
        assert answer.status_code == 400, (bad, answer.status_code)
    assert client.get("/api/v1/monitoring/board?region=999999").status_code == 404
    county = sign_in(app.server.test_client(), "demo_county")
    assert county.get("/api/v1/monitoring/warnings?region=522732").status_code == 403
    office = sign_in(app.server.test_client(), "demo_collaboration")
    hidden = office.get("/api/v1/monitoring/sample?region=52&size=60").get_json()
    assert hidden["mode"] == "hidden" and hidden["households"] == [] and hidden["size"] == 60


def test_the_page_explains_the_flood_and_lists_warnings(app, client):
    flooded = _page(client, "/monitoring", f"?region={COUNTY}&period=2025-08&min_score=40")
    text = json.dumps(flooded.get_json(), ensure_ascii=False)
    assert flooded.status_code == 200
    assert "洪涝" in text and "因灾损失" in text and "mon-warnings" in text
    for section in ("识别到帮扶进度", "帮扶措施匹配与风险消除核查", "监测线测算", "入户核查抽样", "回测与校准"):
        assert section in text
    national = _page(client, "/monitoring", "")
    assert national.status_code == 200 and "回测与校准" in json.dumps(national.get_json(), ensure_ascii=False)
    office = sign_in(app.server.test_client(), "demo_collaboration")  # two provinces, no national figures
    assert _page(office, "/monitoring", "").status_code == 200


def test_a_region_without_households_answers_every_filter_with_nothing(tiny_storage, client):
    for filters in ({"risk_type": "illness"}, {"category": "marginal"}, {"min_score": 100, "risk_type": "disaster"}):
        empty = monitoring.warnings(tiny_storage, ADMIN, "11", **filters)  # 北京: no household data
        assert (empty["count"], empty["households"], empty["by_village"]) == (0, [], {})
    nothing_warned = monitoring.warnings(tiny_storage, ADMIN, COUNTY, min_score=100, risk_type="illness")
    assert nothing_warned["count"] == 0 and nothing_warned["scored_households"] > 0
    answer = client.get("/api/v1/monitoring/warnings?region=11&risk_type=illness")
    assert answer.status_code == 200 and answer.get_json()["count"] == 0


def test_the_page_of_a_region_without_households_says_there_is_no_data(client):
    from data.definitions.messages import t

    for search in ("?region=11", "?region=11&threshold=9000"):
        page = _page(client, "/monitoring", search)
        assert page.status_code == 200, page.data[:300]
        assert t("mon_whatif_no_data", "zh") in json.dumps(page.get_json(), ensure_ascii=False)


# -- the read service's reads and caches (issue 17 part 6) ------------------------------------------------
def _count_queries(storage):
    import sqlalchemy as sa

    counted = []
    sa.event.listen(storage.engine, "before_cursor_execute", lambda *args, **kwargs: counted.append(1))
    return counted


def test_what_the_page_reads_is_read_once_per_data_version(tiny_storage, monkeypatch):
    """The sections share one read of each table and the scores of a month: asked again, the services answer
    the same without a query of household rows; a new records version reads again."""
    monitoring.clear_caches()
    county = ADMIN
    first = [monitoring.warnings(tiny_storage, county, COUNTY, period="2025-08", min_score=40),
             monitoring.board(tiny_storage, county, COUNTY), monitoring.checks(tiny_storage, county, COUNTY),
             monitoring.whatif(tiny_storage, county, COUNTY, 9000), monitoring.field_sample(tiny_storage, county, COUNTY, 20, 3)]
    statements: list[str] = []
    import sqlalchemy as sa

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)
    sa.event.listen(tiny_storage.engine, "before_cursor_execute", seen)
    try:
        again = [monitoring.warnings(tiny_storage, county, COUNTY, period="2025-08", min_score=40),
                 monitoring.board(tiny_storage, county, COUNTY), monitoring.checks(tiny_storage, county, COUNTY),
                 monitoring.whatif(tiny_storage, county, COUNTY, 9500), monitoring.field_sample(tiny_storage, county, COUNTY, 20, 3)]
        household_reads = [s for s in statements if any(f"FROM {t}" in s for t in ("households", "income", "members",
                                                                                  "monitoring", "assistance", "employment"))]
        assert household_reads == []
        assert again[:3] == first[:3] and again[4] == first[4]
        assert again[3]["households"] >= first[3]["households"]  # a higher line: no fewer households under it
        facts = tiny_storage.facts()
        monkeypatch.setattr(type(tiny_storage), "facts", lambda self: {**facts, "records_version": "a new import"})
        assert monitoring.board(tiny_storage, county, COUNTY) == first[1]
        assert any("FROM monitoring" in s for s in statements)  # read again for the new version
    finally:
        sa.event.remove(tiny_storage.engine, "before_cursor_execute", seen)
        monitoring.clear_caches()


def test_the_scores_read_only_the_expenses_that_still_count(tiny_storage):
    """The month's scores read the expenses of the last risk.EXPENSE_GONE_MONTHS only: the same scores as
    from every expense up to the month."""
    import sqlalchemy as sa

    from data.compute.build import thresholds_frame
    from data.store.schema import data_tables

    monitoring.clear_caches()
    known = monitoring.months(tiny_storage)
    prefix = COUNTY
    for period in (known[-1], "2025-08", known[1]):
        scored = monitoring._scored(tiny_storage, prefix, period).frame
        month = known.index(period)
        window = known[max(0, month - risk.EMPLOYMENT_MONTHS):month + 1]
        with tiny_storage.engine.connect() as connection:
            tables = {name: monitoring._read(connection, name, prefix, columns) for name, columns in (
                ("households", ("household_id", "village_code", "size", "labour_count", "former_poor")),
                ("members", ("household_id", "health")), ("income", ("household_id", "year", "per_capita_net_income", "transfer")))}
            tables["expenses"] = monitoring._read(connection, "expenses", prefix, ("household_id", "period", "kind", "amount_yuan"),
                                                  data_tables["expenses"].c.period <= period)
            tables["employment"] = monitoring._read(connection, "employment", prefix, ("person_id", "household_id", "period",
                                                                                       "employed"),
                                                    data_tables["employment"].c.period.in_(window))
            limits = thresholds_frame(connection)
            provinces = pd.Series(dict(connection.execute(sa.text(
                "SELECT code, province_code FROM regions WHERE level = 'village'")).all()), dtype=object)
        prepared = risk.prepare(tables, provinces, limits, tuple(known))
        everything = risk.points(risk.features(prepared, month))["score"]
        assert scored["score"].reindex(everything.index).tolist() == everything.tolist(), period
        if month:
            before = risk.points(risk.features(prepared, month - 1))["score"]
            assert scored["previous"].reindex(before.index).tolist() == before.tolist(), period
    monitoring.clear_caches()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["522728101000", "522728102000", "522728103000"]),
                          st.one_of(st.none(), st.integers(0, 120)), st.one_of(st.none(), st.integers(0, 90)),
                          st.booleans(), st.booleans()), min_size=0, max_size=40))
def test_the_township_board_is_each_townships_quantiles(cases):
    """The board computed for all townships at once equals each township's own quantiles (numpy's
    inverted CDF) and counts."""
    frame = pd.DataFrame(cases, columns=["township_code", "days_to_identify", "days_to_measure",
                                         "overdue_identification", "overdue_measure"])
    frame[["days_to_identify", "days_to_measure"]] = frame[["days_to_identify", "days_to_measure"]].astype(float)
    expected = [{"code": township, "name": township, "cases": len(group),
                 "median_days_to_identify": monitoring._quantile(group["days_to_identify"], 0.5),
                 "p90_days_to_identify": monitoring._quantile(group["days_to_identify"], 0.9),
                 "median_days_to_measure": monitoring._quantile(group["days_to_measure"], 0.5),
                 "p90_days_to_measure": monitoring._quantile(group["days_to_measure"], 0.9),
                 "overdue_identification": int(group["overdue_identification"].sum()),
                 "overdue_measure": int(group["overdue_measure"].sum())} for township, group in frame.groupby("township_code")]
    assert monitoring.township_board(frame, {}) == expected


def test_a_cases_measures_are_its_distinct_measures_in_order():
    joined = pd.DataFrame({"index": [2, 0, 2, 2, 0], "measure": ["health", "dibao", "education", "health", "dibao"]})
    assert monitoring._measure_lists(joined, 4) == [["dibao"], [], ["education", "health"], []]
    assert monitoring._measure_lists(joined.iloc[0:0], 2) == [[], []]


def test_the_what_if_map_ranks_by_the_metrics_direction(tiny_storage):
    """Households under the line: more is worse, so rank 1 is the unit with the fewest."""
    from data.read.views import map_view
    from layouts import monitoring_page

    view = map_view(tiny_storage, ADMIN, COUNTY)
    result = monitoring.whatif(tiny_storage, ADMIN, COUNTY, 12000)
    data = monitoring_page.whatif_map_data(view, result)
    ranked = sorted((r for r in data.rows if r["value"] is not None), key=lambda r: r["rank"])
    assert data.metric.direction == "higher_worse" and len(ranked) > 2
    assert ranked[0]["value"] == min(r["value"] for r in ranked) and ranked[-1]["value"] == max(r["value"] for r in ranked)


def test_each_control_answers_with_its_own_section_only_within_the_scope(app):
    """The callbacks of the page's controls (callbacks/monitoring_callbacks.py): each writes its section's
    outputs only; a value out of range changes nothing; a region outside the caller's scope is refused."""
    from tests.test_access import _callback

    county = sign_in(app.server.test_client(), "demo_county")
    state = {"mon-state": {"region": COUNTY.ljust(12, "0"), "lang": "zh"}}
    cut = _callback(county, "..mon-summary.children", {"mon-period": "2025-08", "mon-min-score": 40}, state, changed=1)
    answer = cut.get_json()["response"]
    assert cut.status_code == 200 and set(answer) == {"mon-summary", "mon-drivers", "mon-warnings", "mon-score-note"}
    assert "≥40" in answer["mon-summary"]["children"] and answer["mon-warnings"]["data"]
    month = _callback(county, "..mon-map.figure", {"mon-period": "2025-07"}, state).get_json()["response"]
    assert set(month) == {"mon-map", "mon-trend", "mon-why"}
    assert month["mon-trend"]["figure"]["__dash_patch_update"] and month["mon-map"]["figure"]["__dash_patch_update"]
    whatif = _callback(county, "..mon-whatif-summary.children", {"mon-threshold": 9000}, state).get_json()["response"]
    assert set(whatif) == {"mon-whatif-summary", "mon-whatif-map", "mon-whatif"} and "9,000" in json.dumps(whatif)
    sample = _callback(county, "mon-sample-body.children", {"mon-size": 12, "mon-seed": 3}, state)
    assert sample.status_code == 200 and "size=12" in sample.get_data(as_text=True)
    def unchanged(response) -> bool:
        return response.status_code == 204 or (response.status_code == 200 and not response.get_json().get("response"))
    assert unchanged(_callback(county, "..mon-whatif-summary.children", {"mon-threshold": 10}, state))
    assert unchanged(_callback(county, "..mon-summary.children", {"mon-period": "1999-01", "mon-min-score": 40}, state))
    assert unchanged(_callback(county, "mon-sample-body.children", {"mon-size": 0, "mon-seed": 3}, state))
    outside = {"mon-state": {"region": "522732000000", "lang": "zh"}}
    for output, inputs in (("..mon-summary.children", {"mon-period": "2025-08", "mon-min-score": 40}),
                           ("..mon-whatif-summary.children", {"mon-threshold": 9000}),
                           ("mon-sample-body.children", {"mon-size": 12, "mon-seed": 3}),
                           ("..mon-map.figure", {"mon-period": "2025-07"})):
        assert _callback(county, output, inputs, outside).status_code == 403, output


def test_a_regions_rows_are_read_by_a_range_of_codes_the_index_serves(tiny_storage):
    """The range condition finds exactly the rows whose village code starts with the prefix (LIKE's rows)."""
    import sqlalchemy as sa

    from data.store.schema import data_tables

    households = data_tables["households"]
    with tiny_storage.engine.connect() as connection:
        villages = sorted(v for (v,) in connection.execute(sa.select(households.c.village_code).distinct()))
        for prefix in ("52", "5227", COUNTY, villages[0][:9], villages[-1], "529", "11"):
            by_range = monitoring._read(connection, "income", prefix, ("household_id", "year"))
            by_like = connection.execute(sa.select(sa.func.count()).select_from(data_tables["income"].join(
                households, data_tables["income"].c.household_id == households.c.household_id)).where(
                households.c.village_code.like(prefix + "%"))).scalar()
            assert len(by_range) == by_like, prefix
        assert len(monitoring._read(connection, "households", COUNTY, ("household_id",))) > 0


def _components(node):
    """Every component of a page's JSON tree (dicts with an id and props)."""
    if isinstance(node, dict):
        if "props" in node:
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


def test_a_provinces_sample_is_drawn_when_asked_and_tables_send_only_their_columns(app):
    """Above a county the sample (over a thousand households in a province) is not drawn with the page: its
    button draws it, and a size in the URL opens it drawn; every table sends only the columns it shows."""
    admin = sign_in(app.server.test_client(), "demo_admin")
    province = {c["props"].get("id"): c["props"] for c in _components(_page(admin, "/monitoring", "?region=52").get_json())}
    assert "mon-sample-draw" in province and "mon-sample" not in province and "mon-warnings" in province
    for table in ("mon-warnings", "mon-overdue", "mon-mismatches", "mon-exits"):
        shown = {c["id"] for c in province[table]["columns"]}
        assert province[table]["data"] and all(set(row) == shown for row in province[table]["data"]), table
    sized = {c["props"].get("id"): c["props"] for c in _components(
        _page(admin, "/monitoring", "?region=52&size=12&seed=3").get_json())}
    assert len(sized["mon-sample"]["data"]) == 12
    county = {c["props"].get("id"): c["props"] for c in _components(
        _page(admin, "/monitoring", f"?region={COUNTY}").get_json())}
    assert county["mon-sample"]["data"]  # a county: drawn with the page
    from tests.test_access import _callback

    state = {"mon-state": {"region": "520000000000", "lang": "en"}}
    drawn = _callback(admin, "mon-sample-body.children", {"mon-size": None, "mon-seed": 1, "mon-sample-draw": 1},
                      state, changed=2)
    assert drawn.status_code == 200 and "format=pdf" in drawn.get_data(as_text=True)


def test_exit_reasons_and_case_labels_are_words_of_the_pages_language():
    """The read service gives codes and numbers; the page words them in its language (zh: the API's words)."""
    import re

    from layouts import monitoring_page

    reasons = [{"code": "income_below_line", "year": 2024, "income": 6123.4, "line": 7000.0},
               {"code": "eliminated_too_soon", "days": 45, "months": 6}]
    row = {"category": "marginal", "risk_types": ["illness", "disability"], "measures": ["health"],
           "unmatched": ["labour_capacity"], "risk_status": "eliminated", "reason_codes": reasons}
    english = monitoring_page.case_cells(row, "en")
    assert not any(re.search(r"[\u4e00-\u9fff]", str(v)) for v in english.values()), english
    assert "6,123" in english["reasons"] and "7,000" in english["reasons"] and "45 days" in english["reasons"]
    chinese = monitoring_page.case_cells(row, "zh")
    assert chinese["reasons"] == "；".join(monitoring.exit_reason_zh(r) for r in reasons)
    assert chinese["category"] == "边缘易致贫户" and "、" in chinese["risk_types"]


def test_region_filter_is_a_range_of_codes():
    """records.region_filter compiles to a range (served by an index), never LIKE."""
    import sqlalchemy as sa

    from data.store import records

    for table in ("households", "members", "projects", "thresholds"):
        _, condition = records.region_filter(table, "5227")
        sql = str(condition.compile(dialect=sa.dialects.sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        assert "LIKE" not in sql.upper() and ">=" in sql and "<" in sql, (table, sql)
