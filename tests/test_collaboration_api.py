"""East–West collaboration and targeted assistance (issue 18 parts 3 and 4): the read service
(data/read/collaboration.py), its API (dashboard/collaboration_api.py) and who may read what — an East–West
office its pairs' figures, a western leader her partners and her own ledger, a central unit its designated
counties, never household records; another pair's ledger refused (403, audited)."""
from __future__ import annotations

import pandas as pd
import pytest

from data.definitions.access import ROLES, OutOfScope
from data.read import cube
from data.store import records
from tests.conftest import ADMIN, access_for

COUNTY = "522728000000"  # 罗甸县: the tiny scale's demo county (a national key county of 黔南州, 贵州省)
OTHER = "522727000000"  # 平塘县: a county of the same prefecture, not in any central unit's account here
FAR = "530102000000"  # 五华区 (昆明市, 云南省): outside every scoped account's figures


def test_a_central_unit_reads_the_figures_of_its_counties_and_no_household_records(tiny_storage):
    role = ROLES["central_unit"]
    assert (role.zh, role.households, role.levels) == ("定点帮扶单位", "none", ("county",))
    unit = access_for(tiny_storage, "central_unit", [COUNTY])
    households = records.listing(tiny_storage, unit, "households", COUNTY[:6], 20)
    assert households.mode == "hidden" and households.frame.empty and households.total > 0
    assert any(p["value"] for p in cube.series(tiny_storage, unit, "monitored_households", COUNTY)["series"])
    with pytest.raises(OutOfScope):
        cube.series(tiny_storage, unit, "monitored_households", FAR)


# -- the read service, on both backends ---------------------------------------------------------------
EAST = "440000000000"  # 广东省: the tiny scale's one eastern partner (广东省 → 贵州省, since 2021)
COUNTIES = ["522728000000", "522731000000", "522732000000"]  # 罗甸县, 惠水县, 三都水族自治县


def office(storage):
    """The East–West office of 广东省 as an account is made: its regions are its western partners."""
    from data.store import membership

    return access_for(storage, "collaboration", membership.west_partners(storage, ADMIN, EAST))


def test_the_ledger_sets_each_result_against_its_target(tiny_storage):
    from data.read import collaboration as collab
    from data.store.schema import data_tables

    found = collab.ledger(tiny_storage, office(tiny_storage), "44", 2025)
    assert found.east["code"] == EAST and found.year == 2025 and 2024 in found.years and found.months is None
    assert sorted(found.rows["west_code"].unique()) == COUNTIES
    with tiny_storage.engine.connect() as connection:
        truth = {(r.west_code, r.indicator): r.target for r in connection.execute(
            data_tables["collaboration_targets"].select().where(data_tables["collaboration_targets"].c.year == 2025))}
        results = {r.west_code: r for r in connection.execute(
            data_tables["collaboration"].select().where(data_tables["collaboration"].c.year == 2025))}
        before = {r.west_code: r for r in connection.execute(
            data_tables["collaboration"].select().where(data_tables["collaboration"].c.year == 2024))}
    targeted = found.rows[found.rows["target"].notna()]
    assert len(targeted) == len(truth) > 0
    for row in targeted.to_dict("records"):
        target = truth[row["west_code"], row["indicator"]]
        result = getattr(results[row["west_code"]], row["indicator"])
        assert row["target"] == target and row["result"] == result
        assert row["completion"] == round(result / target * 100, 1)
        assert row["under_target"] == (result < target)
        assert row["last_year"] == getattr(before[row["west_code"]], row["indicator"])
        assert row["change"] == result - row["last_year"]
    totals = found.totals.set_index("indicator")
    for indicator in found.indicators:
        part = found.rows[found.rows["indicator"] == indicator]
        assert totals.loc[indicator, "result"] == part["result"].sum()
    key = found.key_share.set_index("indicator").loc["fiscal_aid"]
    key_aid = sum(results[c].fiscal_aid for c in ("522728000000", "522732000000"))  # the two national key counties
    assert key["share"] == round(key_aid / sum(r.fiscal_aid for r in results.values()) * 100, 1)
    assert key["required"] == round(100 * 2 / 3, 1)  # policy.KEY_COUNTY_TILT (1.0) × their share of the regions
    wide = found.wide()
    assert len(wide) == 3 and "fiscal_aid.completion" in wide.columns


