"""Assessment compute (issue 19): schemes as data, scores, ranks, grades, progress, what-if weights,
robustness and run comparison on hand-computed fixtures; frozen runs on SQLite and PostgreSQL."""
from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from data.compute import assessment as A
from data.definitions import policy, schemes
from data.definitions.access import NotAllowed
from tests.conftest import ADMIN, access_for


def _scheme(dimensions, grade_rule=None, **more) -> schemes.Scheme:
    rule = grade_rule or {"kind": "class_percentile", "cuts": [{"grade": "good", "min": 80}, {"grade": "fairly_good", "min": 50},
                                                              {"grade": "average", "min": 20}, {"grade": "poor", "min": 0}]}
    return schemes.validate({"id": "fixture", "version": 1, "title_zh": "测试", "title_en": "Fixture",
                             "dimensions": dimensions, "grade_rule": rule, **more})


def _ind(code, metric, normalisation, weight=1, **more):
    return {"code": code, "metric": metric, "weight": weight, "normalisation": normalisation, **more}


FOUR = _scheme([
    {"code": "a", "zh": "甲", "en": "A", "weight": 1, "indicators": [
        _ind("i1", "income_per_capita_former_poor", "minmax"), _ind("i2", "idle_failed_share", "minmax")]},
    {"code": "b", "zh": "乙", "en": "B", "weight": 1, "indicators": [
        _ind("i3", "funds_industry_share", "target"), _ind("i4", "employment_rate", "percentile")]},
])
# Hand-computed below: C1–C4 and C6 national key, C5 the only "other"; C4 lacks i1, C6 has only i3.
VALUES_2025 = {
    "C1": {"i1": 100, "i2": 10, "i3": 60, "i4": 90},
    "C2": {"i1": 200, "i2": 30, "i3": 30, "i4": 80},
    "C3": {"i1": 300, "i2": 20, "i3": 90, "i4": 70},
    "C4": {"i2": 40, "i3": 45, "i4": 80},
    "C5": {"i1": 50, "i2": 50, "i3": 0, "i4": 10},
    "C6": {"i3": 60},
}
CLASSES = pd.Series({"C1": "national_key", "C2": "national_key", "C3": "national_key", "C4": "national_key",
                     "C5": "other", "C6": "national_key"})


def _yearly(values: dict, year="2025", scheme=FOUR) -> pd.DataFrame:
    metric = {i.code: i.metric for i in scheme.indicators()}
    rule = {i.code: A.rule_of(i) for i in scheme.indicators()}
    rows = [{"county": c, "year": year, "indicator": i, "metric": metric[i], "rule": rule[i], "value": float(v)}
            for c, found in values.items() for i, v in found.items()]
    return pd.DataFrame(rows)


def _row(scores: A.Scores, county: str, year="2025") -> dict:
    return next(r for r in scores.records(year) if r["county"] == county)


def test_scores_and_ranks_for_each_normalisation_match_the_hand_computation():
    scores = A.score(_yearly(VALUES_2025), FOUR, CLASSES)
    normalised = scores.indicators.set_index(["county", "indicator"])["normalised"]
    # minmax over the class's values 100, 200, 300 (C4 missing)
    assert normalised["C1", "i1"] == 0 and normalised["C2", "i1"] == 50 and normalised["C3", "i1"] == 100
    assert math.isnan(normalised["C4", "i1"])
    # minmax, lower is better (catalog: idle_failed_share higher_worse): (40 − x) / 30 · 100
    assert normalised["C1", "i2"] == 100 and normalised["C2", "i2"] == pytest.approx(100 / 3)
    assert normalised["C3", "i2"] == pytest.approx(200 / 3) and normalised["C4", "i2"] == 0
    # target: the catalog's 60 % line, capped at 100 %
    assert [normalised[c, "i3"] for c in ("C1", "C2", "C3", "C4", "C5")] == [100, 50, 100, 75, 0]
    # percentile with ties: (worse + ½ (equal − 1)) / (n − 1)
    assert [normalised[c, "i4"] for c in ("C1", "C2", "C3", "C4")] == [100, 50, 0, 50]
    # a class of one: minmax and percentile give 100
    assert normalised["C5", "i1"] == 100 and normalised["C5", "i4"] == 100
    expected = {"C1": 75, "C2": (50 + 100 / 3 + 50 + 50) / 4, "C3": (100 + 200 / 3 + 100 + 0) / 4,
                "C4": (0 + 75 + 50) / 3, "C5": 75}
    for county, value in expected.items():
        assert _row(scores, county)["composite"] == pytest.approx(value), county
    ranks = {c: (_row(scores, c)["rank_class"], _row(scores, c)["rank_overall"]) for c in expected}
    assert ranks == {"C1": (1, 1), "C3": (2, 3), "C2": (3, 4), "C4": (4, 5), "C5": (1, 1)}  # C1 and C5 tie at 75
    grades = {c: _row(scores, c)["grade"] for c in expected}  # percentile in class: 100, 33.3, 66.7, 0; C5 alone
    assert grades == {"C1": "good", "C2": "average", "C3": "fairly_good", "C4": "poor", "C5": "good"}
    dims = _row(scores, "C2")["dimensions"]
    assert dims["a"]["score"] == pytest.approx((50 + 100 / 3) / 2) and dims["b"]["score"] == 50


