"""What a deployment brings besides household records: the provinces' monitoring thresholds (防止返贫监测标准)
and the disaster and emergency events (灾害和突发事件) as contract tables. Template → fill → import →
export → re-import is exact; bad rows are refused with row and column, nothing changed; a county clerk
imports their own county's events only and a province's threshold needs the province; an imported
threshold is the build's line of that province-year; an imported event is named where the monitoring page
explains a rise. SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from data.compute.build import PENDING, thresholds_frame
from data.definitions import contract
from data.definitions.access import OutOfScope
from data.ingest.exporter import export_table, write_template
from data.ingest.importer import ImportRejected, import_file, rollback
from data.ingest.workflow import import_and_rebuild
from data.read import cube, monitoring
from data.store import records
from data.store.schema import cube as cube_table
from layouts import monitoring_page
from tests.conftest import ADMIN, _postgres_database, access_for, copy_of, load_tiny

GUIZHOU, YUNNAN = "520000000000", "530000000000"
LUODIAN, PINGTANG = "522728000000", "522727000000"  # 罗甸县 (in the demo's scope), 平塘县 (its neighbour)
YUANMOU = "532328000000"  # 元谋县, Yunnan


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def regions_only(request, tmp_path_factory):
    """The tiny hierarchy without records, on each backend (the tests here leave it as they found it)."""
    if request.param == "sqlite":
        yield load_tiny(f"sqlite:///{tmp_path_factory.mktemp('reference') / 'db.sqlite'}", with_data=False)
        return
    url, drop = _postgres_database()
    storage = load_tiny(url, with_data=False)
    yield storage
    storage.engine.dispose()
    drop()


def _township_and_village(storage, county=LUODIAN) -> tuple[dict, dict]:
    township = storage.regions(ADMIN, parent=county)[0]
    return township, storage.regions(ADMIN, parent=township["code"])[0]


def _csv(path, header, rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _filled_template(table: str, rows: list[list], path):
    """The table's template with ``rows`` typed under its Chinese headers, as a clerk fills it."""
    write_template(table, path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.zh for c in contract.TABLES[table].columns]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _filled_rows(storage) -> dict[str, list[list]]:
    township, _ = _township_and_village(storage)
    return {
        "thresholds": [[GUIZHOU, 2025, 8120, "黔乡振组〔2025〕示例号"],
                       [GUIZHOU, 2026, "8,480", "黔乡振组〔2026〕示例号"],
                       [YUNNAN, 2025, 8410, "滇乡振组〔2025〕示例号"]],
        "events": [["E2025-LD-01", LUODIAN, "洪涝灾害", "2025-06-12", "2025-06-30", "乡镇报告，联系人 13812345678"],
                   ["E2025-LD-02", township["code"], "drought", "2025-07-01", None, None]],
    }


@pytest.mark.parametrize("table", ["thresholds", "events"])
def test_template_fill_import_export_and_reimport_round_trip(regions_only, table, tmp_path):
    storage = regions_only
    rows = _filled_rows(storage)[table]
    first = import_file(storage, ADMIN, table, _filled_template(table, rows, tmp_path / f"{table}.xlsx"))
    imports = [first.import_id]
    try:
        assert (first.added, first.updated) == (len(rows), 0)
        stored = records.read_table(storage.engine, ADMIN, table)
        assert len(stored) == len(rows)
        export_table(storage.engine, ADMIN, table, tmp_path / "out.csv")
        export_table(storage.engine, ADMIN, table, tmp_path / "out.xlsx")
        for exported in ("out.csv", "out.xlsx"):
            again = import_file(storage, ADMIN, table, tmp_path / exported)
            imports.append(again.import_id)
            assert (again.added, again.updated, again.unchanged) == (0, 0, len(rows)), exported
        export_table(storage.engine, ADMIN, table, tmp_path / "again.csv")
        assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()
        assert records.read_table(storage.engine, ADMIN, table).equals(stored)
        text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
        if table == "events":
            assert "flood" in text and "13812345678" not in text  # the term read as its code; a phone masked
            assert pd.isna(stored.set_index("event_id").loc["E2025-LD-02", "ended_on"])  # still going on
        else:
            assert "8480" in text and "黔乡振组〔2026〕示例号" in text
    finally:
        for import_id in reversed(imports):  # the latest first
            rollback(storage, ADMIN, import_id)
    assert records.read_table(storage.engine, ADMIN, table).empty


