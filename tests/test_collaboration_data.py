"""East–West collaboration and targeted assistance data (issue 18, part 1): the pairings, agreement targets and
targeted-assistance tables and the collaboration table's added quantities. Export → empty database → import
round trips on SQLite and PostgreSQL, idempotent re-imports, malformed files refused with row and column and
nothing changed, an old collaboration file still importing, pairings read from the stored table, scoped reads,
the new figures in the cube, and the demo's completion rates and labour flows as DATA_CONTRACT.md states."""
from __future__ import annotations

import csv
import io
from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from data.definitions import contract
from data.definitions.access import OutOfScope
from data.demo import generator
from data.ingest.exporter import export_table, write_template
from data.ingest.importer import ImportRejected, import_file, rollback
from data.read import cube
from data.store import collaboration, membership, records
from data.store.schema import data_tables, regions
from tests.conftest import ADMIN, access_for
from tests.test_interchange import _fingerprint

TESTER = replace(ADMIN, user="test")
GUIZHOU, QIANNAN = "520000000000", "522700000000"
LUODIAN, HUISHUI, SANDU = "522728000000", "522731000000", "522732000000"  # the tiny scale's counties
GUANGDONG, GUANGXI = "440000000000", "450000000000"
NEW_TABLES = ("pairings", "collaboration_targets", "targeted_assistance")
ORIGINAL_COLLABORATION = ("east_region", "west_code", "year", "fiscal_aid", "cadres_sent", "talent_sent",
                          "enterprises_landed", "investment", "labour_transferred", "consumption_sales")


def _csv(path, header, rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _values(storage, metric: str, level: str, period: str) -> dict:
    """{code: value} of a metric's figures for every region of ``level`` (the whole country)."""
    return {r["code"]: r["value"] for r in cube.values(storage, ADMIN, metric, level, period=period)["values"]}


def _rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


# -- the contract ---------------------------------------------------------------------------------------
def test_the_contract_declares_the_new_tables_and_quantities():
    collaboration_columns = [c.name for c in contract.TABLES["collaboration"].columns]
    assert tuple(collaboration_columns[:10]) == ORIGINAL_COLLABORATION
    for name in ("social_aid", "talent_received", "people_trained", "parks_built", "workers_helped", "former_poor",
                 "to_east", "in_province", "consumption_bought", "consumption_sold", "pairings_township",
                 "pairings_village", "pairings_school", "pairings_hospital"):
        assert not contract.TABLES["collaboration"].column(name).required, name  # old files still import
    assert contract.TABLES["collaboration_targets"].column("indicator").values == contract.COLLABORATION_QUANTITIES
    assert set(contract.COLLABORATION_QUANTITIES) == {c.name for c in contract.TABLES["collaboration"].columns
                                                      if c.kind in ("int", "money")}
    order = contract.LOAD_ORDER
    assert order.index("collaboration") < order.index("pairings") < order.index("collaboration_targets")
    assert contract.label_zh("collaboration_targets", "indicator", "in_province") == "省内就近就业"  # not the location's
    assert contract.label_zh("pairings", "kind", "targeted") == "定点帮扶"


def test_the_templates_of_the_new_tables_have_the_chinese_headers(tmp_path):
    for table in NEW_TABLES:
        write_template(table, tmp_path / f"{table}.xlsx")
        book = load_workbook(tmp_path / f"{table}.xlsx")
        assert [c.value for c in book.worksheets[0][1]] == [c.zh for c in contract.TABLES[table].columns], table
    allowed = [row[1].value for row in load_workbook(tmp_path / "collaboration_targets.xlsx").worksheets[1].iter_rows(min_row=2)]
    assert allowed == list(contract.COLLABORATION_QUANTITIES)


def test_the_api_serves_the_templates_of_the_new_tables(client):
    for table in NEW_TABLES:
        answer = client.get(f"/api/v1/templates/{table}.xlsx")
        assert answer.status_code == 200, table
        headers = [c.value for c in load_workbook(io.BytesIO(answer.data)).worksheets[0][1]]
        assert headers == [c.zh for c in contract.TABLES[table].columns]


# -- round trips ----------------------------------------------------------------------------------------
def test_export_import_round_trip_and_idempotent_reimport(tiny_storage, tiny_copy, tmp_path):
    backend = tiny_storage.engine.dialect.name  # sqlite or postgresql: the round trip on the same backend
    tables = ("collaboration", *NEW_TABLES)
    for table in tables:
        export_table(tiny_storage.engine, ADMIN, table, tmp_path / f"{table}.csv")
    export_table(tiny_storage.engine, ADMIN, "collaboration_targets", tmp_path / "targets.xlsx")
    fresh = tiny_copy(backend, with_data=False)
    for table in tables:  # the contract's order: pairings before the targets that need them
        result = import_file(fresh, TESTER, table, tmp_path / f"{table}.csv")
        assert result.added > 0 and result.updated == 0, table
    for table in tables:
        original = records.read_table(tiny_storage.engine, ADMIN, table)
        assert original.equals(records.read_table(fresh.engine, ADMIN, table)), table
        again = import_file(fresh, TESTER, table, tmp_path / f"{table}.csv")
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(original)), table
        export_table(fresh.engine, ADMIN, table, tmp_path / f"{table}-again.csv")
        assert (tmp_path / f"{table}-again.csv").read_bytes() == (tmp_path / f"{table}.csv").read_bytes(), table
    workbook = import_file(fresh, TESTER, "collaboration_targets", tmp_path / "targets.xlsx")
    assert (workbook.added, workbook.updated) == (0, 0)
    # an East–West pair's empty unit and a central unit's empty eastern region are empty cells, not "None"
    pairings = _rows(tmp_path / "pairings.csv")
    header = pairings[0]
    assert {row[header.index("unit")] for row in pairings[1:] if row[header.index("kind")] == "east_west"} == {""}
    assert {row[header.index("east_region")] for row in pairings[1:] if row[header.index("kind")] == "targeted"} == {""}


