"""The evaluators' sample is a fixed property of each household: the same households whatever is asked.

Walking a county village by village or township by township, through the data page's listing, the
warnings, the board, the checks, the field sample, the API and its downloads, an evaluator sees exactly
the county's fixed sample (about ``policy.SAMPLE_RATE`` of its households, never all of them); the
field sample is drawn from that sample and capped; a province leader still sees every household.
"""
from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from data.definitions import access as access_rules
from data.definitions import policy
from data.read import monitoring
from data.store import records
from tests.conftest import ADMIN, access_for, sign_in
from tests.test_access import _page

COUNTY = "522728"
HOUSEHOLD_ID = re.compile(r"\d{16}")
QUOTED_ID = re.compile(r'"(\d{16})"')  # a household id in a page's JSON (a string, not a figure's number)


def _households(storage) -> list[str]:
    frame = records.read_table(storage.engine, ADMIN, "households")
    return sorted(frame[frame["village_code"].str.startswith(COUNTY)]["household_id"])


def _sample(storage) -> set[str]:
    """The county's fixed sample, by the rule itself."""
    return {h for h in _households(storage) if access_rules.in_sample(h)}


def _places(storage) -> tuple[list[str], list[str]]:
    """The county's townships and villages (12-digit codes)."""
    townships = [t["code"] for t in storage.regions(ADMIN, parent=COUNTY.ljust(12, "0"))]
    villages = [v["code"] for t in townships for v in storage.regions(ADMIN, parent=t)]
    return townships, villages


def _ids(rows) -> set[str]:
    return {r["household_id"] for r in rows}


def test_the_sample_is_a_keyed_fixed_fraction_of_households(monkeypatch):
    ids = [f"52272810120{i:05d}" for i in range(10000)]
    chosen = {h for h in ids if access_rules.in_sample(h)}
    assert abs(len(chosen) / len(ids) - policy.SAMPLE_RATE) < 0.01
    assert chosen == {h for h in ids if access_rules.in_sample(h)}  # the same every time
    assert access_rules.sampled(ids) == [h in chosen for h in ids]  # one rule, one household or many
    monkeypatch.setenv("ID_HASH_KEY", "another server's secret")  # without the key, nobody can compute it
    other = {h for h in ids if access_rules.in_sample(h)}
    assert other != chosen and abs(len(other) / len(ids) - policy.SAMPLE_RATE) < 0.01


def test_walking_villages_and_townships_of_the_data_page_gives_exactly_the_fixed_sample(tiny_storage):
    evaluator = access_for(tiny_storage, "evaluator")
    households, sample = _households(tiny_storage), _sample(tiny_storage)
    assert 0 < len(sample) < len(households)
    assert abs(len(sample) / len(households) - policy.SAMPLE_RATE) < 0.05
    townships, villages = _places(tiny_storage)

    def walk(places, table="households") -> set[str]:
        seen = set()
        for place in places:
            shown = records.listing(tiny_storage, evaluator, table, place, 50)
            assert shown.mode == "sample"
            seen |= set(shown.frame["household_id"])
        return seen

    assert walk(villages) == sample
    assert walk(townships) == sample
    assert set(records.listing(tiny_storage, evaluator, "households", COUNTY, 10_000).frame["household_id"]) == sample
    assert walk(townships, "members") <= sample and walk(townships, "income") <= sample
    country = records.listing(tiny_storage, evaluator, "households", None, 50)
    assert len(country.frame) == 50 and all(access_rules.in_sample(h) for h in country.frame["household_id"])
    assert country.total > len(country.frame)  # the count stays the register's (an aggregate)


def test_warnings_board_and_checks_show_only_the_fixed_sample_however_asked(tiny_storage):
    evaluator = access_for(tiny_storage, "evaluator")
    sample = _sample(tiny_storage)
    townships, villages = _places(tiny_storage)
    everything = monitoring.warnings(tiny_storage, ADMIN, COUNTY, min_score=30)
    warned = _ids(everything["households"])
    assert warned & sample and warned - sample  # some warned households are sampled, not all
    county = monitoring.warnings(tiny_storage, evaluator, COUNTY, min_score=30)
    assert county["mode"] == "sample" and _ids(county["households"]) == warned & sample
    assert county["count"] == everything["count"]  # counts are aggregates of every household
    by_township = set().union(*[_ids(monitoring.warnings(tiny_storage, evaluator, t, min_score=30)["households"])
                                for t in townships])
    by_filter = set().union(*[_ids(monitoring.warnings(tiny_storage, evaluator, COUNTY, min_score=30,
                                                       township=t)["households"]) for t in townships])
    assert by_township == by_filter == warned & sample
    township = townships[0]  # and its villages one by one (every village would cost seconds)
    by_village = set().union(*[_ids(monitoring.warnings(tiny_storage, evaluator, v, min_score=30)["households"])
                               for v in villages if v.startswith(township[:9])])
    assert by_village == _ids(monitoring.warnings(tiny_storage, evaluator, township, min_score=30)["households"])
    for cut in (0, 10, 20):  # another cut: another part of the same sample
        assert _ids(monitoring.warnings(tiny_storage, evaluator, COUNTY, min_score=cut)["households"]) <= sample
    board, checks = monitoring.board(tiny_storage, ADMIN, COUNTY), monitoring.checks(tiny_storage, ADMIN, COUNTY)
    seen_board = monitoring.board(tiny_storage, evaluator, COUNTY)
    seen_checks = monitoring.checks(tiny_storage, evaluator, COUNTY)
    assert _ids(seen_board["overdue_cases"]) == _ids(board["overdue_cases"]) & sample
    assert _ids(seen_checks["mismatches"]) == _ids(checks["mismatches"]) & sample
    assert _ids(seen_checks["exits"]) == _ids(checks["exits"]) & sample