def test_the_year_under_way_is_set_against_its_months(tiny_storage):
    from data.read import collaboration as collab

    found = collab.ledger(tiny_storage, ADMIN, EAST)  # the latest year: 2026, data to October
    assert found.year == 2026 and found.months == 10
    row = found.rows[found.rows["target"].notna()].iloc[0]
    assert row["expected"] == pytest.approx(row["target"] * 10 / 12, abs=0.1)
    assert row["under_target"] == (row["result"] < row["expected"])


def test_a_western_county_leader_sees_her_partners_her_unit_and_her_own_ledger(tiny_storage):
    from data.definitions.access import OtherPair
    from data.read import collaboration as collab

    leader = access_for(tiny_storage, "county", [COUNTY])
    pairs = collab.pairs(tiny_storage, leader)
    assert set(pairs["kind"]) == {"east_west", "targeted"}
    assert list(pairs.loc[pairs["kind"] == "east_west", "east_code"]) == [EAST]
    units = pairs[pairs["kind"] == "targeted"]
    assert list(units["west_code"]) == [COUNTY] and units["illustrative"].all()  # 三都's unit is not hers
    assert list(collab.ledger(tiny_storage, leader, EAST).rows["west_code"].unique()) == [COUNTY]
    assert set(collab.targeted(tiny_storage, leader).rows["county_code"]) == {COUNTY}
    with pytest.raises(OtherPair):
        collab.targeted(tiny_storage, leader, "522732")  # 三都: another county's central unit
    yunnan = access_for(tiny_storage, "county", [FAR])
    with pytest.raises(OtherPair):
        collab.ledger(tiny_storage, yunnan, EAST)  # 广东省 is not a partner of 五华区
    assert collab.pairs(tiny_storage, yunnan).empty or EAST not in set(collab.pairs(tiny_storage, yunnan)["east_code"])


def test_a_central_unit_reads_the_ledger_of_its_counties_only(tiny_storage):
    from data.definitions.access import OtherPair
    from data.read import collaboration as collab
    from data.store import accounts

    account = next(a for a in accounts.demo_accounts(tiny_storage) if a["role"] == "central_unit")
    assert account["regions"] == [COUNTY]  # the unit assisting the demo county assists only it in the tiny data
    unit = access_for(tiny_storage, "central_unit", account["regions"])
    found = collab.targeted(tiny_storage, unit)
    assert set(found.rows["county_code"]) == {COUNTY} and len(found.rows) == len(collab.TARGETED)
    assert found.rows["unit"].str.endswith("（示例）").all()
    with pytest.raises(OtherPair):
        collab.targeted(tiny_storage, unit, "522732")


def test_labour_flows_are_the_employment_figures_by_destination(tiny_storage):
    from data.read import collaboration as collab

    found = collab.flows(tiny_storage, office(tiny_storage), COUNTY, 2025)
    people = found.employment.set_index("destination")["people"]
    assert set(people.index) == set(collab.DESTINATIONS) and found.employment["months"].eq(12).all()
    employed = [p["value"] for p in cube.series(tiny_storage, ADMIN, "labourers_employed", COUNTY)["series"]
                if p["period"].startswith("2025")]
    assert people.sum() == pytest.approx(sum(employed) / 12, abs=0.3)  # each destination's monthly mean adds up
    east = found.employment.set_index("destination").loc["paired_east"]
    assert east["destination_code"] == EAST and east["destination_name"] == "广东省"
    reported = found.reported.set_index("destination")["people"]
    assert set(reported.index) == set(collab.REPORTED) and (reported >= 0).all()
    province = collab.flows(tiny_storage, ADMIN, "52", 2025)
    assert set(province.employment["west_code"]) == set(COUNTIES)
    with pytest.raises(OutOfScope):
        collab.flows(tiny_storage, access_for(tiny_storage, "county", [COUNTY]), FAR)


def test_trends_and_ranking_cover_every_region(tiny_storage):
    from data.read import collaboration as collab

    trend = collab.trends(tiny_storage, ADMIN, EAST, "fiscal_aid")
    assert set(trend["west_code"]) == set(COUNTIES) and sorted(trend["year"].unique()) == [2024, 2025, 2026]
    best = collab.ranking(tiny_storage, ADMIN, EAST, "fiscal_aid", 2025)
    worst = collab.ranking(tiny_storage, ADMIN, EAST, "fiscal_aid", 2025, order="worst")
    assert len(best) == 3 and list(best["rank"]) == [1, 2, 3] and list(worst["west_code"]) == list(best["west_code"])[::-1]
    assert best["value"].is_monotonic_decreasing
    with pytest.raises(cube.BadParameter):
        collab.ranking(tiny_storage, ADMIN, EAST, "weather")