def test_an_old_collaboration_file_without_the_new_columns_still_imports_and_builds(tiny_storage, tiny_copy, tmp_path):
    export_table(tiny_storage.engine, ADMIN, "collaboration", tmp_path / "new.csv")
    rows = _rows(tmp_path / "new.csv")
    keep = [rows[0].index(c) for c in ORIGINAL_COLLABORATION]
    old = _csv(tmp_path / "old.csv", [contract.TABLES["collaboration"].column(c).zh for c in ORIGINAL_COLLABORATION],
               [[row[i] for i in keep] for row in rows[1:]])  # the Chinese headers, as a clerk's old sheet
    fresh = tiny_copy("sqlite", with_data=False)
    result = import_file(fresh, TESTER, "collaboration", old)
    assert result.added == len(rows) - 1
    stored = records.read_table(fresh.engine, ADMIN, "collaboration")
    assert stored["to_east"].isna().all() and stored["fiscal_aid"].notna().all()
    from data.compute.build import build
    build(fresh, ADMIN)
    aid = _values(fresh, "ew_fiscal_aid", "county", "2025")
    assert aid[LUODIAN] == stored.set_index(["west_code", "year"]).loc[(LUODIAN, 2025), "fiscal_aid"]
    assert _values(fresh, "ew_to_east", "county", "2025")[LUODIAN] is None  # no data, not zero


# -- malformed files: refused with row and column, every table unchanged ---------------------------------
@pytest.fixture(scope="module")
def loaded(tiny_template, tmp_path_factory):
    from data.store.storage import Storage, make_engine
    from tests.conftest import copy_database

    folder = tmp_path_factory.mktemp("collaboration")
    storage = Storage(make_engine(copy_database(tiny_template("sqlite"), folder, "db.sqlite")[0]))
    return storage, _fingerprint(storage)


def _refused(storage, before: str, table: str, path) -> set[tuple[int, str]]:
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, TESTER, table, path)
    assert _fingerprint(storage) == before  # nothing changed anywhere
    assert all(p.zh and p.en for p in rejected.value.problems)
    return {(p.row, p.column) for p in rejected.value.problems}