def test_the_field_sample_of_an_evaluator_is_drawn_from_the_fixed_sample_and_capped(tiny_storage):
    evaluator = access_for(tiny_storage, "evaluator")
    sample = _sample(tiny_storage)
    register = monitoring.field_sample(tiny_storage, ADMIN, COUNTY, 2000, 1)
    monitored = _ids(register["households"])
    assert register["mode"] == "full" and len(monitored) == register["population"]
    drawn = monitoring.field_sample(tiny_storage, evaluator, COUNTY, 2000, 1)
    assert drawn["mode"] == "sample" and drawn["size"] <= policy.FIELD_SAMPLE_CAP
    assert drawn["size_cap"] == policy.FIELD_SAMPLE_CAP
    assert drawn["households"] and _ids(drawn["households"]) == monitored & sample  # all of it: fewer than the cap
    assert _ids(drawn["households"]) != monitored
    seen = set()
    for seed in range(1, 6):
        seen |= _ids(monitoring.field_sample(tiny_storage, evaluator, COUNTY, None, seed)["households"])
    assert seen <= sample


def test_the_evaluators_field_sample_size_is_capped(tiny_storage, monkeypatch):
    evaluator = access_for(tiny_storage, "evaluator")
    strata = len(monitoring.field_sample(tiny_storage, evaluator, COUNTY, 2000, 1)["strata"])
    monkeypatch.setattr(policy, "FIELD_SAMPLE_CAP", strata)  # one household a stratum, no more
    drawn = monitoring.field_sample(tiny_storage, evaluator, COUNTY, 2000, 1)
    assert drawn["mode"] == "sample" and drawn["size"] == len(drawn["households"]) == strata < drawn["population"]
    assert all(s["sampled"] == 1 for s in drawn["strata"])
    monkeypatch.setattr(policy, "FIELD_SAMPLE_CAP", strata - 1)  # fewer than the strata: strata drawn by PPS
    fewer = monitoring.field_sample(tiny_storage, evaluator, COUNTY, None, 1)
    assert fewer["size"] == len(fewer["households"]) == strata - 1 and fewer["design"]["method"] == "pps"
    assert _ids(fewer["households"]) <= _sample(tiny_storage)


def test_a_province_leader_still_sees_every_household(tiny_storage):
    leader = access_for(tiny_storage, "province", ["520000000000"])
    households = _households(tiny_storage)
    listed = records.listing(tiny_storage, leader, "households", COUNTY, 10_000)
    assert listed.mode == "first" and list(listed.frame["household_id"]) == households
    warned = monitoring.warnings(tiny_storage, leader, COUNTY, min_score=30)
    assert warned["mode"] == "full"
    assert warned["households"] == monitoring.warnings(tiny_storage, ADMIN, COUNTY, min_score=30)["households"]
    drawn = monitoring.field_sample(tiny_storage, leader, COUNTY, 2000, 1)
    assert drawn["mode"] == "full" and len(drawn["households"]) == drawn["population"]
    assert drawn["size_cap"] is None


def test_the_api_pages_and_downloads_give_an_evaluator_the_same_fixed_sample(app):
    storage = app.storage
    sample = _sample(storage)
    townships, _ = _places(storage)
    evaluator = sign_in(app.server.test_client(), "demo_evaluator")
    county = evaluator.get(f"/api/v1/monitoring/warnings?region={COUNTY}&min_score=30").get_json()
    walked = set()
    for township in townships:
        walked |= _ids(evaluator.get(f"/api/v1/monitoring/warnings?region={township}&min_score=30").get_json()["households"])
        walked |= _ids(evaluator.get(f"/api/v1/monitoring/warnings?region={COUNTY}&min_score=30&township={township}")
                       .get_json()["households"])
    assert county["mode"] == "sample" and walked == _ids(county["households"]) and walked <= sample
    drawn = evaluator.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=2000&seed=3").get_json()
    assert drawn["mode"] == "sample" and drawn["size"] <= policy.FIELD_SAMPLE_CAP and _ids(drawn["households"]) <= sample
    download = evaluator.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=2000&seed=3&format=xlsx")
    book = load_workbook(io.BytesIO(download.data))
    downloaded = {str(v) for row in book.active.iter_rows(values_only=True) for v in row
                  if v and HOUSEHOLD_ID.fullmatch(str(v))}
    assert downloaded == _ids(drawn["households"])
    page = json.dumps(_page(evaluator, "/data", f"?region={COUNTY}&table=households").get_json(), ensure_ascii=False)
    assert set(QUOTED_ID.findall(page)) <= sample and QUOTED_ID.search(page)
    assert f"{policy.SAMPLE_RATE:.0%}" in page  # the page states the rule
    monitoring_page = json.dumps(_page(evaluator, "/monitoring", f"?region={COUNTY}&min_score=30").get_json(),
                                 ensure_ascii=False)
    assert QUOTED_ID.search(monitoring_page) and set(QUOTED_ID.findall(monitoring_page)) <= sample
    assert f"{policy.SAMPLE_RATE:.0%}" in monitoring_page
    leader = sign_in(app.server.test_client(), "demo_province")
    full = leader.get(f"/api/v1/monitoring/sample?region={COUNTY}&size=2000&seed=3").get_json()
    assert full["mode"] == "full" and len(full["households"]) == full["population"] > len(drawn["households"])