def _problems(storage, table, path) -> set[tuple[int, str]]:
    before = records.read_table(storage.engine, ADMIN, table)
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, ADMIN, table, path)
    assert records.read_table(storage.engine, ADMIN, table).equals(before)  # nothing changed
    assert all(p.zh and p.en for p in rejected.value.problems)
    return {(p.row, p.column, p.en) for p in rejected.value.problems}


def _has(problems, row, column, reason):
    assert any(r == row and c == column and reason in en for r, c, en in problems), (row, column, reason, problems)


def test_bad_event_rows_are_refused_with_row_and_column(regions_only, tmp_path):
    _, village = _township_and_village(regions_only)
    header = [c.name for c in contract.TABLES["events"].columns]
    path = _csv(tmp_path / "events.csv", header, [
        ["E1", LUODIAN, "flood", "2025-07-01", "2025-08-31", ""],  # row 2: good
        ["E2", LUODIAN, "flood", "2025-07-10", "2025-07-01", ""],  # row 3: ended before it started
        ["E3", LUODIAN, "tsunami", "2025-07-01", "", ""],  # row 4: not a kind
        ["E4", village["code"], "landslide", "2025-07-01", "", ""],  # row 5: a village
        ["E1", LUODIAN, "drought", "2025-05-01", "", ""],  # row 6: E1 again
        ["E6", GUIZHOU, "epidemic", "2025-05-01", "", ""],  # row 7: a province
        ["E7", LUODIAN, "earthquake", "2025-02-30", "", ""],  # row 8: no such day
    ])
    problems = _problems(regions_only, "events", path)
    _has(problems, 3, "ended_on", "ended before it started")
    _has(problems, 4, "kind", "not an allowed value")
    _has(problems, 5, "region_code", "wrong level (expected county/township)")
    _has(problems, 6, "event_id", "duplicate key")
    _has(problems, 7, "region_code", "wrong level")
    _has(problems, 8, "started_on", "malformed date")
    assert not any(row == 2 for row, _, _ in problems)


def test_bad_threshold_rows_are_refused_with_row_and_column(regions_only, tmp_path):
    header = [c.name for c in contract.TABLES["thresholds"].columns]
    path = _csv(tmp_path / "thresholds.csv", header, [
        [GUIZHOU, "2025", "8120", "省文件"],  # row 2: good
        [LUODIAN, "2025", "8120", "县文件"],  # row 3: a county
        [YUNNAN, "2025", "-8120", "省文件"],  # row 4: negative
        [GUIZHOU, "2025", "8300", "另一份文件"],  # row 5: Guizhou 2025 again
        [YUNNAN, "2026", "8400", ""],  # row 6: no source
        ["990000000000", "2025", "8000", "省文件"],  # row 7: no such province
    ])
    problems = _problems(regions_only, "thresholds", path)
    _has(problems, 3, "province_code", "wrong level (expected province)")
    _has(problems, 4, "threshold", "must be ≥ 1")
    _has(problems, 5, "province_code+year", "duplicate key")
    _has(problems, 6, "source", "required value is empty")
    _has(problems, 7, "province_code", "unknown region code")
    assert not any(row == 2 for row, _, _ in problems)


def test_a_county_clerk_imports_events_of_the_county_only_and_thresholds_need_the_province(regions_only, tmp_path):
    storage = regions_only
    township, _ = _township_and_village(storage)
    clerk = access_for(storage, "data_clerk", [LUODIAN], user="luodian_clerk")
    events = [c.name for c in contract.TABLES["events"].columns]
    own = import_file(storage, clerk, "events", _csv(tmp_path / "own.csv", events, [
        ["LD-1", LUODIAN, "flood", "2025-07-01", "2025-07-20", ""],
        ["LD-2", township["code"], "landslide", "2025-07-03", "2025-07-04", ""]]))
    try:
        assert own.added == 2
        other = _csv(tmp_path / "other.csv", events, [["PT-1", PINGTANG, "flood", "2025-07-01", "", ""]])
        _has(_problems_as(storage, clerk, "events", other), 2, "region_code", "outside your scope")
        takeover = _csv(tmp_path / "takeover.csv", events, [["LD-1", LUODIAN, "flood", "2025-07-01", "", ""]])
        province_clerk = access_for(storage, "data_clerk", [YUNNAN], user="yunnan_clerk")
        _has(_problems_as(storage, province_clerk, "events", takeover), 2, "region_code", "outside your scope")
        header = [c.name for c in contract.TABLES["thresholds"].columns]
        line = _csv(tmp_path / "line.csv", header, [[GUIZHOU, "2025", "8120", "省文件"]])
        _has(_problems_as(storage, clerk, "thresholds", line), 2, "province_code", "outside your scope")
        guizhou = access_for(storage, "data_clerk", [GUIZHOU], user="guizhou_clerk")
        _has(_problems_as(storage, guizhou, "thresholds", _csv(tmp_path / "yn.csv", header, [
            [YUNNAN, "2025", "8410", "省文件"]])), 2, "province_code", "outside your scope")
        accepted = import_file(storage, guizhou, "thresholds", line)
        assert accepted.added == 1
        rollback(storage, ADMIN, accepted.import_id)
    finally:
        rollback(storage, ADMIN, own.import_id)