def test_a_missing_indicator_is_neither_zero_nor_silently_dropped():
    scores = A.score(_yearly(VALUES_2025), FOUR, CLASSES)
    c4 = _row(scores, "C4")
    assert c4["coverage"] == pytest.approx(0.75) and c4["graded"]
    assert c4["composite"] != pytest.approx((0 + 0 + 75 + 50) / 4)  # not counted as zero
    missing = scores.indicators.set_index(["county", "indicator"]).loc[("C4", "i1")]
    assert not missing["present"] and math.isnan(missing["value"]) and math.isnan(missing["contribution"])
    assert c4["dimensions"]["a"]["coverage"] == pytest.approx(0.5)
    # below the coverage line: a score, but no rank and no grade (and it takes no one's rank)
    c6 = _row(scores, "C6")
    assert c6["coverage"] == pytest.approx(0.25) and c6["coverage"] < policy.ASSESSMENT_MIN_COVERAGE
    assert c6["composite"] == 100 and not c6["graded"]
    assert c6["rank_class"] is None and c6["grade"] is None and c6["rank_overall"] is None
    assert _row(scores, "C1")["class_size"] == 4
    rules = scores.rule()
    assert str(round(policy.ASSESSMENT_MIN_COVERAGE * 100)) in rules["coverage"]["zh"]


def test_direction_is_honoured_a_higher_is_worse_indicator_lowers_the_score():
    one = lambda **d: _scheme([{"code": "a", "zh": "甲", "en": "A", "weight": 1, "indicators": [
        _ind("x", "idle_failed_share", "minmax", **d)]}])
    classes = pd.Series({"P": "other", "Q": "other"})
    values = {"P": {"x": 5}, "Q": {"x": 25}}  # Q has more idle and failed projects
    worse = A.score(_yearly(values, scheme=one()), one(), classes)
    assert _row(worse, "P")["composite"] == 100 and _row(worse, "Q")["composite"] == 0
    assert one().indicators()[0].direction == "lower_better"  # from the catalog's higher_worse
    flipped = A.score(_yearly(values, scheme=one(direction="higher_better")), one(direction="higher_better"), classes)
    assert _row(flipped, "Q")["composite"] == 100
    target = _scheme([{"code": "a", "zh": "甲", "en": "A", "weight": 1, "indicators": [
        _ind("d", "median_days_to_assistance", "target")]}])  # the catalog's 30-day target, lower is better
    days = A.score(_yearly({"P": {"d": 20}, "Q": {"d": 60}}, scheme=target), target, classes)
    assert _row(days, "P")["composite"] == 100 and _row(days, "Q")["composite"] == 50


