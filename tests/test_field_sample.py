"""The field sample works for any size from one household up: stratified (township × category, every
stratum at least one household) when the size reaches the number of strata, strata drawn with probability
proportional to size (systematic PPS) and households at random inside the drawn strata when it does not;
the same seed draws the same households, the design and its inclusion probabilities are stated in the API
answer and on the checklist, and sizes beyond the population are capped with a message.

The pure draw runs on a hand-made frame of a real district with many strata (七星关区, 520502: 16 of its
townships × 3 monitoring categories = 48 strata); one test goes through the route on the tiny demo.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from data.compute import field_sample
from data.definitions import policy
from data.definitions.messages import LANGUAGES, t
from data.ingest import checklist
from data.read import monitoring
from tests.conftest import ADMIN, access_for, sign_in

TOWNSHIPS = ("520502100000", "520502101000", "520502102000", "520502103000", "520502104000", "520502105000",
             "520502106000", "520502107000", "520502108000", "520502109000", "520502110000", "520502111000",
             "520502112000", "520502113000", "520502114000", "520502115000")  # 鸭池镇 … 生机镇 (NBS 2023)
CATEGORIES = ("unstable_former_poor", "marginal", "sudden_hardship")
COUNTY = "522728"  # 罗甸县 on the tiny demo


def _frame(townships=TOWNSHIPS) -> pd.DataFrame:
    """Monitored households of many strata of uneven size (1 to 23 households), ids in village order."""
    rows = []
    for i, township in enumerate(townships):
        for j, category in enumerate(CATEGORIES):
            for k in range(1 + (7 * i + 5 * j) % 23):
                rows.append({"household_id": f"{township[:9]}{200 + j:03d}{k:04d}", "township_code": township,
                             "category": category})
    return pd.DataFrame(rows).sort_values("household_id").reset_index(drop=True)


def _ids(frame: pd.DataFrame, drawn: dict) -> list[str]:
    return sorted(frame.loc[drawn["chosen"], "household_id"])


def _total_probability(drawn: dict) -> float:
    """The sum of every household's inclusion probability."""
    return sum(s["population"] * s["probability"] for s in drawn["strata"])


FRAME = _frame()
STRATA = FRAME.groupby(["township_code", "category"]).ngroups


def test_the_frame_has_many_strata():
    assert STRATA == 48 >= 35 and len(FRAME) > 300


@pytest.mark.parametrize("size", [1, 10, monitoring.SAMPLE_DEFAULT, None])
def test_any_size_draws_reproducibly_from_the_seed(size):
    drawn = field_sample.draw(FRAME, size, seed=7)
    expected = field_sample.default_size(STRATA, len(FRAME)) if size is None else size
    assert drawn["size"] == len(drawn["chosen"]) == len(set(drawn["chosen"])) == expected
    assert drawn == field_sample.draw(FRAME, size, seed=7)  # the same seed: the same households
    assert _ids(FRAME, drawn) == _ids(FRAME, field_sample.draw(FRAME.copy(), size, seed=7))
    assert math.isclose(_total_probability(drawn), drawn["size"])  # inclusion probabilities sum to the size
    assert sum(s["sampled"] for s in drawn["strata"]) == drawn["size"]
    assert all(0 <= s["probability"] <= 1 and 0 <= s["stratum_probability"] <= 1 for s in drawn["strata"])
    counts = FRAME.loc[drawn["chosen"]].groupby(["township_code", "category"]).size().to_dict()
    assert counts == {s["key"]: s["sampled"] for s in drawn["strata"] if s["sampled"]}
    others = {tuple(_ids(FRAME, field_sample.draw(FRAME, size, seed=seed))) for seed in range(8, 14)}
    assert len(others | {tuple(_ids(FRAME, drawn))}) > 1  # another seed: other households


