"""The metric catalog and the pipelines: hand-computed fixtures, additivity, incremental and Dask builds."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data.definitions import metrics
from data.compute import pipeline
from data.compute.build import COLUMNS, build
from data.definitions.codes import NATION
from data.compute.pipeline import CubePart, Periods
from data.store.schema import cube, data_tables, regions
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN

C1, C2, CITY, PROVINCE = "520101000000", "520102000000", "520100000000", "520000000000"
A, B, V2 = "520101001001", "520101002001", "520102001001"
PERIODS = Periods(("2025-01", "2025-02", "2025-03"), ("2024", "2025"))


def _geography() -> pd.DataFrame:
    rows = [(PROVINCE, "province", PROVINCE, None, None, None), (CITY, "city", PROVINCE, CITY, None, None)]
    for county, townships in ((C1, ("520101001000", "520101002000")), (C2, ("520102001000",))):
        rows.append((county, "county", PROVINCE, CITY, county, None))
        for township in townships:
            rows.append((township, "township", PROVINCE, CITY, county, township))
            rows.append((township[:9] + "001", "village", PROVINCE, CITY, county, township))
    return pd.DataFrame(rows, columns=["code", "level", "province_code", "city_code", "county_code",
                                       "township_code"]).set_index("code")


# The fixtures below give households without a labour count and employment without a person.
SHORT = {"households": ("household_id", "village_code", "size", "former_poor"),
         "collaboration": COLUMNS["collaboration"][:9],  # the seven quantities before issue 18's additions
         "employment": ("household_id", "period", "employed", "location", "mode", "monthly_wage")}


def _frame(name: str, rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SHORT.get(name, COLUMNS[name])))
    if name == "households":
        frame["labour_count"] = 1
    if name == "employment":
        frame["person_id"] = frame["household_id"] + "01"
    return frame


def _tables() -> dict[str, pd.DataFrame]:
    """Five households in two villages of C1 and one in C2; every figure below is worked out by hand."""
    return {
        "households": _frame("households", [("h1", A, 4, True), ("h2", A, 2, False), ("h3", B, 3, True),
                                            ("h4", B, 5, True), ("h5", B, 1, False), ("h6", V2, 2, True)]),
        "monitoring": _frame("monitoring", [
            ("h1", "marginal", "2024-12-10", "cadre_visit", "illness", "eliminated", "2025-02-20"),
            ("h2", "marginal", "2025-01-10", "self_report", "accident", "not_eliminated", None),
            ("h3", "sudden_hardship", "2025-02-05", "department_screening", "illness;disaster", "not_eliminated", None),
            ("h4", "unstable_former_poor", "2025-03-01", "cadre_visit", "disaster", "not_eliminated", None),
            ("h5", "marginal", "2024-11-01", "cadre_visit", "lack_of_labour", "eliminated", "2025-01-15"),
            ("h6", "unstable_former_poor", "2025-03-10", "self_report", "illness", "not_eliminated", None)]),
        "assistance": _frame("assistance", [("h1", "2025-01-05"), ("h2", "2025-02-14"), ("h3", "2025-02-15"),
                                            ("h3", "2025-03-01"), ("h4", "2025-01-01"), ("h4", "2025-03-21")]),
        "income": _frame("income", [
            ("h1", 2024, 7000, 20000, 4000, 0, 4000), ("h1", 2025, 8000, 24000, 4000, 0, 4000),
            ("h3", 2025, 7000, 12000, 3000, 0, 6000), ("h4", 2025, 8000, 30000, 5000, 1000, 4000),
            ("h2", 2025, 5000, 6000, 0, 0, 4000), ("h6", 2025, 9000, 18000, 0, 0, 0)]),
        "employment": _frame("employment", [
            ("h1", "2025-01", True, "in_county", "local", 3000), ("h1", "2025-01", False, None, None, None),
            ("h3", "2025-01", True, "paired_east", "outbound", 5000), ("h2", "2025-01", True, "in_county", "local", 9),
            ("h1", "2025-02", True, "in_county", "local", 3000), ("h1", "2025-02", True, "in_province", "outbound", 4000),
            ("h3", "2025-02", False, None, None, None)]),
        "projects": _frame("projects", [(C1, 2025, "operating", 1_000_000, 200_000, 0, 0, 10, 30, 2_000_000),
                                        (C1, 2025, "failed", 500_000, 0, 0, 0, 0, 0, 0)]),
        "funds": _frame("funds", [(C1, 2025, "industry", 600, 500), (C1, 2025, "other", 400, 400),
                                  (C2, 2025, "industry", 100, 0)]),
        "collaboration": _frame("collaboration", [(C1, 2025, 100, 2, 5, 1, 1000, 30, 400)]),
        "teams": _frame("teams", [(A, 2025, 4, "central", 200), (B, 2025, 3, "county", 250)]),
    }


THRESHOLDS = pd.DataFrame({"province_code": [PROVINCE, PROVINCE], "year": [2024, 2025], "yuan": [7000.0, 7500.0]})


def _of_county(tables: dict[str, pd.DataFrame], county: str, geography: pd.DataFrame) -> dict[str, pd.DataFrame]:
    villages = set(geography.index[geography["county_code"] == county])
    households = tables["households"][tables["households"]["village_code"].isin(villages)]
    mine = set(households["household_id"])
    out = {"households": households}
    for name, frame in tables.items():
        if name in ("projects", "funds"):
            out[name] = frame[frame["county_code"] == county]
        elif name == "collaboration":
            out[name] = frame[frame["west_code"] == county]
        elif name == "teams":
            out[name] = frame[frame["village_code"].isin(villages)]
        elif name != "households":
            out[name] = frame[frame["household_id"].isin(mine)]
    return out


@pytest.fixture(scope="module")
def fixture_cube() -> dict[tuple[str, str], dict]:
    """The fixture run as the build runs it: county by county, then the rows above from county rows."""
    geography, tables = _geography(), _tables()
    parts = [pipeline.partition_cube(_of_county(tables, c, geography), geography, THRESHOLDS, PERIODS)
             for c in (C1, C2)]
    mine = [part.only({C1, C2}) for part in parts]
    counties = CubePart(*(pd.concat([p.grain(g) for p in mine]) for g in ("month", "year")),
                        pd.concat([p.histograms for p in mine]))
    city_row = _frame("collaboration", [(CITY, 2025, 50, 0, 0, 0, 0, 0, 0)])
    above = pipeline.parent_cube(counties, city_row, geography, PERIODS)
    answer = {}
    for part in (*parts, above):
        for grain in ("month", "year"):
            for (code, period), row in part.grain(grain).iterrows():
                answer[(code, period)] = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    return answer


def test_catalog_is_consistent_and_broad():
    metrics.check()
    assert len(metrics.CATALOG) >= 30
    assert {m.theme for m in metrics.CATALOG.values()} == set(metrics.THEMES)
    shown = [m for m in metrics.CATALOG.values() if m.shown]
    assert all(m.zh and m.en and m.definition_zh and m.definition_en for m in metrics.CATALOG.values())
    assert len({m.zh for m in shown}) == len(shown), "two metrics in the picker share a Chinese name"


def test_pipeline_produces_exactly_the_additive_metrics_of_the_catalog(fixture_cube):
    month_columns = set(fixture_cube[(C1, "2025-01")])
    assert month_columns == {m.code for m in metrics.of_grain("month")}
    assert set(fixture_cube[(C1, "2025")]) == {m.code for m in metrics.of_grain("year")}


def test_monitoring_stocks_flows_and_ratios_by_hand(fixture_cube):
    county, a, b = fixture_cube[(C1, "2025-03")], fixture_cube[(A, "2025-03")], fixture_cube[(B, "2025-03")]
    assert county["monitored_households"] == 5 and county["monitored_people"] == 15
    assert county["risk_eliminated_households"] == 2 and county["risk_not_eliminated_households"] == 3
    # 2 of 5 eliminated: 40 %, not the 41.67 % an average of the villages' 50 % and 33.33 % would give.
    assert (a["risk_eliminated_share"], b["risk_eliminated_share"], county["risk_eliminated_share"]) == (50, 33.33, 40)
    assert county["monitored_unstable_former_poor"] == 1 and county["monitored_marginal"] == 3
    assert fixture_cube[(C1, "2025-01")]["newly_identified_households"] == 1  # h2; h1 and h5 came before
    february = fixture_cube[(C1, "2025-02")]
    assert (february["newly_identified_households"], february["new_risk_illness"], february["new_risk_disaster"],
            february["new_channel_department_screening"], february["screening_share"]) == (1, 1, 1, 1, 100)
    assert fixture_cube[(C1, "2025-03")]["screening_share"] == 0
    assert fixture_cube[(CITY, "2025-03")]["risk_eliminated_share"] == 33.33  # 2 of 6
    assert fixture_cube[(NATION, "2025-03")]["monitored_households"] == 6


def test_days_to_assistance_are_quantiles_of_summed_histograms(fixture_cube):
    # February: h2 took 35 days (village A), h3 10 days (B; its second measure and h4's measure before
    # identification do not count).
    february = fixture_cube[(C1, "2025-02")]
    assert february["first_assisted_households"] == 2
    assert february["median_days_to_assistance"] == np.quantile([10, 35], 0.5, method="inverted_cdf") == 10
    assert february["p90_days_to_assistance"] == 35
    assert fixture_cube[(A, "2025-02")]["median_days_to_assistance"] == 35
    assert fixture_cube[(C1, "2025-01")]["median_days_to_assistance"] == 26
    assert fixture_cube[(NATION, "2025-03")]["median_days_to_assistance"] == 20


def test_employment_counts_only_former_poor_labourers(fixture_cube):
    january = fixture_cube[(C1, "2025-01")]
    assert (january["labourers_tracked"], january["labourers_employed"], january["employment_rate"]) == (3, 2, 66.67)
    assert january["paired_east_share"] == 50 and january["average_monthly_wage"] == 4000
    assert january["employed_change"] is None  # no month before the first
    assert fixture_cube[(C1, "2025-02")]["employed_change"] == 0


def test_income_thresholds_and_growth_by_hand(fixture_cube):
    year = fixture_cube[(C1, "2025")]
    assert year["former_poor_people"] == 12 and year["income_per_capita_former_poor"] == 7750
    assert year["wage_share_former_poor"] == round(100 * 66000 / 93000, 2)
    assert year["income_growth_former_poor"] == round(100 * (7750 / 7000 - 1), 2)
    assert year["households_below_threshold"] == 2 and year["people_below_threshold"] == 5  # h3 (7000), h2 (5000)
    assert year["income_per_capita_monitored"] == round(103000 / 14, 2)
    assert fixture_cube[(C1, "2024")]["households_below_threshold"] == 0  # 7000 is not below 7000


def test_projects_funds_collaboration_and_teams_by_hand(fixture_cube):
    year, city = fixture_cube[(C1, "2025")], fixture_cube[(CITY, "2025")]
    assert (year["projects"], year["idle_failed_share"], year["project_funds"]) == (2, 50, 1_700_000)
    assert (year["funds_spend_rate"], year["funds_industry_share"]) == (90, 60)
    assert (city["funds_spend_rate"], city["funds_industry_share"]) == (round(90000 / 1100, 2), round(70000 / 1100, 2))
    assert year["ew_fiscal_aid"] == 100 and city["ew_fiscal_aid"] == 150  # the prefecture's own pair row counts above
    assert (year["village_teams"], year["team_days_average"], year["teams_upper_level"]) == (2, 225, 1)
    assert fixture_cube[(A, "2025")]["projects"] is None  # projects exist from the county up
    assert fixture_cube[(C2, "2025")]["projects"] is None  # no records: no data, not zero


# -- on a stored tiny database, both backends ------------------------------------------------------
def _cube(storage: Storage) -> dict[tuple[str, str], tuple]:
    with storage.engine.connect() as connection:
        rows = connection.execute(sa.select(cube.c.region_code, cube.c.period, cube.c.level, cube.c.figures,
                                            cube.c.distributions)).all()
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def _layouts(storage: Storage) -> dict[str, list[str]]:
    return json.loads(storage.facts()["cube_layouts"])


def test_every_count_at_a_parent_is_the_sum_over_its_children(tiny_storage):
    stored, layouts = _cube(tiny_storage), _layouts(tiny_storage)
    with tiny_storage.engine.connect() as connection:
        parent_of = dict(connection.execute(sa.select(regions.c.code, regions.c.parent_code)).all())
    children: dict[str, list[str]] = {}
    for code, _ in stored:
        parent = NATION if stored[(code, _)][0] == "province" else parent_of.get(code)
        if code != NATION:
            children.setdefault(parent, [])
            if code not in children[parent]:
                children[parent].append(code)
    checked = 0
    for (code, period), (level, figures, _) in stored.items():
        if code not in children:
            continue
        grain = "month" if len(period) == 7 else "year"
        mine = json.loads(figures)
        kids = [json.loads(stored[(c, period)][1]) for c in children[code] if (c, period) in stored]
        for position, name in enumerate(layouts[grain]):
            metric = metrics.get(name)
            if not metric.additive or pipeline.LEVEL_ORDER.index(level) <= pipeline.LEVEL_ORDER.index(metric.finest):
                continue
            values = [k[position] for k in kids if k[position] is not None]
            assert mine[position] == (sum(values) if values else None), (code, period, name)
            checked += 1
    assert checked > 10_000


def _snapshot(storage: Storage) -> dict:
    return {key: (figures, distributions) for key, (_, figures, distributions) in _cube(storage).items()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_county_by_county_equals_the_whole_country_and_follows_changes(tiny_copy, backend):
    storage = tiny_copy(backend)
    whole = _snapshot(storage)
    counties = json.loads(storage.facts()["counties_in_scope"])
    for county in counties:
        summary = build(storage, ADMIN, [county])
        assert summary["full"] is False and summary["counties"] == 1
    assert _snapshot(storage) == whole
    # A change in one county: rebuilding that county alone gives what a full build gives.
    with storage.engine.begin() as connection:
        monitoring = data_tables["monitoring"]
        households = data_tables["households"]
        victim = connection.execute(sa.select(monitoring.c.household_id).join(
            households, households.c.household_id == monitoring.c.household_id)
            .where(households.c.village_code.startswith(counties[0][:6])).limit(1)).scalar_one()
        connection.execute(monitoring.delete().where(monitoring.c.household_id == victim))
    build(storage, ADMIN, [counties[0]])
    incremental = _snapshot(storage)
    build(storage, ADMIN)
    assert _snapshot(storage) == incremental != whole


def test_dask_local_cluster_builds_the_same_cube(tiny_copy):
    storage = tiny_copy("sqlite")
    local = _snapshot(storage)
    summary = build(storage, ADMIN, executor="dask", partition_size=1)
    assert summary["partitions"] == 3 and summary["executor"] == "dask"
    assert _snapshot(storage) == local


def test_a_failed_build_leaves_the_cube_as_it_was(tiny_copy, monkeypatch):
    storage = tiny_copy("sqlite")
    before = _snapshot(storage)

    def broken(*_args, **_kwargs):
        raise RuntimeError("worker lost")
    monkeypatch.setattr("data.compute.build._build_parents", broken)
    with pytest.raises(RuntimeError):
        build(storage, ADMIN)
    assert _snapshot(Storage(make_engine(storage.engine.url.render_as_string(hide_password=False)))) == before


def test_an_import_names_the_counties_to_rebuild_and_the_result_equals_a_full_build(tiny_copy, tmp_path):
    from data.store import records
    from data.ingest.importer import import_file

    storage = tiny_copy("sqlite")
    employment = records.read_table(storage.engine, ADMIN, "employment")
    county = json.loads(storage.facts()["counties_in_scope"])[1]
    with storage.engine.connect() as connection:
        mine = set(connection.execute(sa.select(data_tables["households"].c.household_id).where(
            data_tables["households"].c.village_code.startswith(county[:6]))).scalars())
    changed = employment[employment["household_id"].isin(mine) & employment["employed"]].head(5).copy()
    changed["employed"], changed["location"], changed["mode"], changed["monthly_wage"] = False, None, None, None
    path = tmp_path / "employment.csv"
    changed.to_csv(path, index=False)
    before = _snapshot(storage)
    result = import_file(storage, replace(ADMIN, user="test"), "employment", path)
    assert result.updated == 5 and result.counties == [county]
    build(storage, ADMIN, result.counties)
    incremental = _snapshot(storage)
    assert incremental != before
    build(storage, ADMIN)
    assert _snapshot(storage) == incremental


def test_a_household_identified_again_counts_once_and_its_measures_go_to_the_open_case():
    households = _frame("households", [("h1", A, 4, True)])
    monitoring = _frame("monitoring", [
        ("h1", "marginal", "2024-06-01", "cadre_visit", "illness", "eliminated", "2024-12-10"),
        ("h1", "marginal", "2025-01-10", "self_report", "accident", "not_eliminated", None)])
    assistance = _frame("assistance", [("h1", "2024-06-20"), ("h1", "2025-02-01")])
    frame, histogram = pipeline.monitoring_measures(households, monitoring, assistance, PERIODS.months)
    february = frame.loc[(A, "2025-02")]
    assert (february["monitored_households"], february["monitored_people"]) == (1, 4)
    assert (february["risk_eliminated_households"], february["risk_not_eliminated_households"]) == (0, 1)
    assert frame.loc[(A, "2025-01"), "newly_identified_households"] == 1
    assert february["first_assisted_households"] == 1
    assert histogram[["period", "value", "count"]].values.tolist() == [["2025-02", 22, 1]]


def test_missing_wages_do_not_lower_the_average_wage():
    households = _frame("households", [("h1", A, 4, True)])
    employment = _frame("employment", [("h1", "2025-01", True, "in_county", "local", 4000),
                                       ("h1", "2025-01", True, "in_county", "local", None)])
    row = pipeline.employment_measures(households, employment).loc[(A, "2025-01")]
    assert (row["labourers_employed"], row["labourers_with_wage"], row["wage_bill"]) == (2, 1, 4000)


def test_a_database_without_monthly_records_still_builds(tiny_copy):
    storage = tiny_copy("sqlite")
    with storage.engine.begin() as connection:
        for name in ("employment", "assistance", "monitoring"):
            connection.execute(data_tables[name].delete())
    summary = build(storage, ADMIN)
    assert summary["months"] == 0 and summary["rows"] > 0


def test_defaults_to_the_latest_period_of_each_theme_and_years_are_consecutive(tiny_storage):
    from data.read import cube as figures

    info = figures.info(tiny_storage)
    assert info.periods["year"] == ["2023", "2024", "2025", "2026"]
    assert info.latest_of(metrics.get("income_per_capita_former_poor")) == "2025"  # no income records for 2026
    assert info.latest_of(metrics.get("funds_spend_rate")) == "2026"
    answer = figures.values(tiny_storage, ADMIN, "income_per_capita_former_poor", "county", "5227")
    assert answer["period"] == "2025" and answer["with_data"] == 3


def test_a_project_moved_to_another_county_leaves_the_old_county(tiny_copy, tmp_path):
    from data.store import records
    from data.ingest.importer import import_file

    storage = tiny_copy("sqlite")
    counties = json.loads(storage.facts()["counties_in_scope"])
    projects = records.read_table(storage.engine, ADMIN, "projects")
    moved = projects[projects["county_code"] == counties[0]].head(1).copy()
    moved["county_code"], moved["village_code"] = counties[1], None
    path = tmp_path / "projects.csv"
    moved.to_csv(path, index=False)
    result = import_file(storage, replace(ADMIN, user="test"), "projects", path)
    assert set(result.counties) == {counties[0], counties[1]}
    assert json.loads(storage.facts()["cube_pending_counties"]) == sorted(result.counties)
    build(storage, ADMIN, [])  # the pending counties are rebuilt even when the caller names none
    assert json.loads(storage.facts()["cube_pending_counties"]) == []
    incremental = _snapshot(storage)
    build(storage, ADMIN)
    assert _snapshot(storage) == incremental