def _problems_as(storage, access, table, path):
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, access, table, path)
    return {(p.row, p.column, p.en) for p in rejected.value.problems}


def test_an_imported_event_is_named_where_the_monitoring_page_explains_a_rise(regions_only, tmp_path):
    storage = regions_only
    township, village = _township_and_village(storage)
    header = [c.name for c in contract.TABLES["events"].columns]
    result = import_file(storage, ADMIN, "events", _csv(tmp_path / "e.csv", header, [
        ["LD-2025-06", LUODIAN, "滑坡灾害", "2025-06-10", "2025-06-20", "县应急管理局报送"],
        ["PT-2025-06", PINGTANG, "flood", "2025-06-01", "2025-06-05", ""]]))
    try:
        seen = monitoring.events(storage, ADMIN, LUODIAN, "2025-06")
        assert [(e["event_id"], e["region_name"], e["kind"], e["started_on"], e["ended_on"]) for e in seen] == [
            ("LD-2025-06", "罗甸县", "landslide", "2025-06-10", "2025-06-20")]
        assert monitoring.events(storage, ADMIN, LUODIAN, "2025-08") == []  # over by then
        assert [e["event_id"] for e in monitoring.events(storage, ADMIN, village["code"], "2025-06")] == ["LD-2025-06"]
        assert {e["event_id"] for e in monitoring.events(storage, ADMIN, "52", "2025-06")} == {"LD-2025-06", "PT-2025-06"}
        assert monitoring.events(storage, ADMIN, "53", "2025-06") == []
        county = access_for(storage, "county", [LUODIAN])
        assert [e["event_id"] for e in monitoring.events(storage, county, township["code"], "2025-06")] == ["LD-2025-06"]
        with pytest.raises(OutOfScope):  # a county of another province: neither in scope nor compared with
            monitoring.events(storage, county, YUANMOU, "2025-06")

        trend = [{"period": "2025-05", "value": 10.0}, {"period": "2025-06", "value": 42.0}]
        chinese = monitoring_page.rise_note(seen, "2025-06", trend, "zh")
        assert "滑坡灾害" in chinese and "罗甸县" in chinese and "2025-06-10" in chinese and "2025-06-20" in chinese
        assert "+32" in chinese
        english = monitoring_page.rise_note(seen, "2025-06", trend, "en")
        assert "landslide" in english and "罗甸县" in english and "2025-06-10" in english
        assert "滑坡" not in monitoring_page.rise_note([], "2025-06", trend, "zh")
    finally:
        rollback(storage, ADMIN, result.import_id)
    assert monitoring.events(storage, ADMIN, LUODIAN, "2025-06") == []


def test_the_demo_stores_its_flood_as_events_and_its_thresholds_with_their_source(tiny_storage):
    events = records.read_table(tiny_storage.engine, ADMIN, "events")
    assert len(events) >= 1 and set(events["kind"]) == {"flood"}
    assert set(events["started_on"]) == {"2025-07-01"} and set(events["ended_on"]) == {"2025-08-31"}
    assert events["note"].str.contains("演示").all()
    in_scope = json.loads(tiny_storage.facts()["counties_in_scope"])
    assert set(events["region_code"]) < set(in_scope)
    assert "flood_counties" not in tiny_storage.facts() and "flood_months" not in tiny_storage.facts()
    lines = records.read_table(tiny_storage.engine, ADMIN, "thresholds")
    provinces = {c[:2] + "0" * 10 for c in in_scope}
    assert set(lines["province_code"]) == provinces and lines["source"].str.contains("G10").all()
    assert (lines["threshold"] > 6000).all()


def _yearly(storage, metric, code, year):
    return next(p["value"] for p in cube.series(storage, ADMIN, metric, code)["series"] if p["period"] == year)