def test_a_size_below_the_strata_draws_strata_proportional_to_size():
    for size in (1, 10, 30):
        drawn = field_sample.draw(FRAME, size, seed=3)
        assert drawn["method"] == "pps" and size < STRATA
        for s in drawn["strata"]:  # every household of the frame: the same probability size / N
            assert math.isclose(s["probability"], size / len(FRAME))
            assert math.isclose(s["weight"], len(FRAME) / size)
            assert math.isclose(s["stratum_probability"], min(1, size * s["population"] / len(FRAME)))
            assert s["sampled"] in (math.floor(size * s["population"] / len(FRAME)),
                                    math.ceil(size * s["population"] / len(FRAME)))


def test_the_pps_design_gives_every_stratum_and_household_the_stated_probability():
    """Over the random start, stratum h is hit n·N_h/N times on average and at all with probability
    min(1, n·N_h/N) (a fine grid of starts: exact to its step); over seeds each household is drawn about
    n/N of the times."""
    size = 10
    population = FRAME.groupby(["township_code", "category"]).size().to_numpy()
    hits = np.array([field_sample.systematic_hits(population, size, start) for start in np.arange(0, 1, 1 / 2000)])
    assert (hits.sum(axis=1) == size).all()
    assert np.allclose(hits.mean(axis=0), size * population / len(FRAME), atol=1e-3)
    assert np.allclose((hits > 0).mean(axis=0), np.minimum(1, size * population / len(FRAME)), atol=1e-3)
    seeds, drawn = 400, np.zeros(len(FRAME))
    for seed in range(seeds):
        drawn[field_sample.draw(FRAME, size, seed)["chosen"]] += 1
    by_stratum = pd.Series(drawn).groupby([FRAME["township_code"], FRAME["category"]]).sum()
    expected = size / len(FRAME) * seeds * population  # draws of each stratum's households together
    assert (np.abs(by_stratum.to_numpy() - expected) < 4 * np.sqrt(expected) + 1).all()
    assert drawn.sum() == size * seeds


def test_a_size_reaching_the_strata_is_stratified_with_one_household_each_at_least():
    drawn = field_sample.draw(FRAME, STRATA + 12, seed=5)
    assert drawn["method"] == "stratified"
    assert all(s["sampled"] >= 1 and s["stratum_probability"] == 1 for s in drawn["strata"])
    for s in drawn["strata"]:
        assert math.isclose(s["probability"], s["sampled"] / s["population"])
        assert math.isclose(s["weight"], s["population"] / s["sampled"])


def test_a_township_sample_of_ten_works():
    township = _frame(TOWNSHIPS[3:4])  # one township: its three categories (3 + 8 + 13 = 24 households)
    drawn = field_sample.draw(township, 10, seed=1)
    assert drawn["method"] == "stratified" and drawn["size"] == 10 and len(drawn["strata"]) == 3
    small = _frame(TOWNSHIPS[:1])  # 1 + 6 + 11 = 18 households: ten of them still
    assert field_sample.draw(small, 10, seed=1)["size"] == 10


def test_a_size_beyond_the_population_is_capped_with_a_message():
    township = _frame(TOWNSHIPS[:1])
    drawn = field_sample.draw(township, 500, seed=1)
    assert drawn["size"] == len(township) and drawn["asked"] == 500 and drawn["capped"]
    assert all(s["probability"] == 1 for s in drawn["strata"])
    for lang in LANGUAGES:
        notice = field_sample.notice(drawn, lang)
        assert "500" in notice and str(len(township)) in notice
    assert field_sample.notice(field_sample.draw(township, 5, seed=1), "zh") is None
    empty = field_sample.draw(township.iloc[:0], 10, seed=1)
    assert empty["size"] == 0 and empty["chosen"] == [] and empty["strata"] == []


def test_sizes_below_one_are_refused():
    with pytest.raises(ValueError):
        field_sample.draw(FRAME, 0, seed=1)


