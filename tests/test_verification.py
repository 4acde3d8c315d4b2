"""Field verification (issue 19): the two-stage design, design-weighted estimates with 95 % intervals
checked against textbook formulas, the thresholds, and the results table's import (all or nothing)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.compute import verification as V
from data.definitions import contract, policy
from tests.conftest import ADMIN


def _stratified_fixture():
    """Stratified SRS of households: stratum A (N=100, n=10, 2 events), B (N=300, n=20, 1 event)."""
    rows, results = [], []
    for stratum, population, sampled, events in (("A", 100, 10, 2), ("B", 300, 20, 1)):
        for i in range(sampled):
            household = f"{stratum}{i}"
            rows.append({"household_id": household, "stratum": stratum, "psu": household,
                         "weight": population / sampled, "fraction": sampled / population})
            results.append({"household_id": household, "wrongly_exited": "true" if i < events else "false",
                            "should_be_monitored": None, "satisfied": "true", "correctly_identified": "unknown"})
    return pd.DataFrame(rows), pd.DataFrame(results)


def test_stratified_srs_matches_cochrans_variance_with_finite_population_correction():
    design, results = _stratified_fixture()
    found = V.estimate(results, design)["rates"]["wrongly_exited"]
    # Cochran (5.x): p_st = Σ W_h p_h, v = Σ W_h² (1 − f_h) s_h² / n_h with s_h² = n_h p_h (1 − p_h) / (n_h − 1)
    N = 400
    p_st = 100 / N * (2 / 10) + 300 / N * (1 / 20)
    v = sum((Nh / N) ** 2 * (1 - nh / Nh) * (nh * ph * (1 - ph) / (nh - 1)) / nh
            for Nh, nh, ph in ((100, 10, 0.2), (300, 20, 0.05)))
    assert found["estimate"] == pytest.approx(100 * p_st) and found["se"] == pytest.approx(100 * math.sqrt(v))
    assert (found["n"], found["events"]) == (30, 3)
    # the interval: Wilson's on the effective sample size p(1 − p)/v
    z = policy.FIELD_CONFIDENCE_Z
    n_eff = p_st * (1 - p_st) / v
    centre = (p_st + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p_st * (1 - p_st) / n_eff + z * z / (4 * n_eff ** 2))
    assert (found["low"], found["high"]) == pytest.approx((100 * (centre - half), 100 * (centre + half)))
    assert found["low"] < found["estimate"] < found["high"]
    # 8.75 % wrongful exits, interval well above 2 %: fails; approval all true from 30 households: not proven > 90 %
    assert found["verdict"] == "fails"
    approval = V.estimate(results, design)["rates"]["approval"]
    assert approval["estimate"] == 100 and approval["high"] == 100 and approval["low"] < 100
    assert approval["verdict"] in ("meets", "undecided")
    assert V.estimate(results, design)["rates"]["identified"]["estimate"] is None  # nobody answered


def test_cluster_ratio_variance_matches_the_ultimate_cluster_formula():
    # two strata of villages, households within; weights differ within a village
    design = pd.DataFrame([
        ("h1", "S1", "v1", 10.0), ("h2", "S1", "v1", 10.0), ("h3", "S1", "v2", 12.0), ("h4", "S1", "v2", 12.0),
        ("h5", "S1", "v3", 8.0), ("h6", "S2", "v4", 20.0), ("h7", "S2", "v4", 20.0), ("h8", "S2", "v5", 25.0),
        ("h9", "S2", "v5", 25.0), ("h10", "S2", "v5", 25.0)], columns=["household_id", "stratum", "psu", "weight"])
    design["fraction"] = 0.0
    answers = ["false", "true", "false", "false", "true", "false", None, "true", "false", "unknown"]
    results = pd.DataFrame({"household_id": design["household_id"], "should_be_monitored": answers})
    found = V.estimate(results, design)["rates"]["missed"]
    # by hand: R = Σwy / Σwx; z_hj = Σ_i∈j w_i (y_i − R x_i) / X; v = Σ_h n_h/(n_h − 1) Σ_j (z_hj − z̄_h)²
    y = {h: 1.0 if a == "true" else 0.0 for h, a in zip(design["household_id"], answers)}
    x = {h: 1.0 if a in ("true", "false") else 0.0 for h, a in zip(design["household_id"], answers)}
    w = dict(zip(design["household_id"], design["weight"]))
    X = sum(w[h] * x[h] for h in w)
    R = sum(w[h] * y[h] for h in w) / X
    psu_of = dict(zip(design["household_id"], design["psu"]))
    totals = {}
    for h in w:
        totals[psu_of[h]] = totals.get(psu_of[h], 0.0) + w[h] * (y[h] - R * x[h]) / X
    v = 0.0
    for members in (("v1", "v2", "v3"), ("v4", "v5")):
        mean = sum(totals[j] for j in members) / len(members)
        v += len(members) / (len(members) - 1) * sum((totals[j] - mean) ** 2 for j in members)
    assert found["estimate"] == pytest.approx(100 * R) and found["se"] == pytest.approx(100 * math.sqrt(v))
    assert found["n"] == 8 and found["events"] == 3


def test_no_event_does_not_prove_a_rate_below_the_threshold():
    design = pd.DataFrame({"household_id": [f"h{i}" for i in range(12)], "stratum": "s",
                           "psu": [f"h{i}" for i in range(12)], "weight": 10.0, "fraction": 0.0})
    results = pd.DataFrame({"household_id": design["household_id"], "wrongly_exited": "false"})
    found = V.estimate(results, design)["rates"]["wrongly_exited"]
    assert found["estimate"] == 0 and found["events"] == 0 and found["high"] > policy.FIELD_WRONG_EXIT_MAX
    assert found["verdict"] == "undecided"
    many = pd.DataFrame({"household_id": [f"h{i}" for i in range(2000)], "stratum": "s",
                         "psu": [f"h{i}" for i in range(2000)], "weight": 1.0, "fraction": 0.0})
    clean = V.estimate(pd.DataFrame({"household_id": many["household_id"], "wrongly_exited": "false"}), many)
    assert clean["rates"]["wrongly_exited"]["verdict"] == "meets"


def _county_frame(seed=5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(30):
        village = f"520402101{v:03d}"
        stratum = V.VILLAGE_STRATA[v % 4]
        for i in range(int(rng.integers(15, 60))):
            kind = rng.choice(["unstable_former_poor", "marginal", "sudden_hardship", "outside_illness", "outside_other"],
                              p=[0.05, 0.04, 0.01, 0.2, 0.7])
            rows.append({"household_id": f"{village}{i:04d}", "village_code": village, "village_stratum": stratum,
                         "household_stratum": str(kind)})
    return pd.DataFrame(rows)


def test_two_stage_draw_is_reproducible_and_its_weights_add_up():
    frame = _county_frame()
    drawn = V.draw_two_stage(frame, seed=42)
    assert drawn["villages_drawn"] == policy.FIELD_VILLAGES and drawn["size"] == policy.FIELD_HOUSEHOLDS
    again = V.draw_two_stage(frame.sample(frac=1, random_state=1), seed=42)  # row order does not matter
    assert again["chosen"].equals(drawn["chosen"])
    assert not V.draw_two_stage(frame, seed=43)["chosen"]["household_id"].equals(drawn["chosen"]["household_id"])
    chosen = drawn["chosen"]
    assert {r["stratum"]: r["sampled"] for r in drawn["villages"]} and all(r["sampled"] >= 1 for r in drawn["villages"])
    for village, part in chosen.groupby("psu"):
        p_village = next(r["probability"] for r in drawn["villages"] if r["stratum"] == part["stratum"].iloc[0])
        # within a village drawn, the household weights add up to the village's households / π_village
        assert part["weight"].sum() == pytest.approx((frame["village_code"] == village).sum() / p_village)
        register = part["household_stratum"].isin(V.REGISTER_STRATA)
        village_register = frame.loc[frame["village_code"] == village, "household_stratum"].isin(V.REGISTER_STRATA)
        assert register.any() == village_register.any() and (~register).any()  # inside and outside the register
        assert register.sum() == min(village_register.sum(), math.ceil(len(part) / 2))  # half inside where it can
    assert (chosen["probability"] * chosen["weight"]).round(9).eq(1).all()
    for row in drawn["villages"]:  # villages: Σ 1/π over those drawn = the stratum's villages
        drawn_here = chosen.loc[chosen["stratum"] == row["stratum"], "psu"].nunique()
        assert drawn_here / row["probability"] == pytest.approx(row["population"])


def test_the_results_table_is_in_the_contract_and_imports_all_or_nothing(tiny_copy, tmp_path):
    from data.ingest.importer import ImportRejected, import_file
    from data.store import records

    spec = contract.TABLES["field_verification"]
    assert spec.key == ("sample_id", "household_id") and "field_verification" in contract.INTERCHANGE
    storage = tiny_copy("sqlite")
    stored = records.read_table(storage.engine, ADMIN, "field_verification")
    assert len(stored) > 0 and stored["sample_id"].str.startswith(f"FV{policy.SAMPLE_SEED}-").all()
    household = stored["household_id"].iloc[0]
    good = pd.DataFrame({"样本编码": ["FV-test", "FV-test"], "户编码": [household, stored["household_id"].iloc[1]],
                         "核查日期": ["2026-11-03", "2026-11-04"], "识别准确": ["是", "不详"], "应纳未纳": ["", "否"],
                         "错误退出": ["否", ""], "群众认可": ["true", "false"], "说明": ["", "电话 13812345678"]})
    path = tmp_path / "results.csv"
    good.to_csv(path, index=False)
    import_file(storage, ADMIN, "field_verification", path)
    after = records.read_table(storage.engine, ADMIN, "field_verification")
    row = after[(after["sample_id"] == "FV-test")].set_index("household_id")
    assert row.loc[household, "correctly_identified"] == "true" and pd.isna(row.loc[household, "should_be_monitored"])
    assert "13812345678" not in str(row["note"].tolist())  # free text scrubbed
    bad = good.assign(样本编码="FV-bad")
    bad.loc[1, "群众认可"] = "maybe"
    bad.to_csv(path, index=False)
    with pytest.raises(ImportRejected) as refused:
        import_file(storage, ADMIN, "field_verification", path)
    assert any(p.column == "satisfied" for p in refused.value.problems)
    assert not (records.read_table(storage.engine, ADMIN, "field_verification")["sample_id"] == "FV-bad").any()


def test_the_demo_results_belong_to_each_countys_drawn_sample(tiny_copy):
    from data.store import records

    storage = tiny_copy("sqlite")
    frames = {t: records.read_table(storage.engine, ADMIN, t) for t in ("households", "monitoring", "members")}
    results = records.read_table(storage.engine, ADMIN, "field_verification")
    for county in sorted(results["sample_id"].str[-6:].unique()):
        drawn = V.county_sample(frames, county)
        mine = results[results["sample_id"] == V.sample_id(policy.SAMPLE_SEED, county)]
        assert set(mine["household_id"]) == set(drawn["chosen"]["household_id"])
        found = V.estimate(mine, drawn["chosen"])
        assert found["unmatched"] == 0 and found["rates"]["approval"]["n"] > 0
        for rate in ("wrongly_exited", "missed", "approval"):
            r = found["rates"][rate]
            assert r["verdict"] in ("meets", "fails", "undecided")
            assert r["low"] <= r["estimate"] <= r["high"]