def test_outcomes_compare_paired_counties_with_their_peers_before_and_after(tiny_copy):
    """On a copy: 广东省 supports 罗甸 and 三都 only (惠水's rows removed), its pair starts in 2025, so 惠水 is
    the peer (no county of their tier is unpaired: the province's other counties are) and 2024 is before."""
    import sqlalchemy as sa

    from data.read import collaboration as collab
    from data.store import schema
    from data.store.storage import writing

    storage = tiny_copy("sqlite")
    with writing(storage.engine) as connection:
        for table in ("collaboration", "collaboration_targets"):
            connection.execute(sa.delete(schema.data_tables[table]).where(
                schema.data_tables[table].c.west_code == "522731000000"))
        connection.execute(sa.update(schema.pairings).where(schema.pairings.c.kind == "east_west").values(start_year=2025))
    found = collab.outcomes(storage, ADMIN, EAST)
    assert found.paired == ["522728000000", "522732000000"] and found.peers == ["522731000000"]
    assert found.peer_rule == "province" and found.start_year == 2025 and found.caveat == "collab_outcomes_caveat"
    summary = found.summary.set_index(["metric", "group"])
    rate = summary.loc[("employment_rate", "paired")]
    assert rate["before_periods"] == 14 and rate["after_periods"] == 22  # 2023-11 … 2024-12, then 2025-01 … 2026-10
    series = found.series[(found.series["metric"] == "employment_rate") & (found.series["group"] == "peers")]
    own = {p["period"]: p["value"] for p in cube.series(storage, ADMIN, "employment_rate", "522731")["series"]}
    assert all(row["value"] == own[row["period"]] for row in series.to_dict("records"))  # one peer: its own value
    assert rate["change"] == pytest.approx(rate["after"] - rate["before"], abs=0.01)



def test_a_pair_older_than_the_data_compares_the_change_since_the_first_period_with_data(tiny_storage):
    """广东省 → 贵州省 starts in 2021, the tiny data in 2023-11: no "before" is invented; each group's change
    from the first period both groups have data for to the latest, and the difference of the changes."""
    from data.read import collaboration as collab

    found = collab.outcomes(tiny_storage, ADMIN, EAST)
    assert found.start_year == 2021 and found.comparison == "since_data" and found.data_start == "2023-11"
    summary = found.summary.set_index(["metric", "group"])
    assert summary["before"].isna().all() and set(summary["basis"]) == {"since_data"}
    for metric in found.metric_codes:
        paired, peers = summary.loc[(metric, "paired")], summary.loc[(metric, "peers")]
        if paired["first"] is None or pd.isna(paired["first"]):
            continue
        series = found.series[(found.series["metric"] == metric) & (found.series["group"] == "paired")]
        values = {p: v for p, v in zip(series["period"], series["value"])}
        assert paired["first"] == values[paired["first_period"]] and paired["latest"] == values[paired["latest_period"]]
        assert paired["first_period"] == peers["first_period"] and paired["latest_period"] == peers["latest_period"]
        assert paired["change"] == pytest.approx(paired["latest"] - paired["first"], abs=0.01)
        if found.peers:
            assert paired["difference"] == pytest.approx(paired["change"] - peers["change"], abs=0.01)
        else:  # every county of the province is 广东省's here: nobody to compare with, no difference
            assert found.peer_rule == "none" and pd.isna(paired["difference"])
    assert found.to_dict()["comparison"] == "since_data"


