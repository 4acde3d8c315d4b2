"""No whole ID number, phone number or name leaves the system: every page, callback answer, download and
export is scanned after importing files that carry them (in their own columns, in free text, and in
rejected rows whose problems are reported back).
"""
from __future__ import annotations

import base64
import io
import json
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from data.definitions import personal
from data.store import records
from data.ingest.exporter import export_table
from data.ingest.importer import ImportRejected, import_file
from tests.conftest import ADMIN, load_tiny, sign_in
from tests.test_access import _callback, _page

FULL_NAMES = ("张三丰", "欧阳建国")
PHONE = "13812345678"


def _id_number(first17: str) -> str:
    return first17 + personal.check_digit(first17)


IDS = [_id_number("52272819800101123"), _id_number("52272819921231004")]


def leaks(text: str) -> list[str]:
    """Whole ID numbers, phone numbers and the imported full names found in ``text``."""
    found = [m.group(1) for m in personal.ID_IN_TEXT.finditer(text) if personal.valid_id_number(m.group(1).upper())]
    found += [m.group(1) for m in personal.PHONE_IN_TEXT.finditer(text)]
    return found + [name for name in FULL_NAMES if name in text]


def test_the_scanner_finds_what_it_looks_for():
    assert leaks(f"户主 {IDS[0]}，电话{PHONE}，{FULL_NAMES[0]}") == [IDS[0], PHONE, FULL_NAMES[0]]
    assert leaks(f"户主 {personal.mask_id(IDS[0])}，电话 138****5678，张*，户编码 5227281010010001") == []


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    """A tiny instance into which households with whole ID numbers and names, and a project whose name
    carries a phone and an ID number, were imported; and a rejected file with the same."""
    from dashboard.app import create_app
    from dashboard.config import Config

    folder = tmp_path_factory.mktemp("leaky")
    config = Config(instance_dir=folder, database_url=f"sqlite:///{folder / 'dashboard.db'}", mode="demo",
                    login_rate_limit="1000 per minute")
    storage = load_tiny(config.database_url)
    TESTER = replace(ADMIN, user="test")  # an administrator signed in as "test"
    households = records.read_table(storage.engine, ADMIN, "households")
    mine = households[households["village_code"].str.startswith("522728")].head(2).copy()
    mine["head_id_number"], mine["head_name"] = IDS, FULL_NAMES
    mine.drop(columns=["head_id_hash"]).to_csv(folder / "households.csv", index=False)
    import_file(storage, TESTER, "households", folder / "households.csv")
    projects = records.read_table(storage.engine, ADMIN, "projects")
    project = projects[projects["county_code"] == "522728000000"].head(1).copy()
    project["name"] = f"蔬菜基地（联系人{FULL_NAMES[0][0]}先生 {PHONE}，身份证{IDS[0]}）"
    project.to_csv(folder / "projects.csv", index=False)
    import_file(storage, TESTER, "projects", folder / "projects.csv")
    mine["size"] = -1  # rejected: the problems are reported with the values
    mine.drop(columns=["head_id_hash"]).to_csv(folder / "bad.csv", index=False)
    with pytest.raises(ImportRejected) as rejected:
        import_file(storage, TESTER, "households", folder / "bad.csv")
    from data.compute.build import build

    build(storage, ADMIN)
    return create_app(config), rejected.value


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "|".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


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
