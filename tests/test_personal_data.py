"""No whole ID number, phone number or name leaves the system: every page, callback answer, download and
export is scanned after importing files that carry them (in their own columns, in free text, and in
rejected rows whose problems are reported back).
"""
from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import replace
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from data.definitions import personal
from data.store import records
from data.ingest.exporter import export_table
from data.ingest.importer import ImportRejected, import_file
from data.store.storage import Storage, make_engine
from tests.conftest import ADMIN, sign_in
from tests.test_access import _callback, _page
from tests.test_export_safety import _copy

FULL_NAMES = ("张三丰", "欧阳建国")
PHONE = "13812345678"


def _id_number(first17: str) -> str:
    return first17 + personal.check_digit(first17)


IDS = [_id_number("52272819800101123"), _id_number("52272819921231004")]


LANDLINE = "085486123456"
FULL_WIDTH = str.maketrans("0123456789X-() +", "０１２３４５６７８９Ｘ－（）　＋")
PLANTED = (*IDS, PHONE, LANDLINE)


def _planted(text: str) -> list[str]:
    """The numbers this module imports, found in ``text`` however written (full-width, with separators)."""
    digits = re.sub(r"(?<=[0-9])[ \-()+]+(?=[0-9X])", "", unicodedata.normalize("NFKC", text))
    return [number for number in PLANTED if number in digits]


def leaks(text: str) -> list[str]:
    """Whole ID numbers, phone numbers and the imported full names found in ``text``."""
    found = personal.numbers_in(text)
    found += [number for number in _planted(text) if number not in found]
    return found + [name for name in FULL_NAMES if name in text]


def test_the_scanner_finds_what_it_looks_for():
    assert leaks(f"户主 {IDS[0]}，电话{PHONE}，{FULL_NAMES[0]}") == [IDS[0], PHONE, FULL_NAMES[0]]
    assert leaks(f"户主 {personal.mask_id(IDS[0])}，电话 138****5678，张*，户编码 5227281010010001") == []
    assert _planted(f"身份证 {IDS[1].translate(FULL_WIDTH)}，电话 (0854) 8612-3456") == [IDS[1], LANDLINE]


# -- the forms numbers are written in ----------------------------------------------------------------
ID_FORMS = [IDS[0].translate(FULL_WIDTH), f"{IDS[0][:6]} {IDS[0][6:14]} {IDS[0][14:]}",
            f"{IDS[0][:6]}-{IDS[0][6:14]}-{IDS[0][14:]}", " ".join([IDS[0][i:i + 4] for i in range(0, 18, 4)]),
            f"{IDS[0][:6]} {IDS[0][6:14]} {IDS[0][14:]}".translate(FULL_WIDTH)]
PHONE_FORMS = ["138-1234-5678", "138 1234 5678", "+86 138 1234 5678", "+86-138-1234-5678", "(+86)13812345678",
               "+8613812345678", "0086 13812345678", "8613812345678", PHONE.translate(FULL_WIDTH),
               "138-1234-5678".translate(FULL_WIDTH)]
LANDLINE_FORMS = {"0854-86123456": "0854-****3456", "(0854)86123456": "0854-****3456",
                  "（0854）8612-3456": "0854-****3456", "0854 8612 3456": "0854-****3456",
                  "(0854) 7612-345": "0854-****2345", "010-12345678": "010-****5678", "0854-7612345": "0854-****2345",
                  "085486123456": "0854-****3456", "０８５４－８６１２３４５６": "0854-****3456"}


@pytest.mark.parametrize("written", ID_FORMS)
def test_an_id_number_is_masked_however_it_is_written(written):
    text = f"联系人张先生，身份证：{written}，住址（一组）"
    assert personal.scrub(text) == f"联系人张先生，身份证：{personal.mask_id(IDS[0])}，住址（一组）"
    assert personal.numbers_in(text) == [IDS[0]]


@pytest.mark.parametrize("written", PHONE_FORMS)
def test_a_mobile_number_is_masked_however_it_is_written(written):
    scrubbed = personal.scrub(f"电话（{written}）找王*")
    assert "138****5678）找王*" in scrubbed and leaks(scrubbed) == []
    assert scrubbed.startswith("电话（")  # the text around the number is left as written


@pytest.mark.parametrize("written", list(LANDLINE_FORMS))
def test_a_landline_number_is_masked_however_it_is_written(written):
    assert personal.scrub(f"办公室 {written}。") == f"办公室 {LANDLINE_FORMS[written]}。"