def test_malformed_target_files_are_refused_with_row_and_column(loaded, tmp_path):
    storage, before = loaded
    header = [c.name for c in contract.TABLES["collaboration_targets"].columns]
    path = _csv(tmp_path / "targets.csv", header, [
        ["广东省", LUODIAN, 2025, "fiscal_aid", 30_000_000],  # row 2: fine
        ["广东省", LUODIAN, 2025, "households", 10],  # 3: not a quantity of the collaboration table
        ["广东省", LUODIAN, 2025, "to_east", -5],  # 4: negative
        ["广东省", LUODIAN, 2019, "to_east", 5000],  # 5: before the pairing's start (2021)
        ["浙江省", LUODIAN, 2025, "to_east", 5000],  # 6: no such pairing
        ["广东省", "529999000000", 2025, "to_east", 5000],  # 7: unknown region
        ["广东省", LUODIAN, 2025, "fiscal_aid", 31_000_000],  # 8: the same key twice
        ["广东省", LUODIAN, 2025, "", 31_000_000],  # 9: empty indicator
    ])
    problems = _refused(storage, before, "collaboration_targets", path)
    for expected in ((3, "indicator"), (4, "target"), (5, "year"), (6, "east_region"), (7, "west_code"),
                     (9, "indicator")):
        assert expected in problems, (expected, problems)
    assert any(row == 8 for row, _ in problems)
    assert not any(row == 2 for row, _ in problems)
    # the same file in Chinese headers and terms is read as well: only the bad rows are named
    zh = _csv(tmp_path / "targets-zh.csv", [contract.TABLES["collaboration_targets"].column(c).zh for c in header],
              [["广东省", LUODIAN, 2025, "到东部就业", 5000], ["广东省", LUODIAN, 2020, "采购农产品", 10]])
    assert _refused(storage, before, "collaboration_targets", zh) == {(3, "year")}


def test_malformed_pairings_and_targeted_assistance_are_refused(loaded, tmp_path):
    storage, before = loaded
    header = [c.name for c in contract.TABLES["pairings"].columns]
    pairings = _csv(tmp_path / "pairings.csv", header, [
        ["广东省广州市", QIANNAN, "east_west", "", 2021, "", "fine"],  # row 2
        ["广东省", "529999000000", "east_west", "", 2021, "", ""],  # 3: unknown western region
        ["广东省", LUODIAN, "east_west", "", 2024, 2022, ""],  # 4: ends before it starts
        ["", HUISHUI, "east_west", "", 2021, "", ""],  # 5: an East–West pair without its eastern region
        ["", GUIZHOU, "targeted", "某部（示例）", 2021, "", ""],  # 6: targeted assistance is of a county
        ["", SANDU, "targeted", "", 2021, "", ""],  # 7: targeted assistance without its unit
        ["广东省", LUODIAN, "partner", "", 2021, "", ""],  # 8: not a kind
    ])
    problems = _refused(storage, before, "pairings", pairings)
    for expected in ((3, "west_code"), (4, "end_year"), (5, "east_region"), (6, "west_code"), (7, "unit"),
                     (8, "kind")):
        assert expected in problems, (expected, problems)
    assert not any(row == 2 for row, _ in problems)

    header = [c.name for c in contract.TABLES["targeted_assistance"].columns]
    good = ["示例单位", LUODIAN, 2025, 1_000_000, 2_000_000, 1, 2, 300, 200, 1_000_000, 2_000_000, 5]
    targeted = _csv(tmp_path / "targeted.csv", header, [
        good, [*good[:3], -1, *good[4:]], [good[0], QIANNAN, *good[2:]], [good[0], LUODIAN, 2025, *good[3:]]])
    problems = _refused(storage, before, "targeted_assistance", targeted)
    assert (3, "funds_direct") in problems and (4, "county_code") in problems and any(r == 5 for r, _ in problems)

    header = [c.name for c in contract.TABLES["collaboration"].columns]
    row = {c: "" for c in header} | {"east_region": "广东省", "west_code": LUODIAN, "year": "2025", "fiscal_aid": "1",
                                     "cadres_sent": "1", "talent_sent": "1", "enterprises_landed": "1",
                                     "investment": "1", "labour_transferred": "10", "consumption_sales": "1"}
    bad = [row | {"workers_helped": "10", "former_poor": "11"}, row | {"year": "2024", "workers_helped": "10",
                                                                       "to_east": "8", "in_province": "3"}]
    problems = _refused(storage, before, "collaboration",
                        _csv(tmp_path / "collaboration.csv", header, [[r[c] for c in header] for r in bad]))
    assert problems == {(2, "former_poor"), (3, "to_east")}