def test_a_pairing_imported_inside_the_data_window_gets_real_before_and_after_values(tiny_copy, tmp_path):
    """Imported through the importer: 浙江省 → 惠水县 since 2025, with its rows for 2025 and 2026 — the data
    (2023-11 … 2026-10) hold 2024 before the start, so the comparison is before against after."""
    import csv

    from data.definitions import contract
    from data.ingest.importer import import_file
    from data.read import collaboration as collab

    storage = tiny_copy("sqlite")
    files = {"pairings": [{"east_region": "浙江省", "west_code": "522731000000", "kind": "east_west", "unit": "",
                           "start_year": 2025, "end_year": "", "note": "tests"}],
             "collaboration": [{"east_region": "浙江省", "west_code": "522731000000", "year": year,
                                "fiscal_aid": 5_000_000, "cadres_sent": 3, "talent_sent": 10, "enterprises_landed": 2,
                                "investment": 20_000_000, "labour_transferred": 300, "consumption_sales": 4_000_000}
                               for year in (2025, 2026)]}
    for table, rows in files.items():
        path = tmp_path / f"{table}.csv"
        header = [c.name for c in contract.TABLES[table].columns]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([[row.get(name, "") for name in header] for row in rows])
        import_file(storage, ADMIN, table, path)
    found = collab.outcomes(storage, ADMIN, "浙江省")
    assert found.paired == ["522731000000"] and found.start_year == 2025 and found.comparison == "before_after"
    assert found.caveat == "collab_outcomes_caveat"
    summary = found.summary.set_index(["metric", "group"])
    rate = summary.loc[("employment_rate", "paired")]
    assert rate["basis"] == "before_after" and rate["before_periods"] == 14 and rate["after_periods"] == 22
    assert rate["before"] is not None and rate["after"] is not None and not pd.isna(rate["before"])
    series = found.series[(found.series["metric"] == "employment_rate") & (found.series["group"] == "paired")]
    before = [v for p, v in zip(series["period"], series["value"]) if p < "2025" and v is not None]
    assert rate["before"] == pytest.approx(sum(before) / len(before), abs=0.01)
    assert rate["change"] == pytest.approx(rate["after"] - rate["before"], abs=0.01)
    assert found.peers  # 广东省's counties are not 浙江省's: they are the peers
    peers = summary.loc[("employment_rate", "peers")]
    assert rate["difference"] == pytest.approx(rate["change"] - peers["change"], abs=0.01)


# -- the API (tiny database on SQLite, signed in through the form) -------------------------------------------
API = "/api/v1/collaboration"
# Each described path → a query the route answers with 200 for the demo administrator (tests/test_api.py's _valid)
VALID = {
    f"{API}/pairs": (f"{API}/pairs", {"format": "json"}),
    f"{API}/partners": (f"{API}/partners", {}),
    f"{API}/ledger": (f"{API}/ledger", {"east": "44", "year": "2025", "format": "json"}),
    f"{API}/trends": (f"{API}/trends", {"east": "44", "indicator": "fiscal_aid", "format": "json"}),
    f"{API}/ranking": (f"{API}/ranking", {"east": "44", "indicator": "fiscal_aid", "year": "2025",
                                          "measure": "completion", "order": "worst", "format": "json"}),
    f"{API}/targeted": (f"{API}/targeted", {"county": "522728", "year": "2025", "format": "json"}),
    f"{API}/flows": (f"{API}/flows", {"west": "522728", "year": "2025"}),
    f"{API}/outcomes": (f"{API}/outcomes", {"east": "44"}),
}
REQUIRED = {(f"{API}/{route}", "east") for route in ("ledger", "trends", "ranking", "outcomes")} | {
    (f"{API}/trends", "indicator"), (f"{API}/ranking", "indicator"), (f"{API}/flows", "west")}