def test_progress_rank_on_a_fixture():
    target = _scheme([{"code": "a", "zh": "甲", "en": "A", "weight": 1, "indicators": [
        _ind("s", "funds_industry_share", "target")]}])
    classes = pd.Series({"C1": "national_key", "C2": "national_key", "C3": "national_key"})
    yearly = pd.concat([_yearly({"C1": {"s": 30}, "C2": {"s": 60}, "C3": {"s": 45}}, "2024", target),
                        _yearly({"C1": {"s": 60}, "C2": {"s": 54}, "C3": {"s": 48}}, "2025", target)])
    scores = A.score(yearly, target, classes)
    rows = {r["county"]: r for r in scores.records("2025")}
    assert {c: rows[c]["progress"] for c in rows} == pytest.approx({"C1": 50, "C2": -10, "C3": 5})
    assert {c: rows[c]["progress_rank_class"] for c in rows} == {"C1": 1, "C3": 2, "C2": 3}
    assert {c: rows[c]["rank_class"] for c in rows} == {"C1": 1, "C2": 2, "C3": 3}
    assert all(r["progress"] is None for r in scores.records("2024"))  # no year before 2024


def test_what_if_weights_rerank_without_touching_the_scheme():
    prepared = A.prepare(_yearly(VALUES_2025), FOUR, CLASSES, "2025")
    chosen = A.rescore(prepared).set_index("county")
    only_a = A.rescore(prepared, {"dimensions": {"b": 0}}).set_index("county")
    assert only_a.loc["C3", "composite"] == pytest.approx((100 + 200 / 3) / 2)
    assert only_a.loc["C3", "rank_class"] == 1 and chosen.loc["C1", "rank_class"] == 1
    assert FOUR.dimensions[1].weight == 1  # nothing saved


def test_robustness_is_reproducible_from_its_seed():
    prepared = A.prepare(_yearly(VALUES_2025), FOUR, CLASSES, "2025")
    first = A.robustness(prepared, samples=500, seed=11)
    again = A.robustness(prepared, samples=500, seed=11)
    other = A.robustness(prepared, samples=500, seed=12)
    assert first == again and first["rows"] != other["rows"]
    for row in first["rows"]:
        assert sum(row["grade_probability"].values()) == pytest.approx(1)
    by = {r["county"]: r for r in first["rows"]}
    assert by["C6"]["grade_probability"]["ungraded"] == 1 and by["C6"]["rank_class"] is None
    assert by["C5"]["rank_class"] == {"min": 1, "p5": 1, "median": 1, "p95": 1, "max": 1} and by["C5"]["solid"]
    # the drawn vectors centre on the chosen weights with the stated variance w(1 − w)/(κ + 1)
    w = np.full(4, 0.25)
    drawn = A.draw_weights(w, 20000, 3, policy.ROBUSTNESS_CONCENTRATION)
    assert drawn.mean(axis=0) == pytest.approx(w, abs=0.003)
    assert drawn.var(axis=0) == pytest.approx(w * (1 - w) / (policy.ROBUSTNESS_CONCENTRATION + 1), rel=0.05)


def test_a_year_of_a_monthly_metric_and_the_year_to_date():
    scheme = _scheme([{"code": "a", "zh": "甲", "en": "A", "weight": 1, "indicators": [
        _ind("last", "risk_eliminated_share", "minmax"), _ind("mean", "employment_rate", "minmax", period="mean"),
        _ind("year", "funds_spend_rate", "minmax")]}])
    values = pd.DataFrame([("C", "2025-01", "risk_eliminated_share", 10), ("C", "2025-06", "risk_eliminated_share", 30),
                           ("C", "2025-12", "risk_eliminated_share", None), ("C", "2025-01", "employment_rate", 60),
                           ("C", "2025-06", "employment_rate", 80), ("C", "2025-12", "employment_rate", 100),
                           ("C", "2025", "funds_spend_rate", 90), ("C", "2025", "employment_rate", 1)],
                          columns=["county", "period", "metric", "value"])
    yearly = A.to_years(values, scheme).set_index("indicator")["value"]
    assert yearly.to_dict() == {"last": 30, "mean": 80, "year": 90}  # last month *with a value*
    to_date = A.to_years(values, scheme, through="2025-06").set_index("indicator")["value"]
    assert to_date["mean"] == 70 and to_date["last"] == 30