# -- membership and reading --------------------------------------------------------------------------
def test_pairings_come_from_the_stored_table_else_from_the_reference_file(tiny_storage, tiny_copy, tmp_path):
    assert membership.east_partners(tiny_storage, ADMIN, LUODIAN) == ["广东省"]
    assert membership.start_year(tiny_storage, ADMIN, "广东省", LUODIAN) == 2021
    assert membership.west_partners(tiny_storage, ADMIN, GUANGDONG) == [GUANGXI, GUIZHOU]  # as the pairs file says
    assert membership.west_partners(tiny_storage, ADMIN, "440300000000") == ["450100000000", "450300000000"]  # 深圳
    storage = tiny_copy("sqlite")
    header = [c.name for c in contract.TABLES["pairings"].columns]
    path = _csv(tmp_path / "pairings.csv", header, [["广东省广州市", QIANNAN, "east_west", "", 2021, "", "test"]])
    imported = import_file(storage, TESTER, "pairings", path)
    assert membership.east_partners(storage, ADMIN, LUODIAN) == ["广东省广州市", "广东省"]  # most specific first
    assert membership.west_partners(storage, ADMIN, "440100000000") == [QIANNAN]
    assert membership.east_partner_regions(storage, ADMIN, LUODIAN) == ["440100000000", GUANGDONG]
    rollback(storage, ADMIN, imported.import_id)
    assert membership.east_partners(storage, ADMIN, LUODIAN) == ["广东省"]
    empty = tiny_copy("sqlite", with_data=False)  # nothing stored: the reference file's pairs, as before
    assert membership.east_partners(empty, ADMIN, LUODIAN) == ["广东省"]
    assert {p["west_code"] for p in membership.pairings(empty, ADMIN) if p["east_region"] == "广东省"} >= {GUIZHOU}


def test_reads_follow_the_callers_scope(tiny_storage):
    county = access_for(tiny_storage, "county", [LUODIAN])
    mine = collaboration.frame(tiny_storage, county, "collaboration", within="records")
    assert set(mine["west_code"]) == {LUODIAN} and len(mine) == len(generator.PROGRAMME_YEARS)
    pairs = collaboration.frame(tiny_storage, county, "pairings", west=LUODIAN, within="records")
    assert set(zip(pairs["kind"], pairs["west_code"])) == {("east_west", GUIZHOU), ("targeted", LUODIAN)}
    with pytest.raises(OutOfScope):
        collaboration.frame(tiny_storage, county, "collaboration_targets", west=SANDU, within="records")
    office = access_for(tiny_storage, "collaboration", [LUODIAN, HUISHUI, SANDU])
    ledger = collaboration.frame(tiny_storage, office, "collaboration_targets", east="广东省", years=[2025])
    assert set(ledger["west_code"]) == {LUODIAN, HUISHUI, SANDU} and set(ledger["year"]) == {2025}
    done = collaboration.completion(collaboration.frame(tiny_storage, office, "collaboration", years=[2025]), ledger)
    assert done["completion"].notna().all() and len(done) == len(ledger)
    yunnan = access_for(tiny_storage, "county", ["532328000000"])
    assert collaboration.frame(tiny_storage, yunnan, "targeted_assistance", within="records").empty


def test_the_new_quantities_are_yearly_figures_in_the_cube(tiny_storage):
    stored = records.read_table(tiny_storage.engine, ADMIN, "collaboration").set_index(["west_code", "year"])
    targeted = records.read_table(tiny_storage.engine, ADMIN, "targeted_assistance").groupby(["county_code", "year"]).sum(
        numeric_only=True)
    to_east, funds = (_values(tiny_storage, m, "county", "2025") for m in ("ew_to_east", "ta_funds_direct"))
    for county in (LUODIAN, SANDU):
        assert to_east[county] == stored.loc[(county, 2025), "to_east"]
        assert funds[county] == targeted.loc[(county, 2025), "funds_direct"]
    assert funds[HUISHUI] is None  # no central unit: no figure
    prefecture = _values(tiny_storage, "ew_workers_helped", "city", "2024")
    assert prefecture[QIANNAN] == stored.xs(2024, level="year")["workers_helped"].sum()
    share = _values(tiny_storage, "ew_to_east_share", "county", "2025")[LUODIAN]
    assert share == round(100 * stored.loc[(LUODIAN, 2025), "to_east"] / stored.loc[(LUODIAN, 2025), "workers_helped"], 2)