@pytest.mark.parametrize("text", ["户编码 5227281010010001", "区划 522728101001", "成员 522728101001000101",
                                  "2023 2024 2025 年", "金额 1,380,000 元", "2024-01-01 至 2024-12-31",
                                  "项目 5227282024001", f"{personal.mask_id(IDS[0])} 138****5678 0854-****3456",
                                  "第 3 组 12 户"])
def test_codes_amounts_dates_and_masked_numbers_stay(text):
    assert personal.scrub(text) == text and personal.numbers_in(text) == []


def test_a_full_width_id_number_is_the_same_person():
    wide = IDS[0].translate(FULL_WIDTH)
    assert personal.valid_id_number(wide) and personal.valid_id_number(IDS[0][:17] + "4") is False
    assert personal.hash_id(wide) == personal.hash_id(IDS[0]) and personal.mask_id(wide) == personal.mask_id(IDS[0])
    assert personal.valid_id_number("52272819850301061x") and personal.scrub("号 52272819850301061x") == (
        "号 522728********061X")


@pytest.fixture(scope="module")
def leaky(tiny_instance, tmp_path_factory):
    """A tiny instance into which households with whole ID numbers and names, and a project whose name
    carries a phone and an ID number, were imported; and a rejected file with the same."""
    from dashboard.app import create_app
    from dashboard.config import Config

    folder = tmp_path_factory.mktemp("leaky")
    config = Config(instance_dir=folder, database_url=_copy(tiny_instance.database_url, folder), mode="demo",
                    login_rate_limit="1000 per minute")
    storage = Storage(make_engine(config.database_url))
    TESTER = replace(ADMIN, user="test")  # an administrator signed in as "test"
    households = records.read_table(storage.engine, ADMIN, "households")
    mine = households[households["village_code"].str.startswith("522728")].head(2).copy()
    mine["head_id_number"], mine["head_name"] = IDS, FULL_NAMES
    mine.drop(columns=["head_id_hash"]).to_csv(folder / "households.csv", index=False)
    import_file(storage, TESTER, "households", folder / "households.csv")
    projects = records.read_table(storage.engine, ADMIN, "projects")
    project = projects[projects["county_code"] == "522728000000"].head(3).copy()
    project["name"] = [f"蔬菜基地（联系人{FULL_NAMES[0][0]}先生 {PHONE}，身份证{IDS[0]}）",
                       "养殖场（电话 138-1234-5678，办公室 (0854) 8612-3456）",
                       f"茶园 身份证 {IDS[1].translate(FULL_WIDTH)} 或 {IDS[0][:6]} {IDS[0][6:14]} {IDS[0][14:]}"]
    project.to_csv(folder / "projects.csv", index=False)
    import_file(storage, TESTER, "projects", folder / "projects.csv")
    mine["size"] = -1  # rejected: the problems are reported with the values
    mine.drop(columns=["head_id_hash"]).to_csv(folder / "bad.csv", index=False)
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, TESTER, "households", folder / "bad.csv")
    from data.compute.build import build

    build(storage, ADMIN)
    return create_app(config), rejected.value