def test_the_design_is_stated_in_both_languages():
    pps, stratified = field_sample.draw(FRAME, 10, seed=1), field_sample.draw(FRAME, 60, seed=1)
    for lang in LANGUAGES:
        text = field_sample.describe(pps, lang)
        assert text == t("mon_sample_design_pps", lang).format(**field_sample.design_values(pps))
        assert "48" in text and "10" in text and str(len(FRAME)) in text
        assert field_sample.describe(stratified, lang) == t("mon_sample_design_stratified", lang).format(
            **field_sample.design_values(stratified))
    assert "PPS" in field_sample.describe(pps, "zh") and "PPS" in field_sample.describe(pps, "en")


def test_the_route_draws_below_the_strata_and_the_checklist_states_the_design(app):
    client = sign_in(app.server.test_client(), "demo_province")
    strata = len(client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=2000&seed=1").get_json()["strata"])
    assert strata > 10
    for size in (1, 10):
        first = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size={size}&seed=4").get_json()
        assert first["size"] == len(first["households"]) == size
        assert first["design"]["method"] == "pps"
        assert first["design"]["text"] == {lang: t("mon_sample_design_pps", lang).format(
            **first["design"]["values"]) for lang in LANGUAGES}
        assert math.isclose(sum(s["population"] * s["probability"] for s in first["strata"]), size)
        again = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size={size}&seed=4").get_json()
        assert again == first
    default = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&seed=4").get_json()
    assert default["size"] == len(default["households"]) >= strata and default["design"]["method"] == "stratified"
    township = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=2000&seed=1").get_json()["strata"][0]
    ten = client.get(f"/api/v1/monitoring/sample?region={township['township_code']}&size=10&seed=2").get_json()
    population = sum(s["population"] for s in ten["strata"])
    assert ten["size"] == len(ten["households"]) == min(10, population) > 0
    assert {h["township"] for h in ten["households"]} == {township["township"]}
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=10&seed=4"
                                               "&format=xlsx").data))
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    design = client.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=10&seed=4").get_json()["design"]
    assert design["text"]["zh"] in " ".join(cells)


def test_the_checklist_states_the_design_on_both_documents():
    """The XLSX and the PDF print the same heading lines (checklist.heading): the design among them."""
    drawn = field_sample.draw(FRAME, 10, seed=1)
    sample = {"region": {"code": "520502000000", "name": "七星关区", "level": "county"}, "size": drawn["size"],
              "seed": 1, "population": drawn["population"], "design": field_sample.design(drawn),
              "strata": [{"township": s["key"][0], "category_zh": s["key"][1], **s} for s in drawn["strata"]],
              "households": [{"household_id": h} for h in _ids(FRAME, drawn)]}
    heading = checklist.heading(sample)
    assert field_sample.describe(drawn, "zh") in heading
    book = load_workbook(io.BytesIO(checklist.to_xlsx(sample)))
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert all(line in cells for line in heading)
    strata = book["分层"]
    assert [c.value for c in strata[1]][-3:] == [t("mon_sample_col_stratum_probability", "zh"),
                                                 t("mon_sample_col_probability", "zh"), t("mon_sample_col_weight", "zh")]
    assert math.isclose(sum(row[2] * row[5] for row in strata.iter_rows(min_row=2, values_only=True)), 10)
    # the PDF prints the same heading(); its route: tests/test_monitoring.py


def test_an_evaluator_below_the_strata_gets_a_pps_sample_of_the_fixed_sample(tiny_storage, monkeypatch):
    evaluator = access_for(tiny_storage, "evaluator")
    strata = len(monitoring.field_sample(tiny_storage, evaluator, COUNTY, 2000, 1)["strata"])
    monkeypatch.setattr(policy, "FIELD_SAMPLE_CAP", strata - 1)
    drawn = monitoring.field_sample(tiny_storage, evaluator, COUNTY, None, 1)
    assert drawn["size"] == len(drawn["households"]) == strata - 1 and drawn["design"]["method"] == "pps"
    assert drawn == monitoring.field_sample(tiny_storage, evaluator, COUNTY, None, 1)
    register = monitoring.field_sample(tiny_storage, ADMIN, COUNTY, 1, 1)
    assert register["size"] == 1 and register["design"]["method"] == "pps"