def test_shipped_schemes_use_only_metrics_the_product_computes(tiny_copy):
    from data.read import cube

    storage = tiny_copy("sqlite")
    for scheme in schemes.shipped():
        assert len(scheme.dimensions) == (4 if scheme.id == "default" else 3)
        assert sum(scheme.weights().values()) == pytest.approx(1)
        assert all(i.description_zh and i.description_en for i in scheme.indicators())
        for metric in scheme.metrics():
            found = cube.series(storage, ADMIN, metric, "522728000000")["series"]
            assert any(p["value"] is not None for p in found), (scheme.id, metric)
    assert [d.zh for d in schemes.get_shipped("default").dimensions] == ["责任落实", "政策落实", "工作落实", "巩固成效"]


@pytest.mark.parametrize("change, where, words", [
    (lambda d: d["dimensions"][0]["indicators"][0].update(metric="no_such_metric"), "dimensions.0.indicators.0.metric",
     "unknown metric"),
    (lambda d: d["dimensions"][0]["indicators"][0].update(weight=0), "dimensions.0.indicators.0.weight", "greater than 0"),
    (lambda d: d["dimensions"][1].update(weight=-2), "dimensions.1.weight", "greater than 0"),
    (lambda d: d["dimensions"][0]["indicators"][0].update(normalisation="zscore"),
     "dimensions.0.indicators.0.normalisation", "'minmax', 'target' or 'percentile'"),
    (lambda d: d["dimensions"][0]["indicators"][0].update(normalisation="target"), "dimensions.0.indicators.0",
     "needs a target"),
])
def test_scheme_validation_refuses_with_a_clear_message(change, where, words):
    document = copy.deepcopy(schemes.get_shipped("default").to_dict())
    change(document)
    with pytest.raises(schemes.SchemeInvalid) as refused:
        schemes.validate(document)
    assert any(p["loc"] == where and words in p["en"] and p["zh"] for p in refused.value.problems), refused.value.problems
    assert where in str(refused.value)


def test_comparing_runs_splits_data_from_weights():
    yearly = _yearly(VALUES_2025)
    run = lambda scheme, data, id_: {"id": id_, "scheme": scheme.to_dict(), "versions": {"records_version": str(id_)},
                                     **A.run_content(A.score(data, scheme, CLASSES, year="2025"), data, CLASSES, "2025")}
    base = run(FOUR, yearly, 1)
    changed = yearly.copy()
    changed.loc[(changed["county"] == "C2") & (changed["indicator"] == "i3"), "value"] = 60.0  # C2 reaches the line
    data_run = run(FOUR, changed, 2)
    heavier = schemes.validate({**FOUR.to_dict(), "version": 2, "dimensions": [
        {**FOUR.to_dict()["dimensions"][0], "weight": 3}, FOUR.to_dict()["dimensions"][1]]})
    weights_run = run(heavier, yearly, 3)
    by_data = {r["county"]: r for r in A.compare_runs(base, data_run)["rows"]}
    assert by_data["C2"]["reason"] == "data" and by_data["C2"]["change"] == pytest.approx(50 / 4)
    assert by_data["C2"]["inputs_changed"] == ["funds_industry_share"] and by_data["C1"]["reason"] == "none"
    compared = A.compare_runs(base, weights_run)
    by_weights = {r["county"]: r for r in compared["rows"]}
    assert compared["scheme_changed"] and compared["decomposed"]
    assert by_weights["C3"]["reason"] == "weights" and by_weights["C3"]["data_effect"] == pytest.approx(0)
    both = {r["county"]: r for r in A.compare_runs(base, run(heavier, changed, 4))["rows"]}
    assert both["C2"]["reason"] == "both"
    assert both["C2"]["data_effect"] + both["C2"]["weights_effect"] == pytest.approx(both["C2"]["change"])