SHEET_XML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx_text(content: bytes) -> str:
    """Every text and number a workbook holds, ``|`` between them: its shared strings and the value of each
    cell that is not a reference to one (inline texts, numbers), read from the sheets' XML itself (openpyxl
    took about 5 times as long on the exports; the test below shows both see the same values)."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        for name in book.namelist():
            if name == "xl/sharedStrings.xml":
                texts += ["".join(item.itertext()) for item in ElementTree.fromstring(book.read(name))]
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                texts += ["".join(c.itertext()) for c in ElementTree.fromstring(book.read(name)).iter(f"{SHEET_XML}c")
                          if c.get("t") != "s"]
    return "|".join(texts)


def test_the_workbook_scan_sees_every_value_openpyxl_reads():
    from data.ingest import spreadsheet

    frames = {"one": pd.DataFrame({"name": [FULL_NAMES[0], None, "=1+1"], "phone": [int(PHONE), 5, None],
                                   "wage": [1380.5, None, -2.0]}),
              "two": pd.DataFrame({"note": [f"身份证 {IDS[1]}", "第 3 组"], "size": [4, 12]})}
    content = spreadsheet.xlsx_bytes(frames)
    read = {str(value) for sheet in openpyxl.load_workbook(io.BytesIO(content))
            for row in sheet.iter_rows(values_only=True) for value in row if value is not None}
    assert set(_xlsx_text(content).split("|")) == read
    assert sorted(leaks(_xlsx_text(content))) == sorted([IDS[1], PHONE, FULL_NAMES[0]])


def test_imported_personal_data_is_stored_masked(leaky):
    app, rejected = leaky
    stored = records.read_table(app.storage.engine, ADMIN, "households")
    mine = stored[stored["head_id_number"].isin([personal.mask_id(n) for n in IDS])]
    assert list(mine["head_name"]) == ["张*", "欧*"] and mine["head_id_hash"].notna().all()
    name = records.read_table(app.storage.engine, ADMIN, "projects").set_index("county_code").loc["522728000000", "name"]
    assert "138****5678" in " ".join(pd.Series(name).astype(str))
    assert leaks(json.dumps([p.as_dict() for p in rejected.problems], ensure_ascii=False)) == []
    assert rejected.problems  # …and there were problems to report


def test_no_page_callback_download_or_export_carries_personal_data(leaky, tmp_path):
    app, _ = leaky
    texts: dict[str, str] = {}
    for name in ("demo_admin", "demo_county", "demo_evaluator"):
        client = sign_in(app.server.test_client(), name)
        texts[f"{name} index"] = client.get("/?region=522728").get_data(as_text=True)
        pages = [("/", "?region=522728"), ("/region/522728", ""), ("/data", "?region=522728")]
        pages += [("/data", f"?region=522728&table={table}") for table in records.HOUSEHOLD_TABLES + ("projects", "teams")]
        if name == "demo_admin":
            pages += [("/upload", "?table=households"), ("/admin", "")]
        for path, search in pages:
            response = _page(client, path, search)
            assert response.status_code == 200, (name, path, search)
            texts[f"{name} page {path}{search}"] = response.get_data(as_text=True)
        texts[f"{name} map"] = _callback(client, "..map.figure", ["monitored_households", None, "all"],
                                         [{"region": "522728000000"}]).get_data(as_text=True)
        for table in ("key_figures", "monitoring", "employment", "projects", "funds"):
            for fmt in ("csv", "xlsx"):
                button = [{"id": {"format": fmt, "table": table, "type": "profile-download-button"},
                           "property": "n_clicks", "value": 1}]
                answer = _callback(client, "profile-download.data", [button], [{"region": "522728000000"}]).get_json()
                content = base64.b64decode(answer["response"]["profile-download"]["data"]["content"])
                texts[f"{name} download {table}.{fmt}"] = _xlsx_text(content) if fmt == "xlsx" else content.decode("utf-8-sig")
        for api in ("/api/v1/regions/522728", "/api/v1/values?metric=monitored_households&parent=522728&format=csv"):
            texts[f"{name} {api}"] = client.get(api).get_data(as_text=True)
    admin = sign_in(app.server.test_client(), "demo_admin")
    crafted = [{"row": 2, "column": "head_id_number", "value": IDS[1]}, {"row": 3, "column": "note", "value": PHONE}]
    answer = _callback(admin, "upload-download.data", [1], [crafted]).get_json()  # what a browser sends back
    texts["problem report"] = answer["response"]["upload-download"]["data"]["content"]
    for table in records.HOUSEHOLD_TABLES + ("projects", "teams"):
        for suffix in (".csv", ".xlsx"):
            path = tmp_path / f"{table}{suffix}"
            export_table(app.storage.engine, ADMIN, table, path)
            texts[f"export {path.name}"] = _xlsx_text(path.read_bytes()) if suffix == ".xlsx" else path.read_text("utf-8-sig")
    with app.storage.engine.connect() as connection:  # what the logs keep
        texts["import log"] = json.dumps([list(map(str, r)) for r in connection.exec_driver_sql(
            "SELECT * FROM import_log").all()], ensure_ascii=False)
        texts["audit log"] = json.dumps([list(map(str, r)) for r in connection.exec_driver_sql(
            "SELECT * FROM audit_log").all()], ensure_ascii=False)
    assert "138****5678" in texts["export projects.csv"]  # the scanned texts hold the masked values …
    found = {where: leaks(text) for where, text in texts.items() if leaks(text)}
    assert found == {}  # … and nothing whole


# -- the audit log -------------------------------------------------------------------------------------
def _latest_refusal(storage) -> str:
    from data.store import audit

    return audit.entries(storage.engine, ADMIN, action="refused", limit=1)[0]["detail"]


def test_a_refused_request_is_audited_without_the_numbers_in_its_query_string(app):
    from urllib.parse import quote

    client = sign_in(app.server.test_client(), "demo_county")
    query = (f"note={IDS[0]}&phone=138%201234%205678&wide={quote(IDS[1].translate(FULL_WIDTH))}"
             f"&spaced={IDS[0][:6]}+{IDS[0][6:14]}+{IDS[0][14:]}&office=%280854%29+8612-3456")
    assert client.get(f"/geo/county.geojson?parent=110000&{query}").status_code == 403
    detail = _latest_refusal(app.storage)
    assert "/geo/county.geojson?parent=110000" in detail and leaks(detail) == []
    assert personal.mask_id(IDS[0]) in detail and personal.mask_id(IDS[1]) in detail and "138****5678" in detail


def test_every_audit_entry_is_scrubbed_in_one_place(app):
    from data.store import audit

    audit.record(app.storage.engine, "export", user="cli:test", detail=f"file for {IDS[0]} (138 1234 5678)")
    audit.record_for(app.storage.engine, ADMIN, "export", detail=f"电话 {PHONE.translate(FULL_WIDTH)}")
    details = [e["detail"] for e in audit.entries(app.storage.engine, ADMIN, action="export", limit=2)]
    assert details == ["电话 138****5678", f"file for {personal.mask_id(IDS[0])} (138****5678)"]


# -- what was stored before: migration 0007 masks it again -------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_free_text_stored_before_is_masked_by_the_migration(empty_database, backend):
    import datetime as dt

    import sqlalchemy as sa

    from data.definitions import contract
    from data.store.schema import audit_log, data_tables, import_changes, import_log, regions
    from data.store.storage import migrate

    engine = make_engine(empty_database(backend))
    migrate(engine, "0006")
    wide, spaced = PHONE.translate(FULL_WIDTH), f"{IDS[0][:6]} {IDS[0][6:14]} {IDS[0][14:]}"
    dummy = {"str": "x", "code": "522728000000", "int": 1, "money": 1, "year": 2024, "enum": None}

    def row(table, **values):  # the columns the table had at 0006: later ones (collaboration's 0011) are optional
        spec = contract.spec_of(table)
        return {c.name: values.get(c.name, c.values[0] if c.values else dummy.get(c.kind)) for c in spec.all_columns
                if c.required or table != "collaboration"}

    place = {"level": "county", "national_key_county": False, "provincial_key_county": False,
             "former_poverty_county": False, "source": "test"}
    with engine.begin() as connection:
        connection.execute(regions.insert(), [{"code": "522728000000", "name": "罗甸县", **place},
                                              {"code": "522729000000", "name": f"某县（{wide}）", **place}])
        connection.execute(data_tables["projects"].insert(), [row("projects", project_id="p1", name=f"基地 {spaced}"),
                                                              row("projects", project_id="p2", name="蔬菜基地")])
        connection.execute(data_tables["collaboration"].insert(), [row("collaboration", east_region=f"宁波 {wide}")])
        connection.execute(audit_log.insert(), [{"at": dt.datetime(2026, 1, 1), "action": "refused", "outcome": "refused",
                                                 "via": "web", "detail": f"GET /x?q={IDS[0][:6]}+{IDS[0][6:]}"}])
        log = connection.execute(import_log.insert().values(
            table_name="collaboration", file_name="f.csv", file_sha256="0" * 64, imported_by="t",
            imported_at=dt.datetime(2026, 1, 1), rows_added=0, rows_updated=1, rows_unchanged=0, rows_rejected=0,
            status="accepted", problems=json.dumps([{"row": 2, "column": "east_region", "value": wide}]))
        ).inserted_primary_key[0]
        connection.execute(import_changes.insert(), [{
            "import_id": log, "row_key": json.dumps([f"宁波 {wide}", "522728000000", "2024"], ensure_ascii=False),
            "previous": json.dumps({"east_region": f"宁波 {wide}", "fiscal_aid": "13812345678"}, ensure_ascii=False)}])
    migrate(engine)
    with engine.connect() as connection:
        stored = [list(map(str, r)) for table in (regions, data_tables["projects"], data_tables["collaboration"],
                                                  audit_log, import_log, import_changes)
                  for r in connection.execute(sa.select(table)).all()]
        names = dict(connection.execute(sa.select(data_tables["projects"].c.project_id,
                                                  data_tables["projects"].c.name)).all())
        previous = json.loads(connection.execute(sa.select(import_changes.c.previous)).scalar_one())
    assert leaks(json.dumps(stored, ensure_ascii=False).replace("13812345678", "")) == []
    assert names == {"p1": f"基地 {personal.mask_id(IDS[0])}", "p2": "蔬菜基地"}
    assert previous == {"east_region": "宁波 138****5678", "fiscal_aid": "13812345678"}  # a number, not text
    engine.dispose()


def test_region_codes_and_zeros_are_no_landline():
    from data.definitions.personal import scrub

    for text in ("区划 000000000000", "the nation 000000000000", "520102000000"):
        assert scrub(text) == text