def test_an_imported_threshold_is_the_line_the_build_uses_for_that_province_and_year(tiny_storage, tmp_path):
    from data.store.storage import Storage, make_engine

    url, drop = copy_of(tiny_storage, tmp_path)
    storage = Storage(make_engine(url))
    try:
        year, county = "2025", "522728"
        with storage.engine.connect() as connection:
            before = thresholds_frame(connection)
        old = before[(before["province_code"] == GUIZHOU) & (before["year"] == 2025)]["yuan"].iloc[0]
        below = _yearly(storage, "households_below_threshold", county, year)
        income = records.read_table(storage.engine, ADMIN, "income")
        households = records.read_table(storage.engine, ADMIN, "households")
        mine = income[(income["year"] == 2025) & income["household_id"].isin(
            households[households["village_code"].str.startswith(county)]["household_id"])]
        raised = int(mine["per_capita_net_income"].quantile(0.6))
        assert raised > old
        header = [c.name for c in contract.TABLES["thresholds"].columns]
        path = _csv(tmp_path / "raised.csv", header, [[GUIZHOU, year, str(raised), "黔乡振组〔2025〕示例号"]])
        result, rebuilt = import_and_rebuild(storage, ADMIN, "thresholds", path)
        guizhou_counties = sorted(c for c in json.loads(storage.facts()["counties_in_scope"]) if c.startswith("52"))
        assert result.updated == 1 and result.counties == guizhou_counties and rebuilt["counties"] == len(guizhou_counties)
        assert json.loads(storage.facts()[PENDING]) == []
        with storage.engine.connect() as connection:
            after = thresholds_frame(connection)
        assert after[(after["province_code"] == GUIZHOU) & (after["year"] == 2025)]["yuan"].iloc[0] == raised
        now = _yearly(storage, "households_below_threshold", county, year)
        assert now == int((mine["per_capita_net_income"] < raised).sum()) and now > below
        other = [c for c in json.loads(storage.facts()["counties_in_scope"]) if not c.startswith("52")]
        if other:  # another province's counties were not rebuilt
            with storage.engine.connect() as connection:
                owners = {r[0] for r in connection.execute(sa.select(cube_table.c.county_code).distinct())}
            assert set(other) <= owners
    finally:
        storage.engine.dispose()
        drop()


def test_the_api_serves_the_templates_of_the_new_tables(client):
    for table in ("thresholds", "events"):
        answer = client.get(f"/api/v1/templates/{table}.xlsx")
        assert answer.status_code == 200, table
        headers = [c.value for c in load_workbook(io.BytesIO(answer.data)).worksheets[0][1]]
        assert headers == [c.zh for c in contract.TABLES[table].columns]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0009_renames_the_line_and_turns_the_demo_flood_facts_into_events(backend, empty_database):
    from data.store.storage import make_engine, migrate

    engine = make_engine(empty_database(backend))
    migrate(engine, "0008")
    places = [(GUIZHOU, "贵州省", "province", None), ("522700000000", "黔南布依族苗族自治州", "city", GUIZHOU),
              (LUODIAN, "罗甸县", "county", "522700000000")]
    with engine.begin() as connection:
        for code, name, level, parent in places:
            connection.execute(sa.text(
                "INSERT INTO regions (code, name, level, parent_code, national_key_county, provincial_key_county, "
                "former_poverty_county, source, province_code, city_code, county_code) VALUES (:code, :name, "
                ":level, :parent, false, false, false, 'test', :province, :city, :county)"),
                {"code": code, "name": name, "level": level, "parent": parent, "province": GUIZHOU,
                 "city": None if level == "province" else "522700000000", "county": LUODIAN if level == "county" else None})
        connection.execute(sa.text("INSERT INTO thresholds (province_code, year, yuan, source) "
                                   "VALUES (:p, 2025, 8410, '演示')"), {"p": GUIZHOU})
        connection.execute(sa.text("INSERT INTO meta (key, value) VALUES ('flood_counties', :c), "
                                   "('flood_months', '[\"2025-07\", \"2025-08\"]')"), {"c": json.dumps([LUODIAN])})
    migrate(engine)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT threshold FROM thresholds")).scalar_one() == 8410
            assert connection.execute(sa.text("SELECT count(*) FROM meta WHERE key LIKE 'flood%'")).scalar_one() == 0
        events = records.read_table(engine, ADMIN, "events")
        assert events[["region_code", "kind", "started_on", "ended_on"]].values.tolist() == [
            [LUODIAN, "flood", "2025-07-01", "2025-08-31"]]
        from data.demo.load import FLOOD_NOTE

        assert events["note"].tolist() == [FLOOD_NOTE]  # as the demo writes it now
    finally:
        engine.dispose()