# -- the demo ---------------------------------------------------------------------------------------------
def test_demo_pairings_follow_the_reference_file_with_start_years(tiny_storage):
    pairings = records.read_table(tiny_storage.engine, ADMIN, "pairings")
    east_west = pairings[pairings["kind"] == "east_west"]
    assert len(east_west) == len(generator.read_pairs())  # every pair of the file, each western region found once
    stored = set(zip(east_west["east_region"], east_west["west_code"], east_west["start_year"]))
    assert {("广东省", GUIZHOU, 2021), ("广东省", GUANGXI, 2021), ("福建省", "640000000000", 1996),
            ("山东省", "500000000000", 2010), ("广东省佛山市", "522600000000", 2021)} <= stored
    starts = {p["east_region"]: generator.pair_start_year(p) for p in generator.read_pairs()}
    assert (starts["福建省"], starts["上海市黄浦区"], starts["山东省聊城市"], starts["广东省"]) == (1996, 1996, 2021, 2021)
    targeted = pairings[pairings["kind"] == "targeted"]
    key = {r["code"] for r in tiny_storage.regions(ADMIN, level="county") if r["national_key_county"]}
    assert set(targeted["west_code"]) == key & {LUODIAN, HUISHUI, SANDU} == {LUODIAN, SANDU}
    assert targeted["unit"].str.endswith(generator.ILLUSTRATIVE_UNIT).all() and targeted["note"].str.contains("示例").all()
    assistance = records.read_table(tiny_storage.engine, ADMIN, "targeted_assistance")
    assert set(zip(assistance["unit"], assistance["county_code"])) == set(zip(targeted["unit"], targeted["west_code"]))


def test_demo_completion_rates_are_spread_as_stated(tiny_storage):
    results = records.read_table(tiny_storage.engine, ADMIN, "collaboration")
    targets = records.read_table(tiny_storage.engine, ADMIN, "collaboration_targets")
    done = collaboration.completion(results, targets)
    assert set(done["indicator"]) == set(generator.DEMO_TARGET_INDICATORS)
    assert len(done) == len(results) * len(generator.DEMO_TARGET_INDICATORS)
    complete = done[done["year"] < generator.PROGRAMME_YEARS[-1]]["completion"].astype(float)  # whole years
    within = complete.between(90, 130).mean()
    under = (complete < 80).mean()
    assert within >= 0.6, within  # most between 90 and 130 %
    assert 0.04 <= under <= 0.3, under  # some under 80 %
    assert complete.max() <= 140
    current = done[done["year"] == generator.PROGRAMME_YEARS[-1]]["completion"].astype(float)
    assert current.median() < complete.median()  # the current year runs to October


def test_demo_labour_flows_agree_with_the_employment_records(tiny_storage):
    employment, households = data_tables["employment"], data_tables["households"]
    query = (sa.select(regions.c.county_code, employment.c.period, employment.c.person_id)
             .join(households, households.c.household_id == employment.c.household_id)
             .join(regions, regions.c.code == households.c.village_code)
             .where(employment.c.employed.is_(True), employment.c.location == "paired_east"))
    with tiny_storage.engine.connect() as connection:
        found = pd.DataFrame(connection.execute(query).all(), columns=["county", "period", "person"])
    east = found.groupby([found["county"], found["period"].str[:4].astype(int)])["person"].nunique().to_dict()
    assert east
    rows = records.read_table(tiny_storage.engine, ADMIN, "collaboration")
    for row in rows.itertuples():
        assert row.to_east == generator.SAMPLING_RATIO * east.get((row.west_code, row.year), 0), row
        assert row.to_east + row.in_province <= row.workers_helped and row.former_poor <= row.workers_helped
        assert row.labour_transferred == row.workers_helped
        assert row.consumption_sales == row.consumption_bought + row.consumption_sold


def test_demo_collaboration_tilts_to_national_key_counties(tiny_storage):
    rows = records.read_table(tiny_storage.engine, ADMIN, "collaboration")
    key = rows["west_code"].isin([LUODIAN, SANDU])
    for quantity in ("fiscal_aid", "consumption_bought", "pairings_village"):
        assert rows.loc[key, quantity].mean() > rows.loc[~key, quantity].mean(), quantity