def test_every_route_answers_as_described(app, client):
    import csv
    import io

    from dashboard.openapi import SPEC

    assert {p for p in SPEC["paths"] if p.startswith(API)} == set(VALID)
    for path, (url, query) in VALID.items():
        answer = client.get(url, query_string=query)
        assert answer.status_code == 200 and answer.is_json, (path, answer.data[:300])
    ledger = client.get(f"{API}/ledger?east=44&year=2025").get_json()
    assert ledger["count"] == 3 and {r["west_code"] for r in ledger["regions"]} == set(COUNTIES)
    first = ledger["regions"][0]["indicators"]["fiscal_aid"]
    assert first["completion"] == round(first["result"] / first["target"] * 100, 1)
    download = client.get(f"{API}/ledger?east=44&year=2025&format=csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[0]["fiscal_aid.target"].isdigit()  # whole yuan, not 12000000.0
    for path in ("pairs", "targeted?county=52", "trends?east=44&indicator=to_east", "ranking?east=44&indicator=to_east"):
        answer = client.get(f"{API}/{path}{'&' if '?' in path else '?'}format=csv")
        assert answer.status_code == 200 and answer.mimetype == "text/csv", path


@pytest.mark.parametrize("query, status", [
    ("ledger", 400), ("ledger?east=", 400), ("ledger?east=44&year=1999", 400), ("ledger?east=44&year=2023", 404),
    ("ledger?east=99", 404), ("ledger?east=52", 404), ("ledger?east=44&colour=red", 400),
    ("ledger?east=44&east=44", 400), ("ledger?east=44&format=xml", 400), ("trends?east=44", 400),
    ("trends?east=44&indicator=weather", 400), ("ranking?east=44&indicator=to_east&order=middle", 400),
    ("targeted?county=5", 400), ("targeted?county=529999", 404), ("flows", 400), ("flows?west=522728&year=2020", 404),
    ("outcomes?east=abc", 400)])
def test_bad_parameters_get_a_clear_error(client, query, status):
    answer = client.get(f"{API}/{query}")
    assert answer.status_code == status, (query, answer.data[:300])
    message = answer.get_json()["error"]["message"]
    assert message and "route" not in message  # the route's own answer, not the API's "no such route"


def test_another_pairs_ledger_is_refused_and_audited(app):
    from data.store import accounts, audit
    from tests.conftest import sign_in

    accounts.add_user(app.storage, "c2_wuhua_leader", "county", ["530102"], "a long enough password")
    client = sign_in(app.server.test_client(), "c2_wuhua_leader", "a long enough password")
    before = len(audit.entries(app.storage.engine, ADMIN, user="c2_wuhua_leader", action="refused", limit=1000))
    for path in ("ledger?east=44", "trends?east=44&indicator=fiscal_aid", "ranking?east=44&indicator=fiscal_aid",
                 "outcomes?east=44", "targeted?county=522728", "flows?west=522728"):
        answer = client.get(f"{API}/{path}")
        assert answer.status_code == 403 and "outside your scope" in answer.get_json()["error"]["message"], path
    entries = audit.entries(app.storage.engine, ADMIN, user="c2_wuhua_leader", action="refused", limit=1000)
    assert len(entries) == before + 6 and entries[-1]["region_code"] == EAST  # the first: the ledger of 广东省
    pairs = client.get(f"{API}/pairs").get_json()["pairs"]  # hers: 上海市 → 云南省 (沪滇协作), not 广东省's
    assert [(p["east_code"], p["west_code"]) for p in pairs] == [("310000000000", "530000000000")]
    county = sign_in(app.server.test_client(), "demo_county")
    mine = county.get(f"{API}/ledger?east=44").get_json()
    assert [r["west_code"] for r in mine["regions"]] == [COUNTY]  # her own row of her partner's ledger
    assert county.get(f"{API}/targeted?county=522732").status_code == 403  # 三都's central unit


def test_the_demo_central_unit_signs_in_and_sees_its_county_figures_only(app):
    from tests.conftest import sign_in

    client = sign_in(app.server.test_client(), "demo_central_unit")
    answer = client.get(f"{API}/targeted").get_json()
    assert {r["county_code"] for r in answer["rows"]} == {COUNTY} and answer["rows"][0]["illustrative"]
    warnings = client.get(f"/api/v1/monitoring/warnings?region={COUNTY[:6]}").get_json()
    assert warnings["mode"] == "hidden" and warnings["households"] == []  # figures only, no household rows
    assert client.get(f"/api/v1/series?metric=monitored_households&region={COUNTY[:6]}").status_code == 200
    assert client.get("/api/v1/regions/522732").status_code == 403


def test_the_east_west_office_reads_its_whole_ledger_and_no_household_rows(app):
    from tests.conftest import sign_in

    client = sign_in(app.server.test_client(), "demo_collaboration")  # 广东省's office: 贵州省 is its partner
    ledger = client.get(f"{API}/ledger?east=44").get_json()
    assert sorted(r["west_code"] for r in ledger["regions"]) == COUNTIES and ledger["east"]["name"] == "广东省"
    partners = client.get(f"{API}/partners").get_json()["partners"]
    assert partners[0]["east_code"] == EAST and partners[0]["regions"] == 3  # the one with rows in the tiny data
    assert {p["east_code"] for p in partners} == {EAST, "440300000000", "440600000000"}  # 深圳, 佛山: in its provinces
    warnings = client.get(f"/api/v1/monitoring/warnings?region={COUNTY[:6]}").get_json()
    assert warnings["mode"] == "hidden" and warnings["households"] == []
    assert client.get("/api/v1/series?metric=monitored_households&region=52").status_code == 200  # its partner
    assert client.get(f"{API}/targeted?county={FAR[:6]}").status_code == 403  # not one of its regions