# -- storage: scheme versions and frozen runs on both backends ----------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_frozen_run_is_unchanged_after_an_import(backend, tiny_copy, tmp_path):
    from data.ingest.workflow import import_and_rebuild
    from data.store import assessment as store
    from data.store import records

    storage = tiny_copy(backend)
    facts = storage.facts()
    scheme = store.get_scheme(storage.engine, ADMIN, "default")
    yearly = _yearly(VALUES_2025)
    content = A.run_content(A.score(yearly, FOUR, CLASSES, year="2025"), yearly, CLASSES, "2025")
    versions = {"data_version": storage.data_version(), "records_version": facts.get("records_version"),
                "cube_version": facts.get("cube_version")}
    evaluator = access_for(storage, "evaluator")
    run_id = store.save_run(storage.engine, evaluator, scheme, versions, content, label="2025 年度考核")
    before = store.get_run(storage.engine, ADMIN, run_id)
    assert before["counties"] == content["counties"] and before["versions"] == versions
    assert before["scheme"]["version"] == 1 and before["year"] == "2025"
    funds = records.read_table(storage.engine, ADMIN, "funds").head(1).copy()
    funds["spent"] = funds["allocated"]
    path = tmp_path / "funds.csv"
    funds.to_csv(path, index=False)
    import_and_rebuild(storage, ADMIN, "funds", path)
    assert storage.facts()["records_version"] != versions["records_version"]  # the import happened
    after = store.get_run(storage.engine, ADMIN, run_id)
    assert after == before
    with pytest.raises(NotAllowed):
        store.save_run(storage.engine, access_for(storage, "county", ["522728000000"]), scheme, versions, content)
    assert [r["id"] for r in store.list_runs(storage.engine, ADMIN)] == [run_id]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_saving_scheme_versions(backend, tiny_copy):
    from data.store import assessment as store

    storage = tiny_copy(backend)
    evaluator = access_for(storage, "evaluator")
    document = schemes.get_shipped("default").to_dict()
    document["dimensions"][0]["weight"] = 40
    saved = store.save_scheme(storage.engine, evaluator, document)
    assert saved.version == 2 and store.get_scheme(storage.engine, ADMIN, "default").dimensions[0].weight == 40
    assert store.get_scheme(storage.engine, ADMIN, "default", 1) == schemes.get_shipped("default")
    assert [v["version"] for v in store.scheme_versions(storage.engine, ADMIN, "default")] == [1, 2]
    own = {**document, "id": "province_2026", "version": 7}
    assert store.save_scheme(storage.engine, ADMIN, own).version == 1
    assert [s["id"] for s in store.list_schemes(storage.engine, ADMIN)] == ["default", "outcome", "province_2026"]
    document["dimensions"][0]["indicators"][0]["metric"] = "nope"
    with pytest.raises(schemes.SchemeInvalid):
        store.save_scheme(storage.engine, evaluator, document)
    with pytest.raises(NotAllowed):
        store.save_scheme(storage.engine, access_for(storage, "county", ["522728000000"]), own)
    with pytest.raises(schemes.SchemeNotFound):
        store.get_scheme(storage.engine, ADMIN, "default", 9)


def test_what_if_weights_are_renormalised_and_refused_when_impossible():
    weights = FOUR.weights(indicators={"i3": 0, "i4": 0})  # dimension b emptied: a carries everything
    assert weights == pytest.approx({"i1": 0.5, "i2": 0.5, "i3": 0, "i4": 0})
    with pytest.raises(schemes.SchemeInvalid):
        FOUR.weights(dimensions={"a": -1})
    with pytest.raises(schemes.SchemeInvalid):
        FOUR.weights(dimensions={"a": 0, "b": 0})


def test_robustness_is_vectorised_a_thousand_vectors_over_hundreds_of_counties_take_seconds():
    import time

    rng = np.random.default_rng(0)
    scheme = schemes.get_shipped("default")
    counties = [f"52{i:04d}000000" for i in range(400)]
    classes = pd.Series(rng.choice(A.CLASSES, len(counties)), index=counties)
    yearly = pd.concat([pd.DataFrame({"county": counties, "year": "2025", "indicator": i.code, "metric": i.metric,
                                      "rule": A.rule_of(i), "value": rng.normal(50, 15, len(counties))})
                        for i in scheme.indicators()], ignore_index=True)
    prepared = A.prepare(yearly, scheme, classes, "2025")
    started = time.perf_counter()
    found = A.robustness(prepared, samples=1000, seed=1)
    assert time.perf_counter() - started < 10  # ~0.5 s on two cores; a loop over the vectors takes minutes
    assert len(found["rows"]) == 400 and found["samples"] == 1000
